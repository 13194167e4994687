// The quick #define pass (macro roles of a cold index come from it) against the full directive scan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanDirectives, quickDefines, sameDefines } from '../../../language-server/src/core/directives';

const names = (defs: { name: string; params?: string[]; bodyText: string }[]) => defs.map((d) => `${d.name}(${d.params?.join(',') ?? ''})=${d.bodyText}`);

test('quickDefines finds what the full scan finds: continuations, blanks before #, nested #if, no trailing newline', () => {
  const text = [
    '#ifndef __LIB_X_H_',
    '#define __LIB_X_H_',
    '  #  define SPACED 1',
    '#define CONT(a, b) \\',
    '\t((a) + \\',
    '#define NOT_A_DEFINE 2 \\', // a continuation line of CONT, not a directive
    '\t (b))',
    '#if defined(A) && \\',
    '    defined(B)',
    '#define UNDER_IF /* comment */ 3',
    '#endif',
    'int x = 1; #define NOT_FIRST_ON_LINE 4',
    '#define LAST(...) f(__VA_ARGS__)',
  ].join('\n');
  const quick = quickDefines(text, 'lib/x.h');
  assert.deepEqual(names(quick), ['__LIB_X_H_()=', 'SPACED()=1', 'CONT(a,b)=((a) +  #define NOT_A_DEFINE 2  \t (b))', 'UNDER_IF()=3', 'LAST(__VA_ARGS__)=f(__VA_ARGS__)']);
  const full = scanDirectives(text, 'lib/x.h').defines;
  assert.ok(sameDefines(quick, full));
  assert.deepEqual(names(full), names(quick));
});

test('a #define line inside a block comment: the quick pass sees it, the full scan does not, sameDefines tells', () => {
  const text = '/*\n#define IN_COMMENT __attribute__((unused))\n*/\n#define REAL 1\n';
  assert.deepEqual(quickDefines(text, 'a.h').map((d) => d.name), ['IN_COMMENT', 'REAL']);
  const full = scanDirectives(text, 'a.h').defines;
  assert.deepEqual(full.map((d) => d.name), ['REAL']);
  assert.equal(sameDefines(quickDefines(text, 'a.h'), full), false);
});
