// Exports against files written by hand (test/unit/notes/golden/, reviewed, not generated): the annotated
// tail-call graph as Mermaid and DOT, its SVG's structure, and the Markdown walk-through of a trace.
// Hostile note text must come out as text in every format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Graph } from '../../../language-server/src/core/graph-schema';
import type { Note } from '../../../language-server/src/notes/schema';
import { toAnnotatedDot, toAnnotatedMermaid, toAnnotatedSvg } from '../../../language-server/src/notes/export';
import { traceToMarkdown } from '../../../language-server/src/notes/trace-markdown';
import { inertMarkdown } from '../../../language-server/src/notes/markdown';
import type { Trace } from '../../../simulator/src/trace';

const golden = (name: string) => fs.readFileSync(path.join(__dirname, 'golden', name), 'utf8');

const graph: Graph = {
  programs: [
    { name: 'cil_from_container', file: 'bpf_lxc.c', line: 10, kind: 'entry', object: 'bpf_lxc.c', attach: { device: 'lxc*', hook: 'tc-ingress' } },
    { name: 'tail_handle_ipv4', file: 'bpf_lxc.c', line: 30, kind: 'tail', object: 'bpf_lxc.c', slot: 'CILIUM_CALL_IPV4_FROM_LXC', slotValue: 7 },
    { name: 'handle_policy', file: 'bpf_lxc.c', line: 50, kind: 'policy', object: 'bpf_lxc.c' },
  ],
  edges: [
    { from: 'cil_from_container', to: 'helper', kind: 'call', file: 'bpf_lxc.c', line: 12 },
    { from: 'helper', to: 'tail_handle_ipv4', kind: 'tail', file: 'lib/h.h', line: 20, object: 'bpf_lxc.c', slot: 'CILIUM_CALL_IPV4_FROM_LXC', slotValue: 7, via: 'ep_tail_call' },
    { from: 'tail_handle_ipv4', to: 'handle_policy', kind: 'dynamic-tail', file: 'bpf_lxc.c', line: 35, object: 'bpf_lxc.c', slot: 'id' },
  ],
};
const at = '2026-01-01T00:00:00.000Z';
const notes: Note[] = [
  { id: 'a', target: { kind: 'node', function: 'tail_handle_ipv4', file: 'bpf_lxc.c' }, text: 'policy "verdict" <b> #1', tag: 'v4', color: '#f80', created: at, updated: at },
  { id: 'b', target: { kind: 'edge', caller: 'helper', callee: 'tail_handle_ipv4', slot: 'CILIUM_CALL_IPV4_FROM_LXC', object: 'bpf_lxc.c' }, text: 'only with ENABLE_IPV4', created: at, updated: at },
  { id: 'c', target: { kind: 'node', function: 'gone_fn', file: 'x.h' }, text: 'old', created: at, updated: at, lastKnown: { file: 'x.h', line: 3 } },
];

test('annotated Mermaid matches the hand-written file', () => {
  assert.equal(toAnnotatedMermaid(graph, notes), golden('graph.mmd'));
});

test('annotated DOT matches the hand-written file', () => {
  assert.equal(toAnnotatedDot(graph, notes), golden('graph.dot'));
});

test('SVG: one box per program, notes on the noted node and edge, note text escaped', () => {
  const svg = toAnnotatedSvg(graph, [...notes, { id: 'd', target: { kind: 'node', function: 'cil_from_container', file: 'bpf_lxc.c' }, text: '<script>alert(1)</script><img src=x onerror=alert(2)>', created: at, updated: at }]);
  assert.equal((svg.match(/<g class="node /g) ?? []).length, 3);
  assert.equal((svg.match(/<g class="edge /g) ?? []).length, 2);
  assert.deepEqual(svg.match(/<g class="(node|edge) [a-z-]+ noted"/g), ['<g class="node entry noted"', '<g class="node tail noted"', '<g class="edge tail noted"']);
  assert.ok(!/<script|<img/.test(svg), 'no element comes from note text');
  assert.ok(svg.includes('📝 &lt;script&gt;alert(1)&lt;/script&gt;'), 'the hostile note is shown as text');
  assert.ok(svg.includes('stroke="#f80"'), 'the note colour outlines the node');
  // Balanced tags: every element opened is closed (a cheap well-formedness check without an XML parser).
  const opened = (svg.match(/<(svg|g|text|title|defs|marker|style)[ >]/g) ?? []).length;
  const closed = (svg.match(/<\/(svg|g|text|title|defs|marker|style)>/g) ?? []).length;
  assert.equal(opened, closed);
});

test('trace walk-through as Markdown matches the hand-written file', () => {
  const trace: Trace = {
    scenario: 'tiny', mode: 'vxlan',
    hops: [
      { node: 'node1', device: 'lxc1', hook: 'tc-ingress', program: 'cil_from_container', steps: [
        { index: 0, kind: 'program', summary: 'packet from endpoint 7', source: { function: 'cil_from_container', fileHint: 'bpf_lxc.c' }, notification: { type: 'trace', observationPoint: 'from-endpoint' } },
        { index: 1, kind: 'tail-call', summary: 'tail call CILIUM_CALL_IPV4_FROM_LXC', source: { function: 'helper', call: 'tail_handle_ipv4' } },
        { index: 2, kind: 'map', summary: 'ipcache lookup', source: { function: 'tail_handle_ipv4', aliases: ['old_name'], call: 'lookup_ip4' }, returnCode: { name: 'CTX_ACT_OK', value: 0 },
          lookups: [{ map: 'cilium_ipcache', key: { ip: '10.0.1.6' }, result: { sec_identity: 257 } }, { map: 'cilium_lxc', key: { ip: '10.0.1.6' }, result: null, note: 'not local' }] },
      ] },
      { node: 'node1', device: 'eth0', hook: 'stack', steps: [
        { index: 3, kind: 'kernel', kernel: true, summary: 'to the stack', source: { function: 'netif_rx' } },
      ] },
    ],
    disposition: { kind: 'sent-to-world', node: 'node1', device: 'eth0' },
  };
  const places: Record<string, { file: string; line: number }> = { cil_from_container: { file: 'bpf_lxc.c', line: 10 }, helper: { file: 'lib/h.h', line: 5 }, old_name: { file: 'bpf_lxc.c', line: 30 } };
  const traceNotes: Note[] = [
    { id: 'e', target: { kind: 'edge', caller: 'helper', callee: 'tail_handle_ipv4' }, text: 'only with IPv4', created: at, updated: at },
    { id: 'n', target: { kind: 'node', function: 'tail_handle_ipv4', file: 'bpf_lxc.c' }, text: 'decides <b>policy</b>\nsecond line [x](command:y)', tag: 'v4', created: at, updated: at },
    { id: 'z', target: { kind: 'node', function: 'zzz', file: 'bpf_lxc.c' }, text: 'not on the path', created: at, updated: at },
  ];
  const md = traceToMarkdown(trace, {
    locate: (names) => names.map((n) => places[n]).find(Boolean),
    linkBase: '../bpf',
    notes: traceNotes,
  });
  assert.equal(md, golden('trace.md'));
});

test('inert Markdown: no link, image, autolink or HTML survives; a user\'s own escapes stay escaped', () => {
  assert.equal(inertMarkdown('[x](command:a) ![i](u) <https://e> <img src=x onerror=y> \\[k](command:b)'),
    '\\[x\\](command:a) !\\[i\\](u) \\<https://e\\> \\<img src=x onerror=y\\> \\\\\\[k\\](command:b)');
  assert.equal(inertMarkdown('**bold** and `code` stay'), '**bold** and `code` stay');
});
