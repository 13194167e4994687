import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RESTRICTED_SETTINGS, serverSection, settingValue, type InspectedSetting, type SettingsSource } from '../../../extension/src/trust';

/** A `dpnav` configuration as VS Code layers it: default < user (global) < workspace; `get` gives the top one. */
function source(layers: Record<string, InspectedSetting>, trusted: boolean): SettingsSource {
  return {
    trusted,
    inspect: (key) => layers[key],
    get: (key) => {
      const l = layers[key];
      return l?.workspaceFolderValue ?? l?.workspaceValue ?? l?.globalValue ?? l?.defaultValue;
    },
  };
}

// What a cloned repository's .vscode/settings.json could set, next to what the user set themselves.
const layers: Record<string, InspectedSetting> = {
  bpfRoot: { defaultValue: '', workspaceValue: '/etc' },
  notesFile: { defaultValue: '.vscode/datapath-notes.json', globalValue: '/home/me/notes.json', workspaceValue: '../../outside.json' },
  modeHeaders: { defaultValue: {}, workspaceValue: { evil: ['/root/.ssh/id_rsa'] } },
  modes: { defaultValue: [], workspaceFolderValue: [{ name: 'x', defines: { A: 1 } }] },
  exclude: { defaultValue: [], workspaceValue: ['tests'] },
  maxFiles: { defaultValue: 5000, workspaceValue: 100 },
};

test('untrusted workspace: restricted settings take the user value or the default, never the workspace value', () => {
  const s = source(layers, false);
  assert.equal(settingValue(s, 'bpfRoot'), '');
  assert.equal(settingValue(s, 'notesFile'), '/home/me/notes.json');
  assert.deepEqual(settingValue(s, 'modeHeaders'), {});
  assert.deepEqual(settingValue(s, 'modes'), []);
  // Not restricted: they only narrow or bound what is read.
  assert.deepEqual(settingValue(s, 'exclude'), ['tests']);
  assert.equal(settingValue(s, 'maxFiles'), 100);
});

test('trusted workspace: every setting as VS Code resolves it', () => {
  const s = source(layers, true);
  assert.equal(settingValue(s, 'bpfRoot'), '/etc');
  assert.equal(settingValue(s, 'notesFile'), '../../outside.json');
  assert.deepEqual(settingValue(s, 'modeHeaders'), { evil: ['/root/.ssh/id_rsa'] });
  assert.deepEqual(settingValue(s, 'modes'), [{ name: 'x', defines: { A: 1 } }]);
});

test('the section sent to the language server follows the same rule', () => {
  const keys = ['bpfRoot', 'notesFile', 'modes', 'modeHeaders', 'exclude', 'maxFiles'];
  assert.deepEqual(serverSection(source(layers, false), keys), {
    bpfRoot: '', notesFile: '/home/me/notes.json', modes: [], modeHeaders: {}, exclude: ['tests'], maxFiles: 100,
  });
  assert.deepEqual(serverSection(source(layers, true), keys), {
    bpfRoot: '/etc', notesFile: '../../outside.json', modes: [{ name: 'x', defines: { A: 1 } }], modeHeaders: { evil: ['/root/.ssh/id_rsa'] },
    exclude: ['tests'], maxFiles: 100,
  });
  // A key nobody set (no default either) is left out rather than sent as undefined.
  assert.deepEqual(serverSection(source({}, false), ['bpfRoot']), {});
});

test('the restricted list is the manifest\'s restrictedConfigurations', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { supported: unknown; restrictedConfigurations: string[] } };
    contributes: { configuration: { properties: Record<string, unknown> } };
  };
  const declared = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual([...RESTRICTED_SETTINGS].map((k) => `dpnav.${k}`).sort(), [...declared].sort());
  for (const key of declared) assert.ok(manifest.contributes.configuration.properties[key], `${key} is a contributed setting`);
});
