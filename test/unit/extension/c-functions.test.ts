import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFunctionDefinitions, functionAtLine, identifierAt } from '../../../extension/src/c-functions';

// Written for this test: the shapes datapath sources use (section attributes, inline helpers, macros with
// braces, prototypes, struct definitions, comments and strings holding braces).
const SOURCE = [
  '#include "lib/common.h"',                            // 0
  '#define WRAP(x) do { x; } while (0)',                // 1
  'struct point { int x; int y; };',                    // 2
  'static int helper(int a);',                          // 3
  '/* a comment { with a brace */',                     // 4
  'static __always_inline int helper(int a)',           // 5
  '{',                                                  // 6
  '\tconst char *s = "}";',                             // 7
  '\tif (a) {',                                         // 8
  '#if defined(X)',                                     // 9
  '\t\treturn 1;',                                      // 10
  '#endif',                                             // 11
  '\t}',                                                // 12
  '\treturn 0; // }',                                   // 13
  '}',                                                  // 14
  '',                                                   // 15
  '__section_entry',                                    // 16
  'int cil_entry(struct __ctx_buff *ctx)',              // 17
  '{',                                                  // 18
  '\treturn helper(1);',                                // 19
  '}',                                                  // 20
  '__section_tail(CILIUM_MAP_CALLS, CILIUM_CALL_X) int tail_x(struct __ctx_buff *ctx) {', // 21
  '\treturn 0;',                                        // 22
  '}',                                                  // 23
  'static const int table[] = { 1, 2 };',               // 24
].join('\n');

test('finds every function definition with its name line and body extent', () => {
  const spans = findFunctionDefinitions(SOURCE);
  assert.deepEqual(spans.map((s) => [s.name, s.nameLine, s.bodyStartLine, s.endLine]), [
    ['helper', 5, 6, 14],
    ['cil_entry', 17, 18, 20],
    ['tail_x', 21, 21, 23],
  ]);
  assert.equal(spans[1].nameColumn, 4);
});

test('functionAtLine picks the enclosing definition, or none between functions', () => {
  const spans = findFunctionDefinitions(SOURCE);
  assert.equal(functionAtLine(spans, 19)?.name, 'cil_entry');
  assert.equal(functionAtLine(spans, 17)?.name, 'cil_entry');
  assert.equal(functionAtLine(spans, 10)?.name, 'helper');
  assert.equal(functionAtLine(spans, 15), undefined);
  assert.equal(functionAtLine(spans, 2), undefined);
});

test('an unclosed body still yields a span reaching the end of the text', () => {
  const spans = findFunctionDefinitions('int f(void)\n{\n\treturn 0;\n');
  assert.deepEqual(spans.map((s) => [s.name, s.nameLine, s.endLine]), [['f', 0, 2]]);
});

test('identifierAt returns the identifier touching the column', () => {
  assert.equal(identifierAt('\treturn helper(1);', 9), 'helper');
  assert.equal(identifierAt('\treturn helper(1);', 14), 'helper');
  assert.equal(identifierAt('\treturn helper(1);', 15), undefined);
});
