// Names the tree declares or defines through constructs tree-sitter-c cannot read on its own: BPF helpers
// declared by a macro declarator, a program function written without a return type, and functions generated
// by a macro whose body goes on with declarations after the function. Expected values are read off the
// fixtures by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeOf, positionOf } from './helpers';
import { CoreAnalysis } from '../../../language-server/src/server/core-adapter';
import { hover } from '../../../language-server/src/server/hover';
import { documentSymbols, workspaceSymbols } from '../../../language-server/src/server/symbols';
import { definition } from '../../../language-server/src/server/navigation';
import { PathMapper } from '../../../language-server/src/server/workspace';

const HELPERS = `#pragma once
#include "lib/prelude.h"
#define HELPER_ID_map_lookup_elem 1
#define HELPER_ID_redirect 23
#define HELPER_ID_csum_diff 28
#ifndef DECLARE_HELPER
# define DECLARE_HELPER(NAME, ...) \\
	(* NAME)(__VA_ARGS__) __maybe_unused = (void *)HELPER_ID_##NAME
#endif
#define DECLARE_STUB(NAME, ...) (* NAME##__stub)(__VA_ARGS__) __maybe_unused = (void *)0
#define DECLARE_REMAP(NAME, ...) (* NAME)(__VA_ARGS__) __maybe_unused
#define NOT_A_DECLARATOR(NAME, TYPE) NAME TYPE

static void *DECLARE_HELPER(map_lookup_elem, const void *map, const void *key);
static int DECLARE_HELPER(redirect, int ifindex,
			  int flags);
#ifdef HAVE_STUBS
static int DECLARE_STUB(load_bytes, struct __ctx_buff *ctx, int off);
#endif
static int DECLARE_REMAP(csum_diff_external, const void *from, int size) =
	(void *)HELPER_ID_csum_diff;
static int NOT_A_DECLARATOR(plain_name, _x);
`;

test('a helper declared by a macro declarator: definition on the declaring argument, not a graph function', async () => {
  const lxc = `#include "lib/helpers.h"
__section("from-container")
int handle_xgress(struct __ctx_buff *pkt)
{
	void *v = map_lookup_elem(0, 0);
	if (!v)
		return csum_diff_external(0, 0);
	return redirect(1, 0);
}
`;
  const t = await treeOf({ 'lib/helpers.h': HELPERS, 'bpf_lxc.c': lxc });
  try {
    const [lookup, ...more] = t.index.functions('map_lookup_elem');
    assert.equal(more.length, 0);
    assert.equal(lookup?.file, 'lib/helpers.h');
    assert.equal(lookup?.declaredBy, 'DECLARE_HELPER');
    // The name is the macro's first argument on line 14 (0-based 13); the declaration runs from `static` to `;`.
    assert.deepEqual(lookup?.nameRange, { start: { line: 13, character: 28 }, end: { line: 13, character: 43 } });
    assert.deepEqual([lookup?.range.start, lookup?.range.end], [{ line: 13, character: 0 }, { line: 13, character: 79 }]);

    // Over two lines, and with an initializer after the invocation.
    const [redirect] = t.index.functions('redirect');
    assert.deepEqual([redirect?.nameRange.start, redirect?.range.end.line], [{ line: 14, character: 26 }, 15]);
    const [remap] = t.index.functions('csum_diff_external');
    assert.deepEqual([remap?.declaredBy, remap?.nameRange.start, remap?.range.end.line], ['DECLARE_REMAP', { line: 19, character: 25 }, 20]);

    // A pasted name: declared as load_bytes__stub, named by the argument; under its #ifdef.
    const [stub] = t.index.functions('load_bytes__stub');
    assert.deepEqual([stub?.declaredBy, stub?.nameRange.start, stub?.condition], ['DECLARE_STUB', { line: 17, character: 24 }, 'defined(HAVE_STUBS)']);
    assert.equal(t.index.functions('load_bytes').length, 0);

    // A macro whose expansion has no `(* NAME)(…)` declares nothing.
    assert.equal(t.index.functions('plain_name').length, 0);

    // At the call site, the identifier resolves to the declaration.
    const at = t.index.symbolAt('bpf_lxc.c', positionOf(lxc, 'map_lookup_elem'));
    assert.equal(at?.kind, 'function');
    assert.deepEqual(at?.definitions.map((d) => `${d.file}:${d.nameRange.start.line}`), ['lib/helpers.h:13']);

    // The header's symbols list the helpers; the graph does not gain them.
    const helpers = t.index.fileSymbols('lib/helpers.h').filter((d) => d.kind === 'function').map((d) => `${d.name}/${d.declaredBy}`);
    assert.deepEqual(helpers, ['map_lookup_elem/DECLARE_HELPER', 'redirect/DECLARE_HELPER', 'load_bytes__stub/DECLARE_STUB',
      'csum_diff_external/DECLARE_REMAP']);
    assert.deepEqual(t.index.graph().edges.filter((e) => e.from === 'handle_xgress').map((e) => e.to), []);
    assert.equal(t.index.facts('lib/helpers.h')!.functions.length, 0);

    // The server: definition, hover and symbols know it as a declared helper.
    const a = new CoreAnalysis(t.index);
    const mapper = new PathMapper(t.dir);
    const call = positionOf(lxc, 'redirect(1');
    const locs = definition(a, mapper, 'bpf_lxc.c', call, false) as { uri: string; range: { start: unknown } }[];
    assert.deepEqual(locs.map((l) => [l.uri.endsWith('/lib/helpers.h'), l.range.start]), [[true, { line: 14, character: 26 }]]);
    const h = hover(a, 'bpf_lxc.c', call);
    assert.equal((h?.contents as { value: string }).value, '**redirect** — BPF helper, declared with `DECLARE_HELPER(…)` in `lib/helpers.h:15`');
    const doc = documentSymbols(a, 'lib/helpers.h').find((x) => x.name === 'load_bytes__stub');
    assert.equal(doc?.detail, 'helper · declared by DECLARE_STUB(…) · if defined(HAVE_STUBS)');
    const ws = workspaceSymbols(a, mapper, 'csum_diff_ext');
    assert.deepEqual(ws.map((x) => `${x.name} ${x.containerName}`), ['csum_diff_external helper (DECLARE_REMAP) · lib/helpers.h']);
  } finally { await t.done(); }
});

test('a defined function wins over a helper declaration of the same name', async () => {
  const lxc = `#include "lib/helpers.h"
static int redirect(int ifindex, int flags)
{
	return ifindex + flags;
}
`;
  const t = await treeOf({ 'lib/helpers.h': HELPERS, 'bpf_lxc.c': lxc });
  try {
    const defs = t.index.functions('redirect');
    assert.deepEqual(defs.map((d) => `${d.file}:${d.nameRange.start.line}:${d.declaredBy ?? '-'}`), ['bpf_lxc.c:1:-']);
  } finally { await t.done(); }
});

test('a program function without a return type after its marker is recovered with its program', async () => {
  const lxc = `#include "lib/prelude.h"
#define POLICY_CALL_MAP test_policy
#define TEMPLATE_HOST_ID 0xffff
struct bpf_elf_map { int type; int id; };
struct bpf_elf_map __section("maps") POLICY_CALL_MAP = { .type = BPF_MAP_TYPE_PROG_ARRAY, .id = CILIUM_MAP_POLICY, };
static int helper_add(int a, int b)
{
	return a + b;
}

/* policy program for traffic to local endpoints */
__section_tail(CILIUM_MAP_POLICY, TEMPLATE_HOST_ID)
handle_lxc_traffic(struct __ctx_buff *buf)
{
	return helper_add(buf->protocol, 1);
}

UNKNOWN_MACRO(a, b)
{
	return 0;
}
`;
  const t = await treeOf({ 'bpf_lxc.c': lxc });
  try {
    const fns = t.index.facts('bpf_lxc.c')!.functions;
    assert.deepEqual(fns.map((f) => f.name).sort(), ['handle_lxc_traffic', 'helper_add']);
    const fn = fns.find((f) => f.name === 'handle_lxc_traffic')!;
    assert.deepEqual(fn.params, ['buf']);
    assert.deepEqual(fn.markers.map((m) => m.name), ['__section_tail']);
    const [def] = t.index.functions('handle_lxc_traffic');
    assert.deepEqual([def?.nameRange.start, def?.range.start, def?.range.end], [{ line: 12, character: 0 }, { line: 11, character: 0 }, { line: 15, character: 1 }]);
    const g = t.index.graph();
    const policy = g.programs.find((p) => p.name === 'handle_lxc_traffic');
    assert.deepEqual([policy?.kind, policy?.section, policy?.line], ['policy', '1/0xffff', 13]);
    assert.deepEqual(g.edges.filter((e) => e.from === 'handle_lxc_traffic').map((e) => `${e.kind}:${e.to}:${e.line}`), ['call:helper_add:15']);
  } finally { await t.done(); }
});

test('an if split by #ifdef and a macro call before a brace are never functions', async () => {
  const lxc = `#include "lib/prelude.h"
static int pick(int a)
{
#ifdef ENABLE_X
	if (a > 1) {
#else
	if (a > 2) {
#endif
		return 1;
	}
	return 0;
}
`;
  const t = await treeOf({ 'bpf_lxc.c': lxc });
  try {
    assert.deepEqual(t.index.facts('bpf_lxc.c')!.functions.map((f) => f.name), ['pick']);
  } finally { await t.done(); }
});

test('a generator macro with declarations after its function, and one that only declares', async () => {
  const cfg = `#pragma once
#include "lib/prelude.h"
#define CONFIG(name) __setting_##name
#define DECLARE_SETTING(type, name, description) \\
	/* the variable lands in the config section;
	 * the description becomes a tag */ \\
	__section(".rodata.config") \\
	const volatile type __setting_##name;
#define ASSIGN_SETTING(type, name, value) \\
	/* referencing the variable first catches an assignment
	 * before its declaration */ \\
	void __check_##name(void) \\
	{ CONFIG(name); }; \\
	const volatile type __setting_##name = value;
#define NOT_A_GENERATOR(x) do { if (x) { x = 0; } } while (0)
`;
  const lib = `#pragma once
#include "lib/config.h"
DECLARE_SETTING(int, mtu, "device MTU")
ASSIGN_SETTING(int, mtu, 1500)
static int get_mtu(void)
{
	return CONFIG(mtu);
}
`;
  const lxc = `#include "lib/mtu.h"
__section("from-container")
int handle_xgress(struct __ctx_buff *pkt)
{
	return get_mtu();
}
`;
  const t = await treeOf({ 'lib/config.h': cfg, 'lib/mtu.h': lib, 'bpf_lxc.c': lxc });
  try {
    // The whole multi-line #define is one macro (the comment inside it does not end it).
    const [assign] = t.index.macros('ASSIGN_SETTING');
    assert.deepEqual([assign?.range.start.line, assign?.range.end.line], [8, 13]);
    assert.equal(t.index.facts('lib/config.h')!.functions.length, 0, 'no macro body line read as code');
    const fns = t.index.facts('lib/mtu.h')!.functions;
    assert.deepEqual(fns.map((f) => `${f.name}:${f.generatedBy?.macro ?? '-'}`).sort(), ['__check_mtu:ASSIGN_SETTING', 'get_mtu:-']);
    const [check] = t.index.functions('__check_mtu');
    assert.deepEqual([check?.file, check?.nameRange.start.line, check?.detail], ['lib/mtu.h', 3, 'generated by ASSIGN_SETTING(…)']);
    // get_mtu right after the two invocations is read normally and is not a program.
    assert.equal(t.index.graph().programs.some((p) => p.name === 'get_mtu'), false);
    assert.ok(t.index.graph().edges.some((e) => e.from === 'handle_xgress' && e.to === 'get_mtu'));
  } finally { await t.done(); }
});
