import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCondition, macroTable, parseDefine, type MacroDefinition } from '../../../language-server/src/modes/cpp-expr';

function table(...defines: string[]) {
  const m = new Map<string, MacroDefinition>();
  for (const d of defines) {
    const p = parseDefine(d);
    assert.ok(p, `bad define ${d}`);
    m.set(p.name, p.def);
  }
  return macroTable(m);
}

// The placeholder trick the datapath's helpers use: `X` defined as 1 pastes into a macro that expands to
// "0," so the second argument picked is 1; anything else picks 0.
const placeholderHelpers = [
  '__PH_1 0,',
  'pick_second(ignored, val, ...) val',
  'is_defined_4(arg_or_junk) pick_second(arg_or_junk 1, 0)',
  'is_defined_3(val) is_defined_4(__PH_##val)',
  'is_defined_2(x) is_defined_3(x)',
  'is_defined(x) is_defined_2(x)',
  'both_4(arg_or_junk, y) pick_second(arg_or_junk y, 0)',
  'both_3(x, y) both_4(__PH_##x, y)',
  'both(x, y) both_3(x, y)',
];

test('defined, !defined and arithmetic', () => {
  const t = table('ENABLE_IPV4 1', 'TUNNEL_PORT 8472', 'TWICE(x) ((x) * 2)');
  assert.equal(evaluateCondition('defined(ENABLE_IPV4)', t).value, true);
  assert.equal(evaluateCondition('defined ENABLE_IPV6', t).value, false);
  assert.equal(evaluateCondition('!defined(ENABLE_IPV6) && ENABLE_IPV4', t).value, true);
  assert.equal(evaluateCondition('TWICE(TUNNEL_PORT) == 16944', t).value, true);
  assert.equal(evaluateCondition('0x10 >> 4 == 1 && 010 == 8 && 5 % 3 == 2', t).value, true);
  assert.equal(evaluateCondition('ENABLE_IPV4 ? 0 : 1', t).value, false);
});

test('unknown identifiers are 0 and listed', () => {
  const r = evaluateCondition('ENABLE_NODEPORT || (FOO > 2)', table());
  assert.equal(r.value, false);
  assert.deepEqual(r.unknown, ['ENABLE_NODEPORT', 'FOO']);
});

test('is_defined-style helper built on ## pasting', () => {
  const t = table(...placeholderHelpers, 'ENABLE_HOST_ROUTING 1');
  assert.equal(evaluateCondition('is_defined(ENABLE_HOST_ROUTING)', t).value, true);
  const r = evaluateCondition('is_defined(ENABLE_IPSEC)', t);
  assert.equal(r.value, false);
  assert.deepEqual(r.unknown, [], 'a pasted placeholder is not a user-visible unknown symbol');
});

test('and-style helper over two config symbols', () => {
  const t = table(...placeholderHelpers, 'ENABLE_IPV4 1', 'TUNNEL_MODE 1');
  assert.equal(evaluateCondition('both(ENABLE_IPV4, 1)', t).value, true);
  assert.equal(evaluateCondition('both(ENABLE_IPV6, 1)', t).value, false);
});

test('self-referencing and mutually recursive macros terminate', () => {
  const t = table('A B', 'B A', 'SELF(x) SELF(x)', 'GROW GROW GROW');
  assert.equal(evaluateCondition('A', t).value, false);
  assert.equal(evaluateCondition('SELF(1)', t).value, false);
  const r = evaluateCondition('GROW', t);
  assert.equal(r.value, false);
});

test('exploding expansion is bounded and reported', () => {
  const defs = ['E0 1'];
  for (let k = 1; k < 40; k++) defs.push(`E${k} E${k - 1} + E${k - 1}`);
  const r = evaluateCondition('E39', table(...defs));
  assert.equal(r.value, false);
  assert.match(r.error ?? '', /too many tokens|exceeded/);
});

test('syntax errors are reported, not thrown', () => {
  const r = evaluateCondition('(1 + ', table());
  assert.equal(r.value, false);
  assert.ok(r.error);
});

test('stringize and variadic arguments', () => {
  const t = table('STR(x) #x', 'FIRST(a, ...) a', 'COUNT(...) CNT_(__VA_ARGS__, 3, 2, 1)', 'CNT_(a, b, c, n, ...) n');
  assert.equal(evaluateCondition('FIRST(7, 8, 9) == 7', t).value, true);
  assert.equal(evaluateCondition('COUNT(x, y) == 2', t).value, true);
});
