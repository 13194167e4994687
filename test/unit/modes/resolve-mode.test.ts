import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveMode } from '../../../language-server/src/server/modes';

test('built-in, settings and header modes resolve by name; user modes win over built-ins', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-resolve-'));
  fs.writeFileSync(path.join(dir, 'node_config.h'), '#define TUNNEL_MODE 1\n#define ENABLE_IPV6 1\n');
  const settings = {
    modes: [{ name: 'vxlan', defines: { TUNNEL_MODE: 1 } }, { name: 'v6', defines: { ENABLE_IPV6: true } }],
    modeHeaders: { 'node-a': 'node_config.h', 'node-b': [path.join(dir, 'node_config.h')] },
  };
  const native = resolveMode('native', settings, dir);
  assert.ok(!('error' in native) && native.defines.ENABLE_IPV4 === '1');
  const vxlan = resolveMode('vxlan', settings, dir);
  assert.ok(!('error' in vxlan));
  assert.deepEqual(vxlan.defines, { TUNNEL_MODE: '1' }, 'the settings entry replaces the built-in mode');
  const a = resolveMode('node-a', settings, dir);
  assert.ok(!('error' in a) && a.defines.ENABLE_IPV6 === '1', 'relative header paths are taken from the workspace folder');
  assert.ok(!('error' in resolveMode('node-b', settings, dir)));
});

test('bad settings and unknown names are errors naming the setting', () => {
  assert.match((resolveMode('x', { modes: { name: 'x' } }, undefined) as { error: string }).error, /dpnav\.modes: expected an array/);
  assert.match((resolveMode('x', { modes: [{ name: 'x', defines: { 'bad name': 1 } }] }, undefined) as { error: string }).error,
    /dpnav\.modes\[0\]: defines\.bad name: expected a macro name/);
  assert.match((resolveMode('n', { modeHeaders: { n: '/nonexistent/node_config.h' } }, undefined) as { error: string }).error,
    /dpnav\.modeHeaders\.n: \/nonexistent\/node_config\.h: no such file/);
  assert.match((resolveMode('n', { modeHeaders: { n: [3] } }, undefined) as { error: string }).error, /dpnav\.modeHeaders\.n: expected a header path/);
  assert.match((resolveMode('warp', {}, undefined) as { error: string }).error, /unknown datapath mode 'warp' \(built-in: vxlan, geneve, native, native-host-routing/);
});
