// What tree-sitter is given: the blanked text with the interiors of function bodies blanked too and every
// run of blanks cut to one space (extract.ts). The facts must be those of the text as written: spans,
// call sites inside bodies, enumerator values, maps after long blank runs. Expected values are read off
// the C below by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactBlanks, originalOffset } from '../../../language-server/src/core/extract';
import { treeOf, positionOf } from './helpers';

test('compactBlanks: one space per run, and every offset maps back to the same character', () => {
  const text = 'a  b    c d' + ' '.repeat(1000) + 'e\n     f  ';
  const c = compactBlanks(text);
  assert.equal(c.text, 'a b c d e\n f ');
  for (let i = 0; i < c.text.length; i++) {
    const o = originalOffset(c, i);
    assert.equal(text[o], c.text[i], `compact offset ${i} → ${o}`);
    // a run's one space stands at the run's start
    if (c.text[i] === ' ') assert.ok(o === 0 || text[o - 1] !== ' ', `offset ${i} maps to the start of its run`);
  }
  assert.equal(originalOffset(c, c.text.length), text.length, 'the end maps to the end');
  const none = compactBlanks('no runs here');
  assert.equal(none.text, 'no runs here');
  assert.equal(originalOffset(none, 5), 5);
});

const LIB = `#pragma once
#include "prelude.h"

enum verdict {
	VERDICT_PASS   =  (1  <<  0),
	VERDICT_DROP,
	VERDICT_REDIRECT = VERDICT_PASS   |  4,
};

static __always_inline int count_hit(int x)
{
	return x + 1;
}

static __always_inline int pick(struct __ctx_buff *ctx, int flag)
{
	int ret = 0;

#ifdef ENABLE_IPV6
	if (ctx->protocol == 6) {
		ret = count_hit(flag);
#else
	if (ctx->protocol == 4) {
		ret = count_hit(flag + 1);
#endif
	}
	{ /* a block of its own */ ret += count_hit(2); }
	return ret;
}
`;

const LXC = `#include "lib/verdict.h"

/* a comment long enough to leave a long blank run behind the directive and the marker below ............ */
#define PADDING_MACRO_THAT_IS_BLANKED 1

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 64);
} cilium_calls __section_maps_btf;

__section_entry
int cil_from_container(struct __ctx_buff *ctx)
{
	int v = pick(ctx, 1);

	if (v)   {
		return   count_hit(v);
	}
	return VERDICT_DROP;
}

int after_body(int y)
{
	return y;
}
`;

test('bodies blanked and blanks cut for tree-sitter: spans, calls, enumerators and maps are those of the text as written', async () => {
  const t = await treeOf({ 'lib/verdict.h': LIB, 'bpf_lxc.c': LXC });
  try {
    const lib = t.index.facts('lib/verdict.h')!;
    const pick = lib.functions.find((f) => f.name === 'pick')!;
    assert.ok(pick, 'pick, whose body is split by #ifdef, is recovered');
    assert.equal(pick.nameStart, LIB.indexOf('pick('));
    assert.equal(pick.bodyStart, LIB.indexOf('{\n\tint ret = 0;'));
    assert.equal(pick.bodyEnd, LIB.indexOf('\n', LIB.indexOf('return ret;\n}')) + 2, 'body ends after its closing brace');
    // Calls in the body (both #ifdef branches and the inner block) come from the tokens, not the tree.
    assert.deepEqual(pick.sites.map((s) => `${s.callee}(${s.args.join(', ')})`), ['count_hit(flag)', 'count_hit(flag + 1)', 'count_hit(2)']);
    assert.deepEqual(pick.params, ['ctx', 'flag']);

    const values = Object.fromEntries(lib.enumerators.map((e) => [e.name, e.value ?? null]));
    assert.deepEqual(values, { VERDICT_PASS: '(1  <<  0)', VERDICT_DROP: null, VERDICT_REDIRECT: 'VERDICT_PASS   |  4' }, 'values as written, blanks and all');
    const drop = lib.enumerators.find((e) => e.name === 'VERDICT_DROP')!;
    assert.equal(drop.start, LIB.indexOf('VERDICT_DROP'));

    const lxc = t.index.facts('bpf_lxc.c')!;
    assert.deepEqual(lxc.maps.map((m) => [m.name, m.style, m.start, m.fields.type]),
      [['cilium_calls', 'btf', LXC.indexOf('struct {'), 'BPF_MAP_TYPE_PROG_ARRAY']]);
    const entry = lxc.functions.find((f) => f.name === 'cil_from_container')!;
    assert.equal(entry.nameStart, LXC.indexOf('cil_from_container'));
    assert.equal(entry.start, LXC.indexOf('__section_entry'), 'the definition starts at its marker');
    const after = lxc.functions.find((f) => f.name === 'after_body')!;
    assert.equal(after.bodyEnd, LXC.lastIndexOf('}') + 1);
    assert.deepEqual(t.index.symbolAt('bpf_lxc.c', positionOf(LXC, 'count_hit(v)'))?.name, 'count_hit');

    const edges = t.index.graph().edges.filter((e) => e.kind === 'call').map((e) => `${e.from}→${e.to}:${e.line}`).sort();
    assert.deepEqual(edges, ['cil_from_container→count_hit:17', 'cil_from_container→pick:14', 'pick→count_hit:21', 'pick→count_hit:24', 'pick→count_hit:27']);
  } finally { await t.done(); }
});

test('a parse error inside a body is no diagnostic (tree-sitter never sees it); one at the top level still is', async () => {
  const text = `#include "lib/prelude.h"
int inside(int a)
{
	return a + ) 3;
}
int ok(int b)
{
	return b;
}
int broken( {
`;
  const t = await treeOf({ 'bpf_lxc.c': text });
  try {
    const facts = t.index.facts('bpf_lxc.c')!;
    assert.deepEqual(facts.functions.map((f) => f.name).filter((n) => n !== 'broken'), ['inside', 'ok']);
    const parseNotes = facts.diagnostics.filter((d) => d.message.startsWith('tree-sitter could not parse'));
    assert.ok(parseNotes.length >= 1, 'the broken top-level head is reported');
    assert.ok(parseNotes.every((d) => d.start >= text.indexOf('int broken')), `no note inside a body: ${JSON.stringify(parseNotes)}`);
  } finally { await t.done(); }
});
