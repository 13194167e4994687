// A short edit storm (2 000 didChange with requests between batches) through a real LSP client on a
// copy of the legacy fixture: every answer stays right. Memory is measured by test/bench/edit-storm-bench.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../lsp/harness';
import { runEditStorm, pickTarget } from '../../bench/edit-storm';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-storm-'));
fs.cpSync(path.join(repoRoot, 'test/fixtures/legacy/bpf'), path.join(dir, 'bpf'), { recursive: true });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the storm edits the function the fixture calls from its tail program', () => {
  const target = pickTarget(fs.readFileSync(path.join(dir, 'bpf/bpf_lxc.c'), 'utf8'));
  assert.equal(target.name, 'handle_ipv4_from_lxc');
  assert.equal(target.defLine, 17);
  assert.deepEqual(target.call, { line: 39, character: 12 }, 'inside the name at the call in tail_handle_ipv4');
});

test('2 000 edits with definition, hover and call hierarchy between batches: answers stay right', async () => {
  const r = await runEditStorm({ workspace: dir, file: 'bpf/bpf_lxc.c', edits: 2000, batch: 200 });
  assert.deepEqual(r.wrong, []);
  assert.equal(r.rounds, 10);
  assert.equal(r.latencies.definition.length, 12);
});
