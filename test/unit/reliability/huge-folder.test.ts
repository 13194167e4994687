// A huge or wrong folder opened through a real LSP client: indexing is refused past dpnav.maxFiles with
// a message saying what to change, and dpnav.exclude (names, paths, globs) keeps folders out of the index.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSession, type LspSession } from '../lsp/harness';
import { excludeMatcher } from '../../../language-server/src/core/index';

const GENERATED = 6000;
const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-huge-'));
const bpf = path.join(tree, 'bpf');
fs.mkdirSync(path.join(bpf, 'vendor/kernel/drivers'), { recursive: true });
fs.mkdirSync(path.join(bpf, 'lib'), { recursive: true });
fs.writeFileSync(path.join(bpf, 'lib/helper.h'), '#pragma once\nstatic inline int helper(int x) { return x + 1; }\n');
fs.writeFileSync(path.join(bpf, 'bpf_lxc.c'), '#include "lib/helper.h"\nint entry(int x) { return helper(x); }\n');
for (let i = 0; i < GENERATED; i++) fs.writeFileSync(path.join(bpf, `vendor/kernel/drivers/gen${i}.h`), `int gen${i}(void);\n`);

const sessions: LspSession[] = [];
after(async () => {
  for (const s of sessions) await s.close();
  fs.rmSync(tree, { recursive: true, force: true });
});

test('a folder over dpnav.maxFiles (default 5000) is refused with a message naming the setting', async () => {
  const s = await startSession({ workspace: tree, noWait: true });
  sessions.push(s);
  const state = await s.waitForReady(60_000);
  assert.equal(state.state, 'error');
  assert.match(state.message ?? '', /more than 5000 \.c\/\.h files \(limit dpnav\.maxFiles\).*dpnav\.exclude/);
});

test('dpnav.maxFiles sets the limit: a lower one refuses a smaller tree', async () => {
  const s = await startSession({ workspace: tree, noWait: true, initializationOptions: { dpnav: { maxFiles: 10 } } });
  sessions.push(s);
  const state = await s.waitForReady(60_000);
  assert.equal(state.state, 'error');
  assert.match(state.message ?? '', /more than 10 /);
});

test('a raised dpnav.maxFiles indexes the big tree, reporting progress as files done / total', async () => {
  const s = await startSession({ workspace: tree, noWait: true, initializationOptions: { maxFiles: 10_000 } });
  sessions.push(s);
  const state = await s.waitForReady(120_000);
  assert.equal(state.state, 'ready', state.message);
  assert.equal(state.files, GENERATED + 2);
  const progress = s.states.filter((p) => p.state === 'indexing' && p.filesTotal !== undefined);
  assert.ok(progress.length >= 1, JSON.stringify(s.states.map((p) => [p.state, p.files, p.filesTotal])));
  for (const p of progress) assert.ok(p.files <= p.filesTotal! && p.filesTotal === GENERATED + 2, JSON.stringify(p));
  const counts = progress.map((p) => p.files);
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'progress only moves forward');
});

test('dpnav.exclude leaves the generated folder out and the rest is indexed', async () => {
  for (const exclude of [['vendor'], ['vendor/kernel'], ['**/drivers']]) {
    const s = await startSession({ workspace: tree, noWait: true, initializationOptions: { exclude } });
    sessions.push(s);
    const state = await s.waitForReady(60_000);
    assert.equal(state.state, 'ready', `${JSON.stringify(exclude)}: ${state.message}`);
    assert.equal(state.files, 2, JSON.stringify(exclude));
  }
});

test('exclude entries: relative paths, folder names at any depth, globs', () => {
  const m = excludeMatcher(['tests', 'include/linux', 'gen-*', '**/out/**']);
  assert.ok(m('tests') && m('lib/tests'));
  assert.ok(m('include/linux') && !m('other/include/linux') && !m('include'));
  assert.ok(m('gen-abc') && m('lib/gen-x') && !m('lib/generated'));
  assert.ok(m('a/out/b') && !m('lib'));
});
