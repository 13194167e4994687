// Each construct that trips tree-sitter-c on real Cilium code, in a few lines of C, and what the
// core must recover from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeOf, positionOf } from './helpers';

test('attribute macros between static and the return type, __maybe_unused in parameters', async () => {
  const lxc = `#include "lib/prelude.h"
static __always_inline int add_one(int a __maybe_unused, int b)
{
	return a + b + 1;
}
__section("from-container")
int handle_xgress(struct __ctx_buff *ctx __maybe_unused)
{
	return add_one(1, 2);
}
`;
  const t = await treeOf({ 'bpf_lxc.c': lxc });
  try {
    const [def] = t.index.functions('add_one');
    assert.ok(def, 'add_one recovered');
    assert.deepEqual(def.nameRange.start, positionOf(lxc, 'add_one'));
    assert.deepEqual(t.index.facts('bpf_lxc.c')!.functions.find((f) => f.name === 'add_one')!.params, ['a', 'b']);
    const call = t.index.graph().edges.find((e) => e.kind === 'call' && e.from === 'handle_xgress' && e.to === 'add_one');
    assert.equal(call?.line, 9);
  } finally { await t.done(); }
});

test('a program macro on its own line makes an entry program with its attach point', async () => {
  const t = await treeOf({ 'bpf_lxc.c': `#include "lib/prelude.h"
__section("from-container")
int handle_xgress(struct __ctx_buff *pkt)
{
	return 0;
}
__section_entry
int cil_to_container(struct __ctx_buff *pkt)
{
	return 0;
}
` });
  try {
    const progs = t.index.graph().programs;
    const xgress = progs.find((p) => p.name === 'handle_xgress');
    assert.equal(xgress?.kind, 'entry');
    assert.equal(xgress?.section, 'from-container');
    assert.equal(xgress?.line, 3);
    assert.deepEqual([xgress?.attach?.device, xgress?.attach?.hook], ['lxc*', 'tc-ingress']);
    const to = progs.find((p) => p.name === 'cil_to_container');
    assert.equal(to?.section, 'tc/entry');
    assert.deepEqual([to?.attach?.device, to?.attach?.hook], ['lxc*', 'tc-egress']);
  } finally { await t.done(); }
});

test('goto label before #if, and an else-if split across #ifdef, invent no function', async () => {
  const t = await treeOf({ 'bpf_lxc.c': `#include "lib/prelude.h"
static int first(int x)
{
	if (x == 1) {
		x = 2;
#ifdef ENABLE_A
	} else if (x == 3) {
		x = 4;
#else
	} else if (x == 5) {
		x = 6;
#endif
	}
out:
#if defined(ENABLE_B)
	x++;
#endif
	return x;
}
static int second(int y)
{
	return first(y);
}
__section("from-container")
int handle_xgress(struct __ctx_buff *pkt)
{
	return second(1);
}
` });
  try {
    const names = t.index.facts('bpf_lxc.c')!.functions.map((f) => f.name).sort();
    assert.deepEqual(names, ['first', 'handle_xgress', 'second']);
    assert.ok(t.index.graph().edges.some((e) => e.from === 'second' && e.to === 'first' && e.kind === 'call'));
  } finally { await t.done(); }
});

test('a top-level macro that generates a tail program is expanded into that function', async () => {
  const lxc = `#include "lib/prelude.h"
#define CILIUM_CALL_CT_EGRESS 30
#define CILIUM_CALL_CONT 26
#define MAKE_CT_TAIL(ID, NAME, NEXT_ID)	\\
__declare_tail(ID)				\\
int NAME(struct __ctx_buff *ctx)		\\
{						\\
	return tail_call_internal(ctx, NEXT_ID);	\\
}
static __always_inline int tail_call_internal(struct __ctx_buff *ctx, int index)
{
	tail_call_static(ctx, cilium_calls, index); /* the primitive */
	return -1;
}
__declare_tail(CILIUM_CALL_CONT)
int tail_cont(struct __ctx_buff *ctx)
{
	return 0;
}
MAKE_CT_TAIL(CILIUM_CALL_CT_EGRESS, tail_ct_egress, CILIUM_CALL_CONT)
__section_entry
int cil_from_container(struct __ctx_buff *pkt)
{
	return tail_call_internal(pkt, CILIUM_CALL_CT_EGRESS);
}
`;
  const t = await treeOf({ 'bpf_lxc.c': lxc });
  try {
    const [def] = t.index.functions('tail_ct_egress');
    assert.ok(def, 'generated function recovered');
    assert.deepEqual(def.nameRange.start, positionOf(lxc, 'tail_ct_egress'), 'name range points at the macro argument');
    assert.match(def.detail ?? '', /MAKE_CT_TAIL/);
    const prog = t.index.graph().programs.find((p) => p.name === 'tail_ct_egress');
    assert.deepEqual([prog?.kind, prog?.slot, prog?.slotValue, prog?.line], ['tail', 'CILIUM_CALL_CT_EGRESS', 30, 20]);
    const edges = t.index.graph().edges.filter((e) => e.kind === 'tail').map((e) => `${e.from}->${e.to}@${e.line}`).sort();
    assert.deepEqual(edges, ['cil_from_container->tail_ct_egress@24', 'tail_ct_egress->tail_cont@20']);
  } finally { await t.done(); }
});

test('blanking keeps byte offsets: ranges point at the real text after markers and attributes', async () => {
  const lxc = `#include "lib/prelude.h"
__section_tail(CILIUM_MAP_CALLS, 7) static __always_inline int /* c */ tail_x(struct __ctx_buff *ctx __maybe_unused) { return 0; }
`;
  const t = await treeOf({ 'bpf_lxc.c': lxc, 'bpf_host.c': '#include "lib/prelude.h"\n__section("to-host") int to_host(struct __ctx_buff *ctx) { return 0; }\n' });
  try {
    const [def] = t.index.functions('tail_x');
    assert.deepEqual(def.nameRange, { start: positionOf(lxc, 'tail_x'), end: { line: 1, character: positionOf(lxc, 'tail_x').character + 6 } });
    assert.deepEqual(def.range.start, { line: 1, character: 0 }, 'the definition starts at its marker');
  } finally { await t.done(); }
});

test('bad input never crashes: unterminated comment, stray #endif, binary bytes', async () => {
  const t = await treeOf({
    'bpf_lxc.c': '#include "lib/prelude.h"\n#endif\n__section("from-container") int handle_xgress(struct __ctx_buff *ctx) { return 0; }\n/* never closed',
    'lib/garbage.h': '\u0000\u0001\u00ff{{{ #if\n)))',
  });
  try {
    assert.ok(t.index.graph().programs.some((p) => p.name === 'handle_xgress'));
    const d = t.index.diagnostics('bpf_lxc.c').find((x) => /#endif without #if/.test(x.message));
    assert.ok(d, 'stray #endif reported');
    assert.equal(d.range.start.line, 1);
  } finally { await t.done(); }
});

test('conditions: raw frames and the rendered text for definitions and sites', async () => {
  const lxc = `#include "lib/prelude.h"
#ifdef ENABLE_IPV4
# if defined(ENABLE_NODEPORT) && !defined(IS_BPF_XDP)
static int nat4(int x) { return x; }
# elif ENABLE_DSR > 1
static int dsr4(int x) { return x; }
# else
static int plain4(int x) { return x; }
# endif
#endif
__section("from-container")
int handle_xgress(struct __ctx_buff *pkt)
{
	return nat4(1);
}
`;
  const t = await treeOf({ 'bpf_lxc.c': lxc });
  try {
    assert.equal(t.index.functions('nat4')[0].condition, 'defined(ENABLE_IPV4) && defined(ENABLE_NODEPORT) && !defined(IS_BPF_XDP)');
    assert.equal(t.index.functions('dsr4')[0].condition, 'defined(ENABLE_IPV4) && !(defined(ENABLE_NODEPORT) && !defined(IS_BPF_XDP)) && ENABLE_DSR > 1');
    assert.equal(t.index.functions('plain4')[0].condition,
      'defined(ENABLE_IPV4) && !(defined(ENABLE_NODEPORT) && !defined(IS_BPF_XDP)) && !(ENABLE_DSR > 1)');
    const frames = t.index.conditionsAt('bpf_lxc.c', positionOf(lxc, 'plain4'));
    assert.deepEqual(frames.map((f) => [f.directive, f.expr, f.previous, f.line]), [
      ['ifdef', 'defined(ENABLE_IPV4)', [], 1],
      ['else', '', ['defined(ENABLE_NODEPORT) && !defined(IS_BPF_XDP)', 'ENABLE_DSR > 1'], 6],
    ]);
    assert.equal(t.index.functions('handle_xgress')[0].condition, undefined);
  } finally { await t.done(); }
});

test('a #define line inside a block comment defines nothing, though the quick #define pass sees it', async () => {
  // The cold index derives macro roles from a quick pass over #define lines, which does not track block
  // comments; the full scan must win. Commented out, DEFINE_PROG is no generator and gen_prog no function.
  const body = (commented: boolean) => `#include "lib/prelude.h"
${commented ? '/*\n' : ''}#define DEFINE_PROG(NAME) int NAME(struct __ctx_buff *ctx) { return 0; }
${commented ? '*/\n' : ''}DEFINE_PROG(gen_prog)
__section("from-container")
int handle_xgress(struct __ctx_buff *ctx)
{
	return 0;
}
`;
  const off = await treeOf({ 'bpf_lxc.c': body(true) });
  try {
    assert.deepEqual(off.index.macros('DEFINE_PROG'), []);
    assert.deepEqual(off.index.functions('gen_prog'), []);
    assert.equal(off.index.functions('handle_xgress').length, 1);
  } finally { await off.done(); }
  const on = await treeOf({ 'bpf_lxc.c': body(false) });
  try {
    assert.equal(on.index.macros('DEFINE_PROG').length, 1);
    assert.deepEqual(on.index.functions('gen_prog').map((d) => d.file), ['bpf_lxc.c']);
  } finally { await on.done(); }
});
