// Callees with several meanings: a name that is a macro in one #if branch and a function in another, an
// object-like alias in one branch and an empty macro in the other, a macro defined differently per branch.
// Every branch gives its edges, each labelled with the #if of the definition it comes from.
// Also: a tail-call wrapper's own dynamic primitive call is a site of the wrapper (no graph edge).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeOf } from './helpers';

const TRACE = `#pragma once
#include "prelude.h"
static __always_inline void _emit_trace(struct __ctx_buff *ctx, int point) { }
static __always_inline void trace_dbg(struct __ctx_buff *ctx, int kind, int a) { }
#ifdef TRACE_NOTIFY
#define send_trace(ctx, point) _emit_trace(ctx, point)
#else
static __always_inline int send_trace(struct __ctx_buff *ctx, int point) { return 0; }
#endif

#ifdef LB_DEBUG
#define dbg_lb trace_dbg
#else
#define dbg_lb(ctx, kind, a)
#endif

static __always_inline int pick_random(struct __ctx_buff *ctx) { return 1; }
static __always_inline int pick_maglev(struct __ctx_buff *ctx) { return 2; }
#if LB_SELECTION == 1
# define pick_backend(ctx) pick_random(ctx)
#else
# define pick_backend(ctx) pick_maglev(ctx)
#endif

/* A plain alias without alternatives. */
#define trace_alias _emit_trace
`;

const LXC = `#include "lib/trace.h"
__section_entry
int handle_xgress(struct __ctx_buff *ctx)
{
	send_trace(ctx, 1);
	dbg_lb(ctx, 2, 3);
	trace_alias(ctx, 4);
	return pick_backend(ctx);
}
`;

test('a callee with several meanings gives an edge per meaning, each under its #if', async (t) => {
  const tree = await treeOf({ 'lib/trace.h': TRACE, 'bpf_lxc.c': LXC });
  const calls = () => tree.index.graph().edges.filter((e) => e.kind === 'call' && e.from === 'handle_xgress')
    .map((e) => `${e.line} ${e.to}${e.via ? ` via ${e.via}` : ''}${e.condition ? ` if ${e.condition}` : ''}`).sort();

  await t.test('macro in one branch, function in the other; object-like alias vs empty macro; per-branch macros', () => {
    assert.deepEqual(calls(), [
      '5 _emit_trace via send_trace if defined(TRACE_NOTIFY)',
      '5 send_trace if !(defined(TRACE_NOTIFY))',
      '6 trace_dbg via dbg_lb if defined(LB_DEBUG)',
      '7 _emit_trace via trace_alias',
      '8 pick_maglev via pick_backend if !(LB_SELECTION == 1)',
      '8 pick_random via pick_backend if LB_SELECTION == 1',
    ]);
  });

  await t.test('the function branch has its caller', () => {
    assert.deepEqual(tree.index.callers('send_trace').map((s) => `${s.function}:${s.kind}:${s.line}:${s.condition}`),
      ['handle_xgress:direct:5:!(defined(TRACE_NOTIFY))']);
    assert.deepEqual(tree.index.callers('trace_dbg').map((s) => `${s.function}:${s.kind}:${s.via}:${s.condition}`),
      ['handle_xgress:macro:dbg_lb:defined(LB_DEBUG)']);
  });
  await tree.done();
});

test('a macro that is also a function, seen only by other objects, adds nothing here', async () => {
  // bpf_xdp.c sees the macro (its own header), bpf_lxc.c the function: each site gets only its object's meaning.
  const tree = await treeOf({
    'lib/fn.h': '#pragma once\n#include "prelude.h"\nstatic __always_inline int get_len(struct __ctx_buff *ctx) { return 1; }\n',
    'lib/xdp_len.h': '#pragma once\n#include "prelude.h"\nstatic __always_inline int xdp_len(struct __ctx_buff *ctx) { return 2; }\n#define get_len(ctx) xdp_len(ctx)\n',
    'bpf_lxc.c': '#include "lib/fn.h"\n__section_entry\nint from_lxc(struct __ctx_buff *ctx)\n{\n\treturn get_len(ctx);\n}\n',
    'bpf_xdp.c': '#include "lib/xdp_len.h"\n__section_entry\nint from_xdp(struct __ctx_buff *ctx)\n{\n\treturn get_len(ctx);\n}\n',
  });
  const calls = tree.index.graph().edges.filter((e) => e.kind === 'call')
    .map((e) => `${e.from} ${e.to}${e.via ? ` via ${e.via}` : ''}${e.condition ? ` if ${e.condition}` : ''}`).sort();
  assert.deepEqual(calls, ['from_lxc get_len', 'from_xdp xdp_len via get_len']);
  await tree.done();
});

test("a wrapper's own dynamic tail call is a site of the wrapper, not a graph edge", async () => {
  const calls = `#pragma once
#include "prelude.h"
#define POLICY_CALL_MAP cilium_call_policy
static __always_inline int to_policy(struct __ctx_buff *ctx, __u32 ep_id)
{
	tail_call_dynamic(ctx, &POLICY_CALL_MAP, ep_id);
	return -2;
}
`;
  const lxc = `#include "lib/calls.h"
__section_entry
int cil_lxc_policy(struct __ctx_buff *ctx) { return 0; }
__section_entry
int cil_from_container(struct __ctx_buff *ctx)
{
	return to_policy(ctx, ctx->protocol);
}
`;
  const tree = await treeOf({ 'lib/calls.h': calls, 'bpf_lxc.c': lxc });
  assert.deepEqual(tree.index.callSites('to_policy').map((s) => `${s.kind}:${s.callee}:${s.via}:${s.slot}:${s.line}:${s.targets.map((x) => x.name)}`),
    ['dynamic-tail:tail_call_dynamic:tail_call_dynamic:ep_id:6:cil_lxc_policy']);
  const edges = tree.index.graph().edges.filter((e) => e.kind !== 'call').map((e) => `${e.from}>${e.to}:${e.kind}:${e.via}`);
  assert.deepEqual(edges, ['cil_from_container>cil_lxc_policy:dynamic-tail:to_policy']);
  await tree.done();
});

test('an edit that adds a function named like a macro gives the same edges as a fresh index', async () => {
  const a = '#pragma once\n#include "prelude.h"\n#ifdef FOO_DEBUG\n#define foo(c) bar(c)\n#endif\nstatic __always_inline int bar(struct __ctx_buff *c) { return 0; }\n';
  const lxc = '#include "lib/a.h"\n#include "lib/b.h"\n__section_entry\nint from_lxc(struct __ctx_buff *ctx)\n{\n\treturn foo(ctx);\n}\n';
  const b = '#pragma once\n#include "prelude.h"\nstatic __always_inline int foo(struct __ctx_buff *c) { return 1; }\n';
  const calls = (tree: Awaited<ReturnType<typeof treeOf>>) => tree.index.graph().edges.filter((e) => e.kind === 'call')
    .map((e) => `${e.to}${e.via ? ` via ${e.via}` : ''}${e.condition ? ` if ${e.condition}` : ''}`).sort();
  const edited = await treeOf({ 'lib/a.h': a, 'lib/b.h': '#pragma once\n#include "prelude.h"\n', 'bpf_lxc.c': lxc });
  assert.deepEqual(calls(edited), ['bar via foo']);
  edited.index.updateFile('lib/b.h', b);
  // The macro exists only under FOO_DEBUG, the function always: both meanings, the macro's labelled.
  assert.deepEqual(calls(edited), ['bar via foo if defined(FOO_DEBUG)', 'foo']);
  edited.index.updateFile('lib/b.h', '#pragma once\n#include "prelude.h"\n');
  assert.deepEqual(calls(edited), ['bar via foo']);
  await edited.done();
  const fresh = await treeOf({ 'lib/a.h': a, 'lib/b.h': b, 'bpf_lxc.c': lxc });
  assert.deepEqual(calls(fresh), ['bar via foo if defined(FOO_DEBUG)', 'foo']);
  await fresh.done();
});
