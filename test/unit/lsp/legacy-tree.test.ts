// Every LSP feature on the legacy-style fixture tree (≈ Cilium 1.7–1.9 conventions), through a real
// client: the seed path hop by hop, definitions across tail calls, hover, symbols, lenses, hints,
// diagnostics and the custom requests. Expected lines are read from the fixture files themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { CodeLens, DocumentSymbol, Hover, InlayHint, Location, SymbolInformation } from 'vscode-languageserver-protocol';
import { repoRoot, type LspSession } from './harness';
import { useFixtureSession, type FixtureTree } from './navigate';
import type { Graph } from '../../../language-server/src/core/graph-schema';
import type { LocateResult } from '../../../language-server/src/server/protocol';

const workspace = path.join(repoRoot, 'test/fixtures/legacy');
let s: LspSession;
let t: FixtureTree;

useFixtureSession(workspace, (session, tree) => { s = session; t = tree; });

test('the server finds bpf/ under the workspace and indexes it', async () => {
  const state = await s.indexStatus();
  assert.equal(state.state, 'ready');
  assert.equal(state.root, path.join(workspace, 'bpf'));
  assert.equal(state.thread, 'worker', 'from source the analysis runs in its worker thread');
  assert.ok(state.files >= 12, `files indexed: ${state.files}`);
  assert.ok(state.programs >= 10, `programs: ${state.programs}`);
});

test('seed path, lxc: handle_xgress → slot → tail_handle_ipv4 → handle_ipv4_from_lxc → ipv4_local_delivery → policy', async () => {
  // Hop 1: the slot constant at the ep_tail_call site leads to this object's program, then to the #define.
  const defs = await t.definition('bpf/bpf_lxc.c', 'CILIUM_CALL_IPV4_FROM_LXC', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)');
  t.isAt(defs[0], 'bpf/bpf_lxc.c', 'int tail_handle_ipv4(');
  assert.ok(!defs.some((d) => d.uri === s.uri('bpf/bpf_overlay.c')), 'the overlay object\'s program of the same slot is not a target');
  assert.ok(defs.some((d) => d.uri === s.uri('bpf/lib/common.h') && d.range.start.line === t.line('bpf/lib/common.h', '#define CILIUM_CALL_IPV4_FROM_LXC')),
    `the slot's #define is offered too: ${JSON.stringify(defs)}`);

  // The same hop through the call hierarchy, labelled with wrapper and slot.
  const [entry] = await t.prepare('bpf/bpf_lxc.c', 'handle_xgress');
  assert.match(entry!.detail ?? '', /entry program/);
  const tail = await t.hop(entry!, 'tail_handle_ipv4', 'tail call via ep_tail_call [CILIUM_CALL_IPV4_FROM_LXC]', 'bpf/bpf_lxc.c');
  // Hop 2: outgoing calls of the tail program reach the IPv4 handler.
  const handler = await t.hop(tail, 'handle_ipv4_from_lxc', 'call');
  assert.equal(handler.uri, s.uri('bpf/bpf_lxc.c'));
  // Hop 3: local delivery, then the dynamic tail call into the policy program.
  const delivery = await t.hop(handler, 'ipv4_local_delivery', 'call');
  assert.equal(delivery.uri, s.uri('bpf/lib/l3.h'));
  const policy = await t.hop(delivery, 'handle_policy', /^dynamic tail call via tail_call\b/);
  assert.match(policy.detail ?? '', /dynamic tail call/);
  // Hop 4: the policy program tail-calls the per-family policy programs through a conditional slot.
  await t.hop(policy, 'tail_ipv4_policy', 'tail call via ep_tail_call [CILIUM_CALL_IPV4_TO_LXC_POLICY_ONLY]');
  await t.hop(policy, 'tail_ipv6_policy', 'tail call via ep_tail_call [CILIUM_CALL_IPV6_TO_LXC_POLICY_ONLY]');
});

test('seed path, overlay: from_overlay → its own tail_handle_ipv4 → handle_ipv4 → ipv4_local_delivery → handle_policy', async () => {
  const [entry] = await t.prepare('bpf/bpf_overlay.c', 'from_overlay');
  const tail = await t.hop(entry!, 'tail_handle_ipv4', 'tail call via ep_tail_call [CILIUM_CALL_IPV4_FROM_LXC]', 'bpf/bpf_overlay.c');
  const handler = await t.hop(tail, 'handle_ipv4', 'call', 'bpf/bpf_overlay.c');
  const delivery = await t.hop(handler, 'ipv4_local_delivery', 'call');
  await t.hop(delivery, 'handle_policy', /dynamic tail call/);
});

test('a macro-wrapped call and the renamed wrapper resolve', async () => {
  const [fn] = await t.prepare('bpf/bpf_lxc.c', 'handle_ipv4_from_lxc');
  await t.hop(fn!, 'redirect_to_ifindex', 'call (through FORWARD_OR_DROP)');
  // hop_to_slot is not a known name: its body makes it a tail-call wrapper.
  const targets = await t.definition('bpf/bpf_lxc.c', 'CILIUM_CALL_ARP', 'hop_to_slot(CILIUM_CALL_ARP');
  t.isAt(targets[0], 'bpf/bpf_lxc.c', 'int tail_handle_arp(');
  const wrapper = await t.definition('bpf/bpf_lxc.c', 'hop_to_slot', 'case bpf_htons(ETH_P_ARP)');
  t.isAt(wrapper[0], 'bpf/lib/maps.h', 'void hop_to_slot(');
  const hover = await s.request<Hover>('textDocument/hover', t.at('bpf/bpf_lxc.c', 'hop_to_slot', 'case bpf_htons(ETH_P_ARP)'));
  const hoverText = (hover.contents as { value: string }).value;
  assert.match(hoverText, /tail-call wrapper/);
  assert.match(hoverText, /`tail_handle_arp`/);
});

test('a static function defined in two objects: each call goes to its own file\'s definition', async () => {
  const fromOverlay = await t.definition('bpf/bpf_overlay.c', 'handle_ipv4', 'return handle_ipv4(ctx);');
  assert.deepEqual(fromOverlay.map((d) => [d.uri, d.range.start.line]), [[s.uri('bpf/bpf_overlay.c'), t.line('bpf/bpf_overlay.c', 'static __always_inline int handle_ipv4(')]]);
  const fromNetdev = await t.definition('bpf/bpf_netdev.c', 'handle_ipv4', 'return handle_ipv4(ctx, 0);');
  assert.deepEqual(fromNetdev.map((d) => [d.uri, d.range.start.line]), [[s.uri('bpf/bpf_netdev.c'), t.line('bpf/bpf_netdev.c', 'static __always_inline int handle_ipv4(')]]);
});

test('incoming calls cross tail calls, per object', async () => {
  const [tail] = await t.prepare('bpf/bpf_lxc.c', 'tail_handle_ipv4', '__section_tail(CILIUM_MAP_CALLS, CILIUM_CALL_IPV4_FROM_LXC) int');
  const callers = await t.incoming(tail!);
  assert.deepEqual(callers.map((c) => [c.from.name, c.from.detail]), [['handle_xgress', 'tail call via ep_tail_call [CILIUM_CALL_IPV4_FROM_LXC]']]);
  assert.equal(callers[0]!.fromRanges[0]!.start.line, t.line('bpf/bpf_lxc.c', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)'));
  const [policy] = await t.prepare('bpf/bpf_lxc.c', 'handle_policy');
  const policyCallers = await t.incoming(policy!);
  assert.ok(policyCallers.some((c) => c.from.name === 'ipv4_local_delivery' && /^dynamic tail call via tail_call/.test(c.from.detail ?? '')),
    JSON.stringify(policyCallers.map((c) => [c.from.name, c.from.detail])));
});

test('invoke_tailcall_if gives a tail edge and a direct call, both under the condition', async () => {
  const [entry] = await t.prepare('bpf/bpf_lxc.c', 'handle_xgress');
  const calls = await t.outgoing(entry!);
  const v6 = calls.filter((c) => c.to.name === 'tail_handle_ipv6').map((c) => c.to.detail);
  assert.ok(v6.includes('tail call via invoke_tailcall_if [CILIUM_CALL_IPV6_FROM_LXC] if is_defined(ENABLE_IPV6)'), JSON.stringify(v6));
  assert.ok(v6.some((d) => d?.startsWith('call') && d.endsWith('if is_defined(ENABLE_IPV6)')), JSON.stringify(v6));
});

test('hover: program facts on a function, targets and condition on a tail-call site', async () => {
  const entry = await s.request<Hover>('textDocument/hover', t.at('bpf/bpf_lxc.c', 'handle_xgress'));
  const entryText = (entry.contents as { value: string }).value;
  for (const part of ['entry program', 'section from-container', 'lxc* tc-ingress', 'tail_handle_ipv4']) assert.ok(entryText.includes(part), `${part} in ${entryText}`);

  const tail = await s.request<Hover>('textDocument/hover', t.at('bpf/bpf_lxc.c', 'tail_handle_ipv4', ') int tail_handle_ipv4'));
  const tailText = (tail.contents as { value: string }).value;
  assert.ok(tailText.includes('slot CILIUM_CALL_IPV4_FROM_LXC (7)'), tailText);
  assert.match(tailText, /Tail-called from:[^]*handle_xgress[^]*ep_tail_call/);
  assert.ok(!tailText.includes('from_overlay'), 'the overlay object\'s caller reaches the other tail_handle_ipv4');

  const site = await s.request<Hover>('textDocument/hover', t.at('bpf/bpf_lxc.c', 'CILIUM_CALL_ARP', 'hop_to_slot('));
  const siteText = (site.contents as { value: string }).value;
  assert.ok(siteText.includes('`tail_handle_arp`'), siteText);
  assert.ok(siteText.includes('defined(ENABLE_ARP_RESPONDER)'), `guarding condition shown: ${siteText}`);
});

test('document symbols mark entry, tail and policy programs', async () => {
  const symbols = await s.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: s.uri('bpf/bpf_lxc.c') } });
  const detail = (name: string) => symbols.find((x) => x.name === name)?.detail ?? `(no symbol ${name})`;
  assert.match(detail('handle_xgress'), /^entry program · section from-container · lxc\* tc-ingress/);
  assert.match(detail('tail_handle_ipv4'), /^tail program · section 2\/7 · slot CILIUM_CALL_IPV4_FROM_LXC \(7\)/);
  assert.match(detail('handle_policy'), /^policy program/);
  assert.equal(detail('handle_ipv4_from_lxc'), '');
  const xgress = symbols.find((x) => x.name === 'handle_xgress')!;
  assert.equal(xgress.selectionRange.start.line, t.line('bpf/bpf_lxc.c', 'int handle_xgress('));
});

test('workspace symbols find programs across the tree', async () => {
  const found = await s.request<SymbolInformation[]>('workspace/symbol', { query: 'tail_handle_ipv4' });
  const files = found.filter((x) => x.name === 'tail_handle_ipv4').map((x) => x.location.uri).sort();
  assert.deepEqual(files, [s.uri('bpf/bpf_lxc.c'), s.uri('bpf/bpf_overlay.c')]);
  const fuzzy = await s.request<SymbolInformation[]>('workspace/symbol', { query: 'hxgress' });
  assert.ok(fuzzy.some((x) => x.name === 'handle_xgress'));
});

test('references include the tail-call sites that name only the slot', async () => {
  const refs = await s.request<Location[]>('textDocument/references', { ...t.at('bpf/bpf_lxc.c', 'tail_handle_ipv4', ') int tail_handle_ipv4'), context: { includeDeclaration: true } });
  const lxc = refs.filter((r) => r.uri === s.uri('bpf/bpf_lxc.c')).map((r) => r.range.start.line);
  assert.ok(lxc.includes(t.line('bpf/bpf_lxc.c', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)')), JSON.stringify(refs));
  assert.ok(lxc.includes(t.line('bpf/bpf_lxc.c', 'int tail_handle_ipv4(')));
  const overlaySite = t.line('bpf/bpf_overlay.c', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)');
  assert.ok(!refs.some((r) => r.uri === s.uri('bpf/bpf_overlay.c') && r.range.start.line === overlaySite), 'the overlay site reaches the overlay program');
  const noDecl = await s.request<Location[]>('textDocument/references', { ...t.at('bpf/lib/l3.h', 'ipv4_local_delivery'), context: { includeDeclaration: false } });
  const declLine = t.line('bpf/lib/l3.h', 'static __always_inline int ipv4_local_delivery');
  assert.ok(!noDecl.some((r) => r.uri === s.uri('bpf/lib/l3.h') && r.range.start.line === declLine), JSON.stringify(noDecl));
  // The callers: one in each object's C file.
  assert.deepEqual(noDecl.map((r) => r.uri).sort(), ['bpf/bpf_lxc.c', 'bpf/bpf_netdev.c', 'bpf/bpf_overlay.c'].map((f) => s.uri(f)));
});

test('code lenses over programs, inlay hints at tail-call sites', async () => {
  const lenses = await s.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: s.uri('bpf/bpf_lxc.c') } });
  const over = (needle: string) => lenses.filter((l) => l.range.start.line === t.line('bpf/bpf_lxc.c', needle)).map((l) => l.command?.title);
  const entry = over('int handle_xgress(');
  assert.ok(entry.includes('entry program · lxc* tc-ingress · from-container'), JSON.stringify(entry));
  assert.ok(entry.some((x) => x?.startsWith('tail calls → ') && x.includes('tail_handle_ipv4')), JSON.stringify(entry));
  const tail = over('int tail_handle_ipv4(');
  assert.ok(tail.includes('tail-called from handle_xgress'), JSON.stringify(tail));

  const hints = await s.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: s.uri('bpf/bpf_lxc.c') }, range: { start: { line: 0, character: 0 }, end: { line: 200, character: 0 } } });
  const at = (needle: string) => hints.filter((h) => h.position.line === t.line('bpf/bpf_lxc.c', needle)).map((h) => h.label);
  assert.deepEqual(at('ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)'), ['→ tail_handle_ipv4']);
  assert.deepEqual(at('hop_to_slot(CILIUM_CALL_ARP'), ['→ tail_handle_arp']);
  // A conditional slot (cond ? A : B) names both targets.
  const both = at('ep_tail_call(ctx, is_v6 ?').join(' ');
  assert.ok(both.includes('tail_ipv4_policy') && both.includes('tail_ipv6_policy'), both);
});

test('diagnostics: a tail call to a slot with no program in the object', async () => {
  const uri = s.uri('bpf/bpf_overlay.c');
  const published = s.diagnostics.get(uri) ?? await s.nextDiagnostics(uri);
  const line = t.line('bpf/bpf_overlay.c', 'ep_tail_call(ctx, CILIUM_CALL_IPV6_FROM_LXC)');
  const d = published.diagnostics.find((x) => x.range.start.line === line);
  assert.ok(d, `diagnostic on the unresolved IPv6 tail call; got ${JSON.stringify(published.diagnostics)}`);
  assert.match(typeof d.message === 'string' ? d.message : d.message.value, /CILIUM_CALL_IPV6_FROM_LXC/);
  assert.equal(d.source, 'dpnav');
});

test('dpnav/graph returns the graph in the CLI schema', async () => {
  const graph = await s.request<Graph>('dpnav/graph', { waitForIndex: true });
  assert.equal(graph.root, path.join(workspace, 'bpf'));
  const has = (from: string, to: string, kind: string, object: string) =>
    graph.edges.some((e) => e.from === from && e.to === to && e.kind === kind && e.object === object);
  assert.ok(has('handle_xgress', 'tail_handle_ipv4', 'tail', 'bpf_lxc.c'));
  assert.ok(has('ipv4_local_delivery', 'handle_policy', 'dynamic-tail', 'bpf_overlay.c'));
  const entry = graph.programs.find((p) => p.name === 'handle_xgress');
  assert.deepEqual([entry?.kind, entry?.file, entry?.line, entry?.attach?.device], ['entry', 'bpf_lxc.c', t.line('bpf/bpf_lxc.c', 'int handle_xgress(') + 1, 'lxc*']);
});

test('dpnav/locate maps a function, an alias and a call inside it', async () => {
  const direct = await s.request<LocateResult>('dpnav/locate', { function: 'cil_from_container', aliases: ['handle_xgress'], call: 'ep_tail_call' });
  assert.ok(direct.found, JSON.stringify(direct));
  assert.equal(direct.matchedName, 'handle_xgress');
  assert.equal(direct.uri, s.uri('bpf/bpf_lxc.c'));
  assert.equal(direct.range.start.line, t.line('bpf/bpf_lxc.c', 'int handle_xgress('));
  assert.equal(direct.callRange?.start.line, t.line('bpf/bpf_lxc.c', 'ep_tail_call(ctx, CILIUM_CALL_IPV4_FROM_LXC)'));

  const hinted = await s.request<LocateResult>('dpnav/locate', { function: 'tail_handle_ipv4', fileHint: 'bpf_overlay.c', call: 'handle_ipv4' });
  assert.ok(hinted.found);
  assert.equal(hinted.uri, s.uri('bpf/bpf_overlay.c'));
  assert.equal(hinted.callRange?.start.line, t.line('bpf/bpf_overlay.c', 'return handle_ipv4(ctx);'));

  const missing = await s.request<LocateResult>('dpnav/locate', { function: 'no_such_function', aliases: ['nor_this'] });
  assert.equal(missing.found, false);
  assert.match(!missing.found ? missing.reason : '', /no function named no_such_function \(or nor_this\)/);
});
