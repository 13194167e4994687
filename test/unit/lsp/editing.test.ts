// Incremental re-indexing and robustness, through a real client on a scratch copy of the legacy
// fixture: an edit updates answers and the graph (and, with a datapath mode, the compiled-out regions);
// a half-written file and requests sent while the tree is still being indexed get answers (from a text
// scan of the tree until the index exists), never a hang or a crash.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocumentSymbol, Hover } from 'vscode-languageserver-protocol';
import { repoRoot, startSession } from './harness';
import { FixtureTree } from './navigate';
import type { Graph } from '../../../language-server/src/core/graph-schema';
import {
  InactiveRegionsRequest, ModeChangedNotification, SetModeNotification, type InactiveRegionsResult,
} from '../../../language-server/src/server/protocol';

const scratch: string[] = [];
after(() => { for (const d of scratch) fs.rmSync(d, { recursive: true, force: true }); });

function copyLegacy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-lsp-edit-'));
  scratch.push(dir);
  fs.cpSync(path.join(repoRoot, 'test/fixtures/legacy/bpf'), path.join(dir, 'bpf'), { recursive: true });
  return dir;
}

const LXC = 'bpf/bpf_lxc.c';

test('an edit re-indexes the file: definitions, symbols, diagnostics and the graph follow', async () => {
  const s = await startSession({ workspace: copyLegacy() });
  const t = new FixtureTree(s);
  try {
    const uri = await s.open(LXC);
    const site = t.at(LXC, 'CILIUM_CALL_IPV4_FROM_LXC', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)');
    const word = { start: { line: site.position.line, character: site.position.character - 1 }, end: { line: site.position.line, character: site.position.character - 1 + 'CILIUM_CALL_IPV4_FROM_LXC'.length } };
    await s.change(uri, word, 'CILIUM_CALL_ARP');
    const defs = await t.definitionAt({ textDocument: { uri }, position: word.start });
    assert.equal(defs[0]?.range.start.line, t.line(LXC, 'int tail_handle_arp('), `the site now jumps to the ARP program: ${JSON.stringify(defs)}`);
    const graph = await s.request<Graph>('dpnav/graph', {});
    const fromEntry = graph.edges.filter((e) => e.from === 'handle_xgress' && e.kind === 'tail' && e.via === 'ep_tail_call').map((e) => e.to);
    assert.deepEqual(fromEntry, ['tail_handle_arp'], 'the graph follows the edit');

    // Append a program: it shows up in the document's symbols at once.
    const end = t.text(LXC).split('\n').length;
    await s.change(uri, { start: { line: end, character: 0 }, end: { line: end, character: 0 } },
      '\n__section_tail(CILIUM_MAP_CALLS, CILIUM_CALL_IPV4_FROM_LXC)\nint added_program(struct __ctx_buff *ctx)\n{\n\treturn 0;\n}\n');
    const symbols = await s.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.match(symbols.find((x) => x.name === 'added_program')?.detail ?? '(missing)', /^tail program/);

    // Give the overlay object an IPv4 slot where it had an unresolved IPv6 one: its diagnostic goes away.
    const overlay = await s.open('bpf/bpf_overlay.c');
    const bad = t.at('bpf/bpf_overlay.c', 'CILIUM_CALL_IPV6_FROM_LXC', 'ep_tail_call(ctx, CILIUM_CALL_IPV6_FROM_LXC)').position;
    const before = s.diagnostics.get(overlay)?.diagnostics ?? (await s.nextDiagnostics(overlay)).diagnostics;
    assert.ok(before.some((d) => d.range.start.line === bad.line), JSON.stringify(before));
    const cleared = s.nextDiagnostics(overlay);
    await s.change(overlay, { start: { line: bad.line, character: bad.character - 1 }, end: { line: bad.line, character: bad.character - 1 + 'CILIUM_CALL_IPV6_FROM_LXC'.length } }, 'CILIUM_CALL_IPV4_FROM_LXC');
    const after = (await cleared).diagnostics;
    assert.ok(!after.some((d) => d.range.start.line === bad.line), JSON.stringify(after));
  } finally { await s.close(); }
});

test('a half-written file gets answers from what can be recovered, and recovers when completed', async () => {
  const s = await startSession({ workspace: copyLegacy() });
  const t = new FixtureTree(s);
  try {
    const uri = await s.open(LXC);
    const entryLine = t.line(LXC, '__section_tail(CILIUM_MAP_CALLS, CILIUM_CALL_IPV4_TO_LXC_POLICY_ONLY)');
    const at = { start: { line: entryLine, character: 0 }, end: { line: entryLine, character: 0 } };
    const half = 'static int half_written(struct __ctx_buff *ctx\n{\n\tif (ctx->mark == \n';
    await s.change(uri, at, half);
    // The tail-call site is above the damage, so its position does not move.
    const sitePos = t.at(LXC, 'CILIUM_CALL_IPV4_FROM_LXC', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)').position;
    const doc = { textDocument: { uri } };
    // Every request answers (the harness fails the test on a request with no answer).
    const [symbols] = await Promise.all([
      s.request<DocumentSymbol[]>('textDocument/documentSymbol', doc),
      s.request('textDocument/definition', { ...doc, position: sitePos }),
      s.request('textDocument/hover', { ...doc, position: sitePos }),
      s.request('textDocument/prepareCallHierarchy', { ...doc, position: sitePos }),
      s.request('textDocument/codeLens', doc),
      s.request('textDocument/inlayHint', { ...doc, range: { start: { line: 0, character: 0 }, end: { line: 300, character: 0 } } }),
      s.request('textDocument/references', { ...doc, position: sitePos, context: { includeDeclaration: true } }),
      s.request('dpnav/graph', {}),
    ]);
    assert.ok(Array.isArray(symbols));
    assert.ok(symbols.some((x) => x.name === 'tail_handle_ipv4'), 'functions before the damage are still there');
    assert.equal((await s.indexStatus()).state, 'ready');

    // Complete the function: the file is whole again and the tail-call site resolves as before.
    await s.change(uri, { start: { line: entryLine + 2, character: 0 }, end: { line: entryLine + 3, character: 0 } }, '\treturn 0;\n}\n');
    await s.change(uri, { start: { line: entryLine, character: 0 }, end: { line: entryLine, character: 'static int half_written(struct __ctx_buff *ctx'.length } }, 'static int half_written(struct __ctx_buff *ctx)');
    const text = (await s.request<DocumentSymbol[]>('textDocument/documentSymbol', doc)).map((x) => x.name);
    assert.ok(text.includes('half_written') && text.includes('tail_ipv4_policy'), JSON.stringify(text));
    const defs = await t.definitionAt({ ...doc, position: sitePos });
    assert.equal(defs?.[0]?.range.start.line, t.line(LXC, 'int tail_handle_ipv4('), JSON.stringify(defs));
  } finally { await s.close(); }
});

test('requests sent while the tree is being indexed answer at once and the index completes', async () => {
  const ws = copyLegacy();
  // Enough extra headers that indexing takes a while.
  fs.mkdirSync(path.join(ws, 'bpf/lib/generated'));
  for (let i = 0; i < 400; i++) {
    const body = Array.from({ length: 40 }, (_, j) => `static inline int gen_${i}_${j}(int x)\n{\n\treturn x + ${j};\n}\n`).join('\n');
    fs.writeFileSync(path.join(ws, `bpf/lib/generated/g${i}.h`), body);
  }
  const s = await startSession({ workspace: ws, noWait: true, requestTimeoutMs: 5000 });
  const t = new FixtureTree(s);
  try {
    const uri = s.uri(LXC);
    const doc = { textDocument: { uri } };
    const sitePos = t.at(LXC, 'CILIUM_CALL_IPV4_FROM_LXC', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)').position;
    const statesBefore = (await s.indexStatus()).state;
    const started = Date.now();
    await Promise.all([
      s.request('textDocument/definition', { ...doc, position: sitePos }),
      s.request('textDocument/hover', { ...doc, position: sitePos }),
      s.request('textDocument/documentSymbol', doc),
      s.request('workspace/symbol', { query: 'handle' }),
      s.request('dpnav/graph', {}),
      s.request('dpnav/locate', { function: 'handle_xgress' }),
    ]);
    const answeredIn = Date.now() - started;
    const ready = await s.waitForReady(120_000);
    assert.equal(ready.state, 'ready');
    assert.ok(ready.files >= 400, `all files indexed: ${ready.files}`);
    if (statesBefore === 'indexing') {
      assert.ok(answeredIn < (ready.elapsedMs ?? Infinity), `answered in ${answeredIn} ms, before indexing ended (${ready.elapsedMs} ms)`);
    }
    const defs = await t.definitionAt({ ...doc, position: sitePos });
    assert.equal(defs[0]?.range.start.line, t.line(LXC, 'int tail_handle_ipv4('));
  } finally { await s.close(); }
});

test('while the tree is being indexed, definition, references and symbols answer from a text scan', async () => {
  const ws = copyLegacy();
  // Enough extra headers that indexing takes seconds while the text scan takes milliseconds.
  fs.mkdirSync(path.join(ws, 'bpf/lib/generated'));
  for (let i = 0; i < 600; i++) {
    const body = Array.from({ length: 40 }, (_, j) => `static inline int gen_${i}_${j}(int x)\n{\n\treturn x + ${j};\n}\n`).join('\n');
    fs.writeFileSync(path.join(ws, `bpf/lib/generated/g${i}.h`), body);
  }
  const s = await startSession({ workspace: ws, noWait: true, requestTimeoutMs: 10_000 });
  const t = new FixtureTree(s);
  try {
    await s.waitForState((st) => st.state !== 'searching');
    const doc = { textDocument: { uri: s.uri(LXC) } };
    // The call in tail_handle_ipv4 of a plain function defined above it in the same file.
    const call = t.at(LXC, 'handle_ipv4_from_lxc', ') int tail_handle_ipv4');
    const [defs, symbols, refs, found] = await Promise.all([
      s.request<Array<{ targetUri: string; targetSelectionRange: { start: { line: number } } }>>('textDocument/definition', call),
      s.request<DocumentSymbol[]>('textDocument/documentSymbol', doc),
      s.request<Array<{ uri: string; range: { start: { line: number } } }>>('textDocument/references', { ...call, context: { includeDeclaration: true } }),
      // Files are scanned a few at a time, the asked-about file at once: bpf_lxc.c is scanned by now.
      s.request<Array<{ name: string; location: { uri: string } }>>('workspace/symbol', { query: 'tail_handle_arp' }),
    ]);
    // Notifications and answers share one ordered stream: no `ready` yet means the answers came before the index.
    const duringIndexing = !s.states.some((st) => st.state === 'ready');
    const defLine = t.line(LXC, 'static __always_inline int handle_ipv4_from_lxc(');
    if (duringIndexing) {
      assert.deepEqual(defs.map((d) => [d.targetUri, d.targetSelectionRange.start.line]), [[s.uri(LXC), defLine]]);
      const names = symbols.map((x) => x.name);
      // Functions (a marker macro before the name on the same line, or on the line above) and #defines.
      for (const name of ['handle_ipv4_from_lxc', 'tail_handle_ipv4', 'tail_handle_arp', 'handle_xgress', 'handle_policy', 'CALLS_MAP']) {
        assert.ok(names.includes(name), `${name} in ${JSON.stringify(names)}`);
      }
      assert.ok(!names.includes('__section_tail') && !names.includes('declare_tailcall_if'), 'a marker before a declaration is no function');
      // The definition and the call in tail_handle_ipv4, both in bpf_lxc.c.
      assert.deepEqual(refs.map((r) => [r.uri, r.range.start.line]), [[s.uri(LXC), defLine], [s.uri(LXC), call.position.line]]);
      assert.deepEqual(found.map((x) => [x.name, x.location.uri]), [['tail_handle_arp', s.uri(LXC)]]);
    } else {
      // The index won the race: the same questions have the index's answers.
      assert.equal(defs[0]?.targetSelectionRange.start.line, defLine);
      assert.ok(symbols.some((x) => x.name === 'tail_handle_ipv4'));
    }
    const ready = await s.waitForReady(120_000);
    assert.equal(ready.state, 'ready');
    // Once indexed, the slot at the tail-call site leads to the program, which the text scan cannot know.
    const site = t.at(LXC, 'CILIUM_CALL_IPV4_FROM_LXC', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)');
    const slotDefs = await t.definitionAt(site);
    assert.equal(slotDefs[0]?.range.start.line, t.line(LXC, 'int tail_handle_ipv4('));
  } finally { await s.close(); }
});

test('with a datapath mode, an edit moves the compiled-out regions; a new #define in a header re-evaluates them', async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-lsp-mode-edit-'));
  scratch.push(ws);
  fs.cpSync(path.join(repoRoot, 'test/fixtures/modern/bpf'), path.join(ws, 'bpf'), { recursive: true });
  const s = await startSession({ workspace: ws, initializationOptions: { modes: [{ name: 'bare', defines: { ENABLE_IPV4: 1 } }] } });
  const changed: Array<{ mode: string | null }> = [];
  s.connection.onNotification(ModeChangedNotification, (m: { mode: string | null }) => { changed.push(m); });
  try {
    await s.connection.sendNotification(SetModeNotification, { mode: 'bare' });
    const deadline = Date.now() + 20_000;
    while (!changed.some((m) => m.mode === 'bare')) {
      assert.ok(Date.now() < deadline, `no dpnav/modeChanged for bare: ${JSON.stringify(changed)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const uri = await s.open('bpf/bpf_lxc.c');
    const tunnel = async () => (await s.request<InactiveRegionsResult>(InactiveRegionsRequest, { textDocument: { uri } }))
      .regions.find((r) => r.directive === '#ifdef TUNNEL_MODE');
    // bpf_lxc.c:45 `#ifdef TUNNEL_MODE` guards lines 46–48 (0-based 45–47); the mode leaves TUNNEL_MODE undefined.
    let region = await tunnel();
    assert.deepEqual(region && [region.range.start.line, region.range.end.line, region.directiveLine], [45, 47, 44]);

    // Two new lines at the top (no #define, no #include): the region moves down by two.
    await s.change(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, '/* edited */\n\n');
    region = await tunnel();
    assert.deepEqual(region && [region.range.start.line, region.range.end.line, region.directiveLine], [47, 49, 46]);
    const hover = await s.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 48, character: 12 } });
    const text = typeof hover?.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(text, /Compiled out in mode bare\*\* by `#ifdef TUNNEL_MODE` \(line 47\)/);

    // A header now defines TUNNEL_MODE: the region in bpf_lxc.c is compiled in, and the graph has the encap call.
    const common = await s.open('bpf/lib/common.h');
    await s.change(common, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, '#define TUNNEL_MODE 1\n');
    assert.equal(await tunnel(), undefined);
    const graph = await s.request<Graph>('dpnav/graph', {});
    assert.ok(graph.edges.some((e) => e.from === 'handle_ipv4_from_lxc' && e.to === 'encap_and_redirect_lxc'), 'the tunnel branch is in the graph');
  } finally { await s.close(); }
});

test('closing an edited document falls back to the file on disk', async () => {
  const s = await startSession({ workspace: copyLegacy() });
  const t = new FixtureTree(s);
  try {
    const uri = await s.open(LXC);
    const line = t.line(LXC, 'int handle_xgress(');
    await s.change(uri, { start: { line, character: 4 }, end: { line, character: 4 + 'handle_xgress'.length } }, 'renamed_entry');
    let names = (await s.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } })).map((x) => x.name);
    assert.ok(names.includes('renamed_entry') && !names.includes('handle_xgress'));
    await s.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    const deadline = Date.now() + 5000;
    do {
      await new Promise((r) => setTimeout(r, 50));
      names = (await s.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } })).map((x) => x.name);
    } while (!names.includes('handle_xgress') && Date.now() < deadline);
    assert.ok(names.includes('handle_xgress') && !names.includes('renamed_entry'), JSON.stringify(names));
  } finally { await s.close(); }
});
