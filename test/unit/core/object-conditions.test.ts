// Conditions an object decides itself (object-conditions.ts): a header's program, tail call or call under
// a condition the including object's own #defines make false is not that object's; a part the object
// makes true leaves the label; configuration options nobody's root .c defines stay symbolic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeOf } from './helpers';

// The is_defined switch, written the way Cilium builds it (token pasting and an argument placeholder).
const SWITCH = `#pragma once
#define __eval(x, ...) x ## __VA_ARGS__
#define __not_0 1
#define __not_1 0
#define __not(x) __eval(__not_, x)
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define __is_defined(x) ___is_defined(x)
#define is_defined(option) __is_defined(option)
#define __declare_tailcall_if_0(NAME)
#define __declare_tailcall_if_1(NAME) __declare_tail(NAME)
#define declare_tailcall_if(COND, NAME) __eval(__declare_tailcall_if_, COND)(NAME)
#define __invoke_tailcall_if_0(NAME, FUNC) FUNC(ctx)
#define __invoke_tailcall_if_1(NAME, FUNC) tail_call_static(ctx, cilium_calls, NAME)
#define invoke_tailcall_if(COND, NAME, FUNC) __eval(__invoke_tailcall_if_, COND)(NAME, FUNC)
`;

const SRV = `#pragma once
#include "prelude.h"
#include "switch.h"
#define CALL_SRV_DECAP 11
#define CALL_NAT_IN 12
#define CALL_LATE 13
#ifndef SKIP_SRV_HANDLING
__declare_tail(CALL_SRV_DECAP)
int tail_srv_decap(struct __ctx_buff *ctx) { return 0; }
#endif
#ifndef SKIP_LATE
__declare_tail(CALL_LATE)
int tail_late(struct __ctx_buff *ctx) { return 0; }
#endif
declare_tailcall_if(__not(is_defined(IS_BPF_LXC)), CALL_NAT_IN)
int tail_nat_in(struct __ctx_buff *ctx) { return 0; }
static __always_inline int nat_in_fallback(struct __ctx_buff *ctx) { return 0; }
static __always_inline int never_called(struct __ctx_buff *ctx) { return 0; }
static __always_inline int foo_helper(struct __ctx_buff *ctx) { return 0; }
static __always_inline int nat_kick(struct __ctx_buff *ctx)
{
	tail_call_static(ctx, cilium_calls, CALL_NAT_IN);
	return 0;
}
static __always_inline int srv_dispatch(struct __ctx_buff *ctx)
{
#ifndef SKIP_SRV_HANDLING
	tail_call_static(ctx, cilium_calls, CALL_SRV_DECAP);
#endif
#if defined(IS_BPF_LXC) && defined(SKIP_SRV_HANDLING)
	never_called(ctx);
#endif
#if defined(ENABLE_FOO) && !defined(SKIP_SRV_HANDLING)
	foo_helper(ctx);
#endif
	invoke_tailcall_if(__not(is_defined(IS_BPF_LXC)), CALL_NAT_IN, nat_in_fallback);
	return 0;
}
`;

// Seen by bpf_lxc.c alone, where the switch is 0: the tail arm exists nowhere, the fallback always runs.
const LXC_ONLY = `#pragma once
#include "srv.h"
static __always_inline int lxc_fallback(struct __ctx_buff *ctx) { return 0; }
static __always_inline int lxc_dispatch(struct __ctx_buff *ctx)
{
	invoke_tailcall_if(__not(is_defined(IS_BPF_LXC)), CALL_NAT_IN, lxc_fallback);
	return 0;
}
`;

const LXC = `#define IS_BPF_LXC 1
#include "lib/srv.h"
#include "lib/lxc_only.h"
__section_entry
int cil_from_container(struct __ctx_buff *ctx) { return srv_dispatch(ctx); }
`;
const OVERLAY = `#define SKIP_SRV_HANDLING
#include "lib/srv.h"
__section_entry
int cil_from_overlay(struct __ctx_buff *ctx) { return srv_dispatch(ctx); }
`;
// SKIP_LATE comes after the include: the header's #ifndef SKIP_LATE is not decided by it.
const HOST = `#include "lib/srv.h"
#define SKIP_LATE
__section_entry
int cil_from_netdev(struct __ctx_buff *ctx) { return srv_dispatch(ctx); }
`;

test('conditions an object decides itself', async (t) => {
  const tree = await treeOf({ 'lib/switch.h': SWITCH, 'lib/srv.h': SRV, 'lib/lxc_only.h': LXC_ONLY, 'bpf_lxc.c': LXC, 'bpf_overlay.c': OVERLAY, 'bpf_host.c': HOST });
  t.after(() => tree.done());
  const g = tree.index.graph();
  const programs = (object: string) => g.programs.filter((p) => p.object === object)
    .map((p) => `${p.name}${p.condition ? ` if ${p.condition}` : ''}`).sort();
  const tails = (object: string) => g.edges.filter((e) => e.kind === 'tail' && e.object === object)
    .map((e) => `${e.from}->${e.to}${e.condition ? ` if ${e.condition}` : ''}`).sort();

  await t.test('programs: a header program under a condition the object makes false is not listed for it', () => {
    // bpf_lxc.c defines IS_BPF_LXC: __not(is_defined(IS_BPF_LXC)) is 0 there; SKIP_* are defined by other objects only.
    assert.deepEqual(programs('bpf_lxc.c'), ['cil_from_container', 'tail_late', 'tail_srv_decap']);
    // bpf_overlay.c defines SKIP_SRV_HANDLING before its include; IS_BPF_LXC is bpf_lxc.c's alone.
    assert.deepEqual(programs('bpf_overlay.c'), ['cil_from_overlay', 'tail_late', 'tail_nat_in']);
    // bpf_host.c defines SKIP_LATE after the include: unknown there, the label stays.
    assert.deepEqual(programs('bpf_host.c'), ['cil_from_netdev', 'tail_late if !defined(SKIP_LATE)', 'tail_nat_in', 'tail_srv_decap']);
  });

  await t.test('tail edges follow the object: compiled-out sites give no edge and no "no program" diagnostic', () => {
    assert.deepEqual(tails('bpf_lxc.c'), ['srv_dispatch->tail_srv_decap']);
    // A switch arm keeps its label as written (modes pair it with the fallback call by label).
    assert.deepEqual(tails('bpf_overlay.c'), ['nat_kick->tail_nat_in', 'srv_dispatch->tail_nat_in if __not(is_defined(IS_BPF_LXC))']);
    assert.deepEqual(tails('bpf_host.c'), ['nat_kick->tail_nat_in', 'srv_dispatch->tail_nat_in if __not(is_defined(IS_BPF_LXC))', 'srv_dispatch->tail_srv_decap']);
    // Only nat_kick's unconditional call reaches an empty slot, in bpf_lxc.c, whose own define compiles
    // tail_nat_in out: a note that says so, not a warning.
    const noProgram = ['lib/srv.h', 'lib/lxc_only.h'].flatMap((f) => tree.index.diagnostics(f)).filter((d) => /has no program/.test(d.message));
    assert.deepEqual(noProgram.map((d) => [d.severity, d.message]), [['info',
      'tail call to slot CALL_NAT_IN (12) has no program in bpf_lxc.c (map cilium_calls); tail_nat_in is compiled out there (__not(is_defined(IS_BPF_LXC)))']]);
  });

  await t.test('call edges: dropped only when every object compiles them out; unknown options stay symbolic', () => {
    const calls = g.edges.filter((e) => e.kind === 'call' && e.from === 'srv_dispatch')
      .map((e) => `${e.to}${e.condition ? ` if ${e.condition}` : ''}`).sort();
    // never_called needs IS_BPF_LXC (bpf_lxc.c only) and SKIP_SRV_HANDLING (bpf_overlay.c only): no object has both.
    // The fallback arm of invoke_tailcall_if holds in bpf_lxc.c; call edges keep their labels as written.
    assert.deepEqual(calls, [
      'foo_helper if defined(ENABLE_FOO) && !defined(SKIP_SRV_HANDLING)',
      'nat_in_fallback if __not(is_defined(IS_BPF_LXC))',
    ]);
    // No object keeps lxc_dispatch's tail arm: its fallback call is unconditional.
    const lxcOnly = g.edges.filter((e) => e.from === 'lxc_dispatch').map((e) => `${e.kind} ${e.to}${e.condition ? ` if ${e.condition}` : ''}`);
    assert.deepEqual(lxcOnly, ['call lxc_fallback']);
  });

  await t.test('an edit to the object\'s own defines re-decides the header', () => {
    tree.index.updateFile('bpf_overlay.c', OVERLAY.replace('#define SKIP_SRV_HANDLING\n', ''));
    const after = tree.index.graph();
    const overlay = after.programs.filter((p) => p.object === 'bpf_overlay.c').map((p) => p.name).sort();
    // SKIP_SRV_HANDLING is now defined nowhere: an unknown option, the program is back with its label.
    assert.deepEqual(overlay, ['cil_from_overlay', 'tail_late', 'tail_nat_in', 'tail_srv_decap']);
    assert.equal(after.programs.find((p) => p.object === 'bpf_lxc.c' && p.name === 'tail_srv_decap')?.condition, '!defined(SKIP_SRV_HANDLING)');
  });
});
