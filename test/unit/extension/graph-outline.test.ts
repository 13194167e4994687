import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, GraphEdge, GraphProgram } from '../../../language-server/src/core/graph-schema';
import { GraphOutline, nearestModelled, POLICY_GROUP, UNATTACHED_GROUP, UNREACHED_TAIL_GROUP } from '../../../extension/src/graph-outline';

// A hand-made graph: two entry programs on the lxc device, one on cilium_host, tail programs reached
// directly and through a helper, a cycle between two tail programs, and an orphan tail program.
const program = (name: string, kind: GraphProgram['kind'], attach?: GraphProgram['attach'], object = 'bpf_lxc.c'): GraphProgram =>
  ({ name, kind, attach, object, file: object, line: 1 });
const edge = (from: string, to: string, kind: GraphEdge['kind'], slot?: string): GraphEdge => ({ from, to, kind, file: 'bpf_lxc.c', line: 1, slot });

const graph: Graph = {
  root: '/tmp/bpf',
  programs: [
    program('cil_from_container', 'entry', { device: 'lxc*', hook: 'tc-ingress' }),
    program('cil_to_container', 'entry', { device: 'lxc*', hook: 'tc-egress' }),
    program('cil_from_host', 'entry', { device: 'cilium_host', hook: 'tc-ingress' }, 'bpf_host.c'),
    program('cil_mystery', 'entry'),
    program('tail_handle_ipv4', 'tail'),
    program('tail_ipv4_ct_egress', 'tail'),
    program('tail_loop_a', 'tail'),
    program('tail_loop_b', 'tail'),
    program('tail_orphan', 'tail'),
    program('handle_policy', 'policy'),
  ],
  edges: [
    edge('cil_from_container', 'tail_handle_ipv4', 'tail', 'CILIUM_CALL_IPV4_FROM_LXC'),
    edge('tail_handle_ipv4', 'handle_ipv4_from_lxc', 'call'),
    edge('handle_ipv4_from_lxc', 'tail_ipv4_ct_egress', 'tail', 'CILIUM_CALL_IPV4_CT_EGRESS'),
    edge('tail_ipv4_ct_egress', 'tail_loop_a', 'dynamic-tail'),
    edge('tail_loop_a', 'tail_loop_b', 'tail'),
    edge('tail_loop_b', 'tail_loop_a', 'tail'),
    edge('tail_ipv4_ct_egress', 'cil_to_container', 'call'),
  ],
};

test('groups entry programs by attach point, then the leftovers', () => {
  const groups = new GraphOutline(graph).groups();
  assert.deepEqual(groups.map((g) => [g.label, g.programs.map((p) => p.name)]), [
    ['cilium_host · tc-ingress', ['cil_from_host']],
    ['lxc* · tc-egress', ['cil_to_container']],
    ['lxc* · tc-ingress', ['cil_from_container']],
    [UNATTACHED_GROUP, ['cil_mystery']],
    [UNREACHED_TAIL_GROUP, ['tail_orphan']],
    [POLICY_GROUP, ['handle_policy']],
  ]);
});

const named = (g: Graph, name: string, object = 'bpf_lxc.c') => {
  const p = g.programs.find((x) => x.name === name && x.object === object);
  assert.ok(p, `no program ${name} in ${object}`);
  return p;
};

test('tail children follow helper calls but not calls into other programs', () => {
  const outline = new GraphOutline(graph);
  const children = (name: string) => outline.tailChildren(named(graph, name)).map((c) => c.program.name);
  assert.deepEqual(outline.tailChildren(named(graph, 'cil_from_container')).map((c) => [c.program.name, c.edge.slot]), [['tail_handle_ipv4', 'CILIUM_CALL_IPV4_FROM_LXC']]);
  assert.deepEqual(children('tail_handle_ipv4'), ['tail_ipv4_ct_egress']);
  // cil_to_container is reached by a plain call: not a tail child.
  assert.deepEqual(children('tail_ipv4_ct_egress'), ['tail_loop_a']);
  assert.deepEqual(children('tail_loop_a'), ['tail_loop_b']);
  assert.deepEqual(children('tail_orphan'), []);
});

test('a program name shared by two objects: each keeps the tail calls of its own object', () => {
  const shared: Graph = {
    programs: [
      program('cil_from_container', 'entry', { device: 'lxc*', hook: 'tc-ingress' }, 'bpf_lxc.c'),
      program('cil_from_overlay', 'entry', { device: 'cilium_vxlan', hook: 'tc-ingress' }, 'bpf_overlay.c'),
      program('tail_handle_ipv4', 'tail', undefined, 'bpf_lxc.c'),
      program('tail_handle_ipv4', 'tail', undefined, 'bpf_overlay.c'),
      program('tail_lxc_only', 'tail', undefined, 'bpf_lxc.c'),
    ],
    edges: [
      { ...edge('cil_from_container', 'tail_handle_ipv4', 'tail'), object: 'bpf_lxc.c' },
      { ...edge('cil_from_overlay', 'tail_handle_ipv4', 'tail'), object: 'bpf_overlay.c' },
      { ...edge('tail_handle_ipv4', 'tail_lxc_only', 'tail'), object: 'bpf_lxc.c' },
    ],
  };
  const outline = new GraphOutline(shared);
  const fromOverlay = outline.tailChildren(named(shared, 'cil_from_overlay', 'bpf_overlay.c'));
  assert.deepEqual(fromOverlay.map((c) => [c.program.name, c.program.object]), [['tail_handle_ipv4', 'bpf_overlay.c']]);
  assert.deepEqual(outline.tailChildren(fromOverlay[0].program), []);
  assert.deepEqual(outline.tailChildren(named(shared, 'tail_handle_ipv4', 'bpf_lxc.c')).map((c) => c.program.name), ['tail_lxc_only']);
  assert.equal(outline.groups().find((g) => g.label === UNREACHED_TAIL_GROUP), undefined);
});

test('nearestModelled prefers the closest, callers before callees at equal distance', () => {
  const modelled = new Set(['cil_from_container', 'tail_ipv4_ct_egress']);
  const isModelled = (n: string) => modelled.has(n);
  assert.deepEqual(nearestModelled(graph, 'handle_ipv4_from_lxc', isModelled), { name: 'tail_ipv4_ct_egress', relation: 'callee', distance: 1 });
  assert.deepEqual(nearestModelled(graph, 'tail_handle_ipv4', isModelled), { name: 'cil_from_container', relation: 'caller', distance: 1 });
  assert.deepEqual(nearestModelled(graph, 'tail_loop_b', isModelled), { name: 'tail_ipv4_ct_egress', relation: 'caller', distance: 2 });
  assert.equal(nearestModelled(graph, 'tail_orphan', isModelled), undefined);
  assert.equal(nearestModelled(graph, 'tail_loop_b', isModelled, 1), undefined);
  const both = new Set(['cil_from_container', 'handle_ipv4_from_lxc']);
  assert.deepEqual(nearestModelled(graph, 'tail_handle_ipv4', (n) => both.has(n)), { name: 'cil_from_container', relation: 'caller', distance: 1 });
});
