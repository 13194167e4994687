// Server lifecycle through a real client: finding (or not finding) the bpf/ folder, answering while
// there is nothing to serve, malformed custom requests, and the `dpnav lsp` CLI entry.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeLens } from 'vscode-languageserver-protocol';
import { startSession, repoRoot } from './harness';
import type { LocateResult } from '../../../language-server/src/server/protocol';
import type { Graph } from '../../../language-server/src/core/graph-schema';

const made: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-lsp-'));
  made.push(dir);
  return dir;
}
after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

test('a workspace without bpf_lxc.c is reported as no-root, and requests still answer', async () => {
  const ws = tempDir();
  fs.writeFileSync(path.join(ws, 'main.c'), 'int main(void) { return 0; }\n');
  const s = await startSession({ workspace: ws });
  try {
    const state = await s.indexStatus();
    assert.equal(state.state, 'no-root');
    assert.match(state.message ?? '', /bpf_lxc\.c/);
    assert.ok(state.message?.includes(ws), `message names the folder searched: ${state.message}`);
    await s.open('main.c');
    const position = { line: 0, character: 5 };
    assert.equal(await s.request('textDocument/definition', { textDocument: { uri: s.uri('main.c') }, position }), null);
    assert.equal(await s.request('textDocument/hover', { textDocument: { uri: s.uri('main.c') }, position }), null);
    const graph = await s.request<Graph>('dpnav/graph', { waitForIndex: true });
    assert.deepEqual([graph.programs.length, graph.edges.length], [0, 0]);
    const located = await s.request<LocateResult>('dpnav/locate', { function: 'main' });
    assert.equal(located.found, false);
    assert.match(!located.found ? located.reason : '', /no-root/);
  } finally { await s.close(); }
});

test('the bpf/ folder is found below the workspace folder, and a configured one wins', async () => {
  const ws = tempDir();
  fs.mkdirSync(path.join(ws, 'src/cilium/bpf'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'src/cilium/bpf/bpf_lxc.c'), '');
  fs.mkdirSync(path.join(ws, 'other'));
  fs.writeFileSync(path.join(ws, 'other/bpf_lxc.c'), '');
  const found = await startSession({ workspace: ws, noWait: true });
  try {
    const state = await found.waitForState((x) => x.root !== undefined || x.state === 'no-root');
    assert.equal(state.root, path.join(ws, 'other'), 'the shallowest folder holding bpf_lxc.c');
  } finally { await found.close(); }
  const configured = await startSession({ workspace: ws, noWait: true, initializationOptions: { bpfRoot: 'src/cilium/bpf' } });
  try {
    const state = await configured.waitForState((x) => x.root !== undefined || x.state === 'no-root');
    assert.equal(state.root, path.join(ws, 'src/cilium/bpf'));
  } finally { await configured.close(); }
});

test('a configured bpfRoot that does not exist is an error naming it, not a silent fallback', async () => {
  const ws = tempDir();
  fs.writeFileSync(path.join(ws, 'bpf_lxc.c'), '');
  const s = await startSession({ workspace: ws, initializationOptions: { dpnav: { bpfRoot: 'no/such/dir' } } });
  try {
    const state = await s.indexStatus();
    assert.equal(state.state, 'no-root');
    assert.ok(state.message?.includes(path.join(ws, 'no/such/dir')), state.message);
  } finally { await s.close(); }
});

test('a new dpnav.bpfRoot pushed by the client re-indexes that tree', async () => {
  const ws = tempDir();
  fs.cpSync(path.join(repoRoot, 'test/fixtures/legacy/bpf'), path.join(ws, 'old/bpf'), { recursive: true });
  fs.cpSync(path.join(repoRoot, 'test/fixtures/modern/bpf'), path.join(ws, 'new/bpf'), { recursive: true });
  const s = await startSession({ workspace: ws, initializationOptions: { bpfRoot: 'old/bpf' } });
  try {
    assert.equal((await s.indexStatus()).root, path.join(ws, 'old/bpf'));
    const before = await s.request<Array<{ name: string }>>('workspace/symbol', { query: 'handle_xgress' });
    assert.ok(before.some((x) => x.name === 'handle_xgress'));
    const seen = s.states.length;
    await s.connection.sendNotification('workspace/didChangeConfiguration', { settings: { dpnav: { bpfRoot: 'new/bpf' } } });
    const ready = await s.waitForState((x) => s.states.indexOf(x) >= seen && x.state === 'ready');
    assert.equal(ready.root, path.join(ws, 'new/bpf'));
    const after = await s.request<Array<{ name: string }>>('workspace/symbol', { query: 'cil_from_container' });
    assert.ok(after.some((x) => x.name === 'cil_from_container'));
    assert.ok(!(await s.request<Array<{ name: string }>>('workspace/symbol', { query: 'handle_xgress' })).some((x) => x.name === 'handle_xgress'));
  } finally { await s.close(); }
});

test('dpnav/locate rejects malformed params with a reason', async () => {
  const ws = tempDir();
  const s = await startSession({ workspace: ws });
  try {
    const bad = await s.request<LocateResult>('dpnav/locate', { function: 'not a name' });
    assert.deepEqual(bad, { found: false, reason: 'invalid dpnav/locate params: function must be a C identifier' });
    const badAliases = await s.request<LocateResult>('dpnav/locate', { function: 'f', aliases: 'g' });
    assert.equal(badAliases.found, false);
    assert.match(!badAliases.found ? badAliases.reason : '', /aliases/);
  } finally { await s.close(); }
});

test('the bundled `dpnav lsp --stdio` serves the same features', { skip: !fs.existsSync(path.join(repoRoot, 'dist/cli.js')) && 'dist/cli.js not built (npm run build)' }, async () => {
  const s = await startSession({ workspace: path.join(repoRoot, 'test/fixtures/legacy'), command: 'cli-bundle', initializationOptions: { codeLensCommands: true } });
  try {
    const state = await s.indexStatus();
    assert.equal(state.state, 'ready', JSON.stringify(state));
    const workerBundled = fs.existsSync(path.join(repoRoot, 'dist/analysis-worker.js'));
    assert.equal(state.thread, workerBundled ? 'worker' : 'in-process');
    const located = await s.request<LocateResult>('dpnav/locate', { function: 'handle_xgress', call: 'ep_tail_call' });
    assert.ok(located.found && located.uri === s.uri('bpf/bpf_lxc.c') && located.callRange, JSON.stringify(located));
    // With codeLensCommands the "tail-called from" lens opens the sites through dpnav.showReferences.
    const lenses = await s.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: s.uri('bpf/bpf_lxc.c') } });
    const from = lenses.find((l) => l.command?.title === 'tail-called from handle_xgress');
    assert.equal(from?.command?.command, 'dpnav.showReferences', JSON.stringify(lenses.map((l) => l.command)));
    const [uri, position, locations] = from!.command!.arguments as [string, { line: number }, Array<{ uri: string; range: { start: { line: number } } }>];
    assert.equal(uri, s.uri('bpf/bpf_lxc.c'));
    assert.equal(position.line, from!.range.start.line);
    const siteLine = fs.readFileSync(path.join(repoRoot, 'test/fixtures/legacy/bpf/bpf_lxc.c'), 'utf8').split('\n').findIndex((l) => l.includes('ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)'));
    assert.ok(locations.some((l) => l.uri === s.uri('bpf/bpf_lxc.c') && l.range.start.line === siteLine), JSON.stringify(locations));
  } finally { await s.close(); }
  assert.equal(s.child.exitCode, 0, 'exit after shutdown + exit is clean');
});

test('dpnav lsp without a transport prints usage and exits 2', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), 'lsp'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: dpnav lsp --stdio/);
  const wrong = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), 'lsp', '--stdio', '--verbose'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /unknown argument '--verbose'/);
});
