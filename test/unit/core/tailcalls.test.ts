// Tail-call resolution: wrappers derived from the tree's own definitions, slot values (macros,
// arithmetic, enums, `c ? A : B`), per-object resolution, dynamic policy calls and tree inconsistencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeOf, positionOf } from './helpers';

const CALLS = `#pragma once
#include "prelude.h"
enum { SLOT_BASE = 40, SLOT_NEXT };
#define CILIUM_CALL_IPV4 7
#define CILIUM_CALL_IPV6 (CILIUM_CALL_IPV4 + 3)
#define CILIUM_CALL_ENUM SLOT_NEXT
#define POLICY_CALL_MAP cilium_call_policy
/* A renamed wrapper two levels above the primitive: the core must find it without knowing its name. */
static __always_inline int hop_to_slot(struct __ctx_buff *ctx, __u32 where)
{
	tail_call_static(ctx, cilium_calls, where);
	return -1;
}
static __always_inline int jump_indirect(struct __ctx_buff *ctx, int unused, __u32 slot_no)
{
	return hop_to_slot(ctx, slot_no);
}
static __always_inline int deliver(struct __ctx_buff *ctx, __u32 ep_id)
{
	tail_call_dynamic(ctx, &POLICY_CALL_MAP, ep_id);
	return -2;
}
`;

const LXC = `#include "lib/calls.h"
__declare_tail(CILIUM_CALL_IPV4)
int tail_v4_lxc(struct __ctx_buff *ctx) { return 0; }
__declare_tail(CILIUM_CALL_IPV6)
int tail_v6_lxc(struct __ctx_buff *ctx) { return 0; }
__declare_tail(CILIUM_CALL_ENUM)
int tail_enum(struct __ctx_buff *ctx) { return 0; }
__section_entry
int cil_from_container(struct __ctx_buff *c)
{
	hop_to_slot(c, c->protocol ? CILIUM_CALL_IPV4 : CILIUM_CALL_IPV6);
	jump_indirect(c, 0, CILIUM_CALL_ENUM);
	return hop_to_slot(c, 99);
}
__section_entry
int cil_lxc_policy(struct __ctx_buff *ctx) { return 0; }
`;

const HOST = `#include "lib/calls.h"
__declare_tail(CILIUM_CALL_IPV4)
int tail_v4_host(struct __ctx_buff *ctx) { return 0; }
__declare_tail(7)
int tail_v4_host_again(struct __ctx_buff *ctx) { return 0; }
__section_entry
int cil_from_netdev(struct __ctx_buff *c)
{
	hop_to_slot(c, CILIUM_CALL_IPV4);
	return deliver(c, c->protocol);
}
`;

test('tail-call resolution on a small two-object tree', async (t) => {
  const tree = await treeOf({ 'lib/calls.h': CALLS, 'bpf_lxc.c': LXC, 'bpf_host.c': HOST });
  const tails = (from: string, object: string) => tree.index.graph().edges
    .filter((e) => e.kind !== 'call' && e.from === from && e.object === object)
    .map((e) => `${e.kind}:${e.to}:${e.via}:${e.slot}:${e.slotValue ?? ''}`).sort();

  await t.test('wrappers are derived by tracing the slot parameter', () => {
    const w = Object.fromEntries(tree.index.wrappers().map((x) => [x.name, x.slotIndex]));
    assert.deepEqual(w, { hop_to_slot: 1, jump_indirect: 2, deliver: 1 });
  });

  await t.test('a conditional slot gives two edges; arithmetic and enum slots evaluate', () => {
    assert.deepEqual(tails('cil_from_container', 'bpf_lxc.c'), [
      'tail:tail_enum:jump_indirect:CILIUM_CALL_ENUM:41',
      'tail:tail_v4_lxc:hop_to_slot:CILIUM_CALL_IPV4:7',
      'tail:tail_v6_lxc:hop_to_slot:CILIUM_CALL_IPV6:10',
    ]);
  });

  await t.test('slots resolve per object: slot 7 is a different program in bpf_host.c', () => {
    assert.deepEqual(tails('cil_from_netdev', 'bpf_host.c'), [
      'dynamic-tail:cil_lxc_policy:deliver:c->protocol:',
      'tail:tail_v4_host:hop_to_slot:CILIUM_CALL_IPV4:7',
      'tail:tail_v4_host_again:hop_to_slot:CILIUM_CALL_IPV4:7',
    ]);
  });

  await t.test('tree inconsistencies are diagnostics with ranges', () => {
    const empty = tree.index.diagnostics('bpf_lxc.c').find((d) => /slot 99 \(99\) has no program in bpf_lxc\.c/.test(d.message));
    assert.ok(empty, 'slot without program');
    assert.deepEqual(empty.range.start, positionOf(LXC, 'hop_to_slot(c, 99)'));
    const clash = tree.index.diagnostics('bpf_host.c').filter((d) => /also has/.test(d.message));
    assert.deepEqual(clash.map((d) => d.range.start.line).sort(), [2, 4]);
  });

  await t.test('symbolAt on a slot constant at a tail-call site gives the programs of that object', () => {
    const info = tree.index.symbolAt('bpf_host.c', positionOf(HOST, 'CILIUM_CALL_IPV4)', 1));
    assert.equal(info?.kind, 'slot');
    assert.deepEqual(info?.programs?.map((p) => `${p.object}:${p.name}`).sort(), ['bpf_host.c:tail_v4_host', 'bpf_host.c:tail_v4_host_again']);
    assert.equal(info?.definitions[0]?.kind, 'macro');
    const wrapper = tree.index.symbolAt('bpf_lxc.c', positionOf(LXC, 'jump_indirect'));
    assert.equal(wrapper?.kind, 'wrapper');
    assert.equal(wrapper?.wrapper?.slotIndex, 2);
  });

  await t.test('callSites and callers include tail and dynamic-tail', () => {
    const kinds = tree.index.callSites('cil_from_netdev').map((s) => s.kind).sort();
    assert.deepEqual(kinds, ['dynamic-tail', 'tail']);
    const callers = tree.index.callers('tail_enum');
    assert.deepEqual(callers.map((c) => `${c.function}:${c.kind}:${c.line}`), ['cil_from_container:tail:12']);
    assert.ok(tree.index.callers('cil_lxc_policy').some((c) => c.function === 'deliver' || c.function === 'cil_from_netdev'));
  });

  await t.test('updateFile re-indexes one file and the graph follows; removeFile drops it', () => {
    tree.index.updateFile('bpf_host.c', HOST.replace('__declare_tail(7)\nint tail_v4_host_again(struct __ctx_buff *ctx) { return 0; }\n', ''));
    assert.deepEqual(tails('cil_from_netdev', 'bpf_host.c'), [
      'dynamic-tail:cil_lxc_policy:deliver:c->protocol:',
      'tail:tail_v4_host:hop_to_slot:CILIUM_CALL_IPV4:7',
    ]);
    tree.index.removeFile('bpf_host.c');
    assert.deepEqual(tree.index.objects(), ['bpf_lxc.c']);
  });
  await tree.done();
});

test('legacy programs: numbered sections and the policy map by id', async () => {
  const lxc = `#include "lib/prelude.h"
#define CALLS_MAP test_calls
#define POLICY_CALL_MAP test_policy
#define TEMPLATE_LXC_ID 0xffff
struct bpf_elf_map { int type; int id; };
struct bpf_elf_map __section("maps") POLICY_CALL_MAP = { .type = BPF_MAP_TYPE_PROG_ARRAY, .id = CILIUM_MAP_POLICY, };
static inline void ep_tail_call(struct __ctx_buff *ctx, int index)
{
	tail_call(ctx, &CALLS_MAP, index);
}
__section_tail(CILIUM_MAP_CALLS, 6) int tail_arp(struct __ctx_buff *ctx) { return 0; }
__section_tail(CILIUM_MAP_POLICY,TEMPLATE_LXC_ID)
int handle_policy(struct __ctx_buff *c)
{
	return 0;
}
__section("from-container")
int handle_xgress(struct __ctx_buff *c)
{
	ep_tail_call(c, 6);
	tail_call(c, &POLICY_CALL_MAP, c->protocol);
	return 0;
}
`;
  const t = await treeOf({ 'bpf_lxc.c': lxc });
  try {
    const g = t.index.graph();
    const policy = g.programs.find((p) => p.name === 'handle_policy');
    assert.deepEqual([policy?.kind, policy?.section, policy?.slot], ['policy', '1/0xffff', undefined]);
    assert.deepEqual(g.edges.filter((e) => e.kind !== 'call').map((e) => `${e.kind}:${e.to}:${e.via}`).sort(),
      ['dynamic-tail:handle_policy:tail_call', 'tail:tail_arp:ep_tail_call']);
    const [map] = t.index.maps('POLICY_CALL_MAP');
    assert.equal(map?.file, 'bpf_lxc.c');
    assert.match(map?.detail ?? '', /id=CILIUM_MAP_POLICY/);
  } finally { await t.done(); }
});
