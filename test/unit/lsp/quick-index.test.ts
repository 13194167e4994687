// The text scan that answers while the tree is being indexed (server/quick-index.ts): which function
// definitions and #defines it finds in Cilium-style C, with their lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanText } from '../../../language-server/src/server/quick-index';
import { TextIndex } from '../../../language-server/src/server/text-index';

const SOURCE = [
  /*  0 */ '/* A comment naming fake_in_comment(void)',
  /*  1 */ 'fake_in_comment(int x)',
  /*  2 */ '{ } */',
  /*  3 */ '#define SLOT_A 7',
  /*  4 */ '#define tail_hop(ctx, slot) \\',
  /*  5 */ '\ttail_call_static(ctx, calls, slot)',
  /*  6 */ 'int prototype_only(int x);',
  /*  7 */ 'static __always_inline int',
  /*  8 */ 'split_header(struct __ctx_buff *ctx,',
  /*  9 */ '\t     int y)',
  /* 10 */ '{',
  /* 11 */ '\tif (y) {',
  /* 12 */ '\t\treturn 1;',
  /* 13 */ '\t}',
  /* 14 */ '\treturn 0;',
  /* 15 */ '}',
  /* 16 */ '__section_tail(CALLS, SLOT_A) int marked_inline(struct __ctx_buff *ctx)',
  /* 17 */ '{',
  /* 18 */ '\treturn tail_hop(ctx, SLOT_A);',
  /* 19 */ '}',
  /* 20 */ '__section_tail(CALLS,',
  /* 21 */ '\t       SLOT_A)',
  /* 22 */ 'int marked_above(struct __ctx_buff *ctx) /* lxc, tc ingress */',
  /* 23 */ '{',
  /* 24 */ '\tconst char *s = "}";',
  /* 25 */ '\treturn 0;',
  /* 26 */ '}',
  /* 27 */ 'char __license[] __section("license") = "GPL";',
].join('\n');

test('the text scan finds function definitions and #defines with their lines, and nothing else', () => {
  const texts = new TextIndex();
  texts.set('x.c', SOURCE);
  const { functions, macros } = scanText('x.c', SOURCE, texts);
  assert.deepEqual(functions.map((f) => [f.name, f.nameRange.start.line, f.nameRange.start.character, f.range.start.line, f.range.end.line]), [
    ['split_header', 8, 0, 8, 15],
    // The marker's line is where the definition starts; the name is further along the line.
    ['marked_inline', 16, 34, 16, 19],
    // The `}` inside a string literal does not close the body.
    ['marked_above', 22, 4, 22, 26],
  ]);
  assert.deepEqual(macros.map((m) => [m.name, m.nameRange.start.line, m.range.end.line, m.params ?? null, m.body]), [
    ['SLOT_A', 3, 3, null, '7'],
    ['tail_hop', 4, 5, ['ctx', 'slot'], 'tail_call_static(ctx, calls, slot)'],
  ]);
});
