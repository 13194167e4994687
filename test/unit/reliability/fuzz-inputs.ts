// Inputs for the indexer fuzzer: C in the shape of a Cilium bpf/ tree (programs, tail calls, maps,
// #ifdef'd features, wrapper macros), the mutations that garble it, and hand-made adversarial files.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';

/** A file that must stay indexed whatever the other files hold. */
export const KNOWN_GOOD = `#pragma once
static __always_inline int known_good_helper(struct __ctx_buff *ctx)
{
	return ctx->protocol + 1;
}
`;

/** Tail-call primitives the way Cilium spells them (the core derives wrappers from these shapes). */
export const TAILCALL_H = `#pragma once
#define tail_call_static(ctx, map, slot) tail_call(ctx, map, slot)
#define ep_tail_call(ctx, slot) tail_call_static(ctx, &cilium_calls, slot)
#define __eval(x, ...) x ## __VA_ARGS__
#define __invoke_tailcall_if_0(name, func) func(ctx)
#define __invoke_tailcall_if_1(name, func) ep_tail_call(ctx, name)
#define invoke_tailcall_if(cond, name, func) __eval(__invoke_tailcall_if_, cond)(name, func)
`;

export const ENTRY = `#include "lib/prelude.h"
#include "lib/tailcall.h"
#include "lib/good.h"
#include "lib/fuzz.h"
__section("from-container")
int handle_xgress(struct __ctx_buff *ctx)
{
	return known_good_helper(ctx);
}
`;

const ident = fc.constantFrom('ipv4_policy', 'tail_handle_ipv4', 'lookup_ip4_endpoint', 'ctx_redirect', 'handle_ipv6',
  'nodeport_lb4', 'do_netdev', 'send_drop_notify', '__tail_handle_ipv4', 'ct_lookup4');
const feature = fc.constantFrom('ENABLE_IPV4', 'ENABLE_IPV6', 'ENABLE_NODEPORT', 'ENABLE_HOST_FIREWALL', 'HAVE_LPM_TRIE_MAP_TYPE');
const slot = fc.constantFrom('CILIUM_CALL_IPV4_FROM_LXC', 'CILIUM_CALL_IPV6_FROM_LXC', 'CILIUM_CALL_DROP_NOTIFY', '7', 'SLOT + 1');

const statement: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(ident).map(([f]) => `\tret = ${f}(ctx);`),
  fc.tuple(slot).map(([s]) => `\ttail_call_static(ctx, &cilium_calls, ${s});`),
  fc.tuple(slot).map(([s]) => `\tep_tail_call(ctx, ${s});`),
  fc.tuple(ident, ident).map(([a, b]) => `\tret = invoke_tailcall_if(is_defined(ENABLE_X), ${a}, ${b});`),
  fc.constant('\tif (ret < 0)\n\t\treturn send_drop_notify_error(ctx, 0, ret, CTX_ACT_DROP, METRIC_EGRESS);'),
  fc.constant('\tinfo = map_lookup_elem(&cilium_ipcache, &key);'),
);

const body = fc.tuple(fc.array(statement, { maxLength: 6 }), fc.option(feature)).map(([stmts, f]) =>
  f ? `#ifdef ${f}\n${stmts.join('\n')}\n#else\n\tret = 0;\n#endif` : stmts.join('\n'));

const definition: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(ident, body).map(([n, b]) => `static __always_inline int ${n}(struct __ctx_buff *ctx)\n{\n\tint ret = 0;\n${b}\n\treturn ret;\n}\n`),
  fc.tuple(slot, ident, body).map(([s, n, b]) => `__section_tail(CILIUM_MAP_CALLS, ${s})\nint ${n}(struct __ctx_buff *ctx)\n{\n\tint ret;\n${b}\n\treturn ret;\n}\n`),
  fc.tuple(slot, ident, body).map(([s, n, b]) => `__declare_tail(${s})\nint ${n}(struct __ctx_buff *ctx)\n{\n\tint ret;\n${b}\n\treturn ret;\n}\n`),
  fc.tuple(ident).map(([n]) => `struct {\n\t__uint(type, BPF_MAP_TYPE_PROG_ARRAY);\n\t__uint(max_entries, 64);\n} ${n}_map __section_maps_btf;\n`),
  fc.tuple(ident, ident).map(([a, b]) => `#define ${a}(ctx) ${b}(ctx)\n`),
  fc.tuple(ident, slot).map(([a, s]) => `#define ${a.toUpperCase()} ${s}\n`),
  fc.tuple(feature, ident).map(([f, n]) => `#if defined(${f}) && !defined(${n.toUpperCase()})\nint ${n}_stub(void) { return 0; }\n#elif ${f} > 1\n#endif\n`),
);

/** A well-formed file in Cilium's style. */
export const ciliumFile = fc.array(definition, { minLength: 1, maxLength: 8 }).map((defs) => `#pragma once\n${defs.join('\n')}`);

type Mutation = (s: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((at) => (s: string) => s.slice(0, Math.floor(s.length * at))),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 64 }))
    .map(([at, bytes]) => (s: string) => { const k = Math.floor(s.length * at); return s.slice(0, k) + Buffer.from(bytes).toString('latin1') + s.slice(k); }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('{', '}', '(', ')', '#if X\n', '#endif\n', '#else\n', '#elif\n',
    '/*', '*/', '"', "'", '\\\n', '#define ', '#define A B\n#define B A\n', '\0', '\r\n', '\uFEFF', '\uD800', '__section(', 'tail_call_static(ctx, &cilium_calls, '))
    .map(([at, piece]) => (s: string) => { const k = Math.floor(s.length * at); return s.slice(0, k) + piece + s.slice(k); }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 200 }))
    .map(([at, n]) => (s: string) => { const k = Math.floor(s.length * at); return s.slice(0, k) + s.slice(k + n); }),
  fc.constant((s: string) => s.replace(/\n/g, '\r\n')),
  fc.constant((s: string) => s.replace(/\n/g, ' ')),
);

/** A Cilium-style file with up to five mutations applied. */
export const garbledFile = fc.tuple(ciliumFile, fc.array(mutation, { maxLength: 5 }))
  .map(([text, ms]) => ms.reduce((t, m) => m(t), text));

/** Files built to hurt: each names what it attacks. Big ones are built, not stored. */
export function adversarialFiles(): Record<string, string> {
  const deep = 20_000;
  return {
    'deep-braces.h': `int deep(void) ${'{'.repeat(deep)}${'}'.repeat(deep)}\n`,
    'deep-parens.h': `int deep_expr(void) { return ${'('.repeat(deep)}1${')'.repeat(deep)}; }\n`,
    'deep-if.h': `${'#if A\n'.repeat(deep)}int x;\n${'#endif\n'.repeat(deep)}`,
    'deep-if-else.h': `${'#ifdef A\n{\n#else\n'.repeat(2000)}int y;\n${'#endif\n'.repeat(2000)}`,
    'unbalanced.h': '#if A\n#if B\nint f(void){\n#else\n}\n#endif\n#endif\n#endif\n#else\n}}}}((((\n#elif\n',
    'long-line.h': `int long_line(void) { return ${'a+'.repeat(2_500_000)}1; }\n`,
    'long-line-under-limit.h': `int long_line2(void) { return ${'b+'.repeat(200_000)}1; }\n`,
    'binary.h': `int bin(void)\0\0{ return 1; }\0\n${'\0\x01\xff\x7f'.repeat(5000)}`,
    'crlf.h': '#define X 1\r\n#ifdef ENABLE_IPV4\r\nint crlf(void)\r\n{\r\n\treturn X;\r\n}\r\n#endif\r\n',
    'mutual-macros.h': '#define A B\n#define B A\nint mutual(void) { return A; }\n',
    'self-function-macro.h': '#define F(x) F(x) + F(x)\nint self_fn(void) { return F(1); }\n',
    'exponential-macro.h': '#define E0(x) x x\n' + Array.from({ length: 40 }, (_, i) => `#define E${i + 1}(x) E${i}(E${i}(x))`).join('\n')
      + '\nint expo(void) { return E40(1); }\n',
    'exponential-object.h': '#define O0 a a\n' + Array.from({ length: 40 }, (_, i) => `#define O${i + 1} O${i} O${i}`).join('\n')
      + '\nint expo_obj(void) { return O40; }\n',
    'many-defines.h': Array.from({ length: 20_000 }, (_, i) => `#define M${i} M${i + 1}`).join('\n') + '\nint chain(void) { return M0; }\n',
    'cyclic-tails.h': '__declare_tail(1)\nint cyc_a(struct __ctx_buff *ctx) { tail_call_static(ctx, &cilium_calls, 2); return 0; }\n'
      + '__declare_tail(2)\nint cyc_b(struct __ctx_buff *ctx) { tail_call_static(ctx, &cilium_calls, 1); return 0; }\n'
      + '__declare_tail(3)\nint cyc_self(struct __ctx_buff *ctx) { tail_call_static(ctx, &cilium_calls, 3); return 0; }\n',
    'self-include.h': '#include "self-include.h"\n#include "lib/fuzz.h"\nint self_inc(void) { return 0; }\n',
    'unterminated-comment.h': 'int uc(void) { return 0; }\n/* never closed\n#define X\n',
    'continuation-eof.h': '#define CONT(x) x \\',
  };
}

/**
 * Inputs that once crashed or hung the indexer, kept as regression fixtures. A `.c`/`.h` file is used as
 * is (read as Latin-1, so any byte survives); a `.repeat.json` file, `{ "parts": [[text, times], …] }`,
 * builds a large input that is not worth storing.
 */
export function regressionInputs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (name.endsWith('.repeat.json')) {
      const recipe = JSON.parse(fs.readFileSync(full, 'utf8')) as { parts: [string, number][] };
      out[name.replace(/\.repeat\.json$/, '.h')] = recipe.parts.map(([text, times]) => text.repeat(times)).join('');
    } else if (/\.[ch]$/.test(name)) out[name] = fs.readFileSync(full, 'latin1');
  }
  return out;
}
