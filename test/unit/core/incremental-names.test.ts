// An edit that adds or removes a function changes what calls elsewhere mean: a call in an unchanged file to
// a name that just became a function is now a call into the tree (and stops being one when it goes). The
// edited index must give the edges a fresh index of the same text gives, derived by hand below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeOf } from './helpers';

const lxc = [
  '#include "lib/prelude.h"', '#include "lib/macros.h"', '#include "lib/b.h"', '',
  '__section_entry', 'int cil_from_lxc(struct __ctx_buff *ctx)', '{',
  '\tint ret = baz(ctx);', '', '\tret += RUN_CHECK(ctx);', '\treturn ret;', '}', '',
].join('\n');
// A macro whose body calls a name that is not a function yet.
const macros = '#pragma once\n#define RUN_CHECK(c) check_later(c)\n';
const emptyB = '#pragma once\n#include "prelude.h"\n';
const fullB = emptyB + [
  'static __always_inline int baz(struct __ctx_buff *c) { return c->protocol; }',
  'static __always_inline int check_later(struct __ctx_buff *c) { return 0; }', '',
].join('\n');

const calls = (t: Awaited<ReturnType<typeof treeOf>>) => t.index.graph().edges
  .filter((e) => e.kind === 'call' && e.from === 'cil_from_lxc')
  .map((e) => `${e.to}${e.via ? ` via ${e.via}` : ''} @${e.line}`).sort();

test('adding, then removing, functions other files already call: edges follow, as a fresh index has them', async () => {
  const t = await treeOf({ 'lib/macros.h': macros, 'lib/b.h': emptyB, 'bpf_lxc.c': lxc });
  try {
    assert.deepEqual(calls(t), [], 'neither baz nor check_later is a function of the tree yet');
    t.index.updateFile('lib/b.h', fullB);
    // baz is called at line 8 directly; check_later at line 10 through RUN_CHECK.
    assert.deepEqual(calls(t), ['baz @8', 'check_later via RUN_CHECK @10']);
    const fresh = await treeOf({ 'lib/macros.h': macros, 'lib/b.h': fullB, 'bpf_lxc.c': lxc });
    assert.deepEqual(calls(t), calls(fresh), 'the edited index equals a fresh one');
    await fresh.done();
    t.index.updateFile('lib/b.h', emptyB);
    assert.deepEqual(calls(t), [], 'removed again: no edges left to functions that are gone');
    assert.deepEqual(t.index.callers('baz'), []);
  } finally { await t.done(); }
});

test('a function added in one file is an incoming call of the caller in another, through the index API', async () => {
  const t = await treeOf({ 'lib/macros.h': macros, 'lib/b.h': emptyB, 'bpf_lxc.c': lxc });
  try {
    t.index.graph();
    t.index.updateFile('lib/b.h', fullB);
    const callers = t.index.callers('baz').map((c) => `${c.function}:${c.kind}:${c.file}:${c.line}`);
    assert.deepEqual(callers, ['cil_from_lxc:direct:bpf_lxc.c:8']);
  } finally { await t.done(); }
});
