// Evaluates `#if` expressions the way the C preprocessor does, over a table of macros taken from the
// tree and from a datapath mode. Macro expansion follows the classic hide-set algorithm (Prosser), so
// the tree's own helpers — `is_defined(X)`, `__and(X, Y)`, built on `##` pasting and argument
// placeholders — evaluate as the compiler would. Unknown identifiers count as 0 and are reported.
// Everything is bounded: expansion depth and token count, so a self-referencing or exploding macro
// ends in an `incomplete` result, never a hang.

export interface MacroDefinition {
  /** Parameter names for a function-like macro; undefined for an object-like one. */
  params?: string[];
  /** True when the last parameter is `...` (its arguments are `__VA_ARGS__`). */
  variadic?: boolean;
  body: string;
}

export interface MacroTable {
  get(name: string): MacroDefinition | undefined;
}

export interface ConditionResult {
  value: boolean;
  /** Identifiers that were neither defined nor known; they were taken as 0 / undefined. */
  unknown: string[];
  /** Set when the expression could not be evaluated (bounds hit, syntax): `value` is then false. */
  error?: string;
}

type TokenKind = 'id' | 'num' | 'punct' | 'str' | 'ws';
interface Token {
  kind: TokenKind;
  text: string;
  hide?: ReadonlySet<string>;
}

const MAX_TOKENS = 50_000;
const MAX_EXPANSIONS = 10_000;

class Bounded extends Error {}

const PUNCT = ['...', '<<=', '>>=', '##', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '->', '++', '--'];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && (src[i + 1] === '\n' || src[i + 1] === '\r')) { i += src[i + 1] === '\r' && src[i + 2] === '\n' ? 3 : 2; continue; }
    if (/\s/.test(c)) {
      let j = i;
      while (j < src.length && /\s/.test(src[j])) j++;
      out.push({ kind: 'ws', text: ' ' });
      i = j;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      out.push({ kind: 'ws', text: ' ' });
      continue;
    }
    if (c === '/' && src[i + 1] === '/') break;
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /\w/.test(src[j])) j++;
      out.push({ kind: 'id', text: src.slice(i, j) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < src.length && /[\w.]/.test(src[j])) j++;
      out.push({ kind: 'num', text: src.slice(i, j) });
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out.push({ kind: 'str', text: src.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    out.push({ kind: 'punct', text: p ?? c });
    i += p ? p.length : 1;
  }
  return out;
}

const nonWs = (ts: Token[]) => ts.filter((t) => t.kind !== 'ws');
function trimWs(ts: Token[]): Token[] {
  let a = 0;
  let b = ts.length;
  while (a < b && ts[a].kind === 'ws') a++;
  while (b > a && ts[b - 1].kind === 'ws') b--;
  return ts.slice(a, b);
}

function union(a: ReadonlySet<string> | undefined, b: Iterable<string>): Set<string> {
  const s = new Set(a ?? []);
  for (const x of b) s.add(x);
  return s;
}

/** Expands macros in a token list. `defined X` / `defined(X)` operands are kept unexpanded. */
export class Expander {
  private expansions = 0;
  private produced = 0;

  constructor(private readonly macros: MacroTable) {}

  expand(input: Token[]): Token[] {
    const ts = input.slice();
    const out: Token[] = [];
    let i = 0;
    while (i < ts.length) {
      if (++this.produced > MAX_TOKENS) throw new Bounded('expansion produced too many tokens');
      const t = ts[i];
      if (t.kind === 'id' && t.text === 'defined') {
        // copy `defined`, optional '(', the name, optional ')' verbatim
        out.push(t);
        i++;
        while (i < ts.length && ts[i].kind === 'ws') i++;
        if (ts[i]?.text === '(') {
          while (i < ts.length && ts[i].text !== ')') out.push(ts[i++]);
          if (i < ts.length) out.push(ts[i++]);
        } else if (i < ts.length) out.push(ts[i++]);
        continue;
      }
      const def = t.kind === 'id' && !t.hide?.has(t.text) ? this.macros.get(t.text) : undefined;
      if (!def) {
        out.push(t);
        i++;
        continue;
      }
      if (++this.expansions > MAX_EXPANSIONS) throw new Bounded(`macro expansion exceeded ${MAX_EXPANSIONS} steps`);
      if (def.params === undefined) {
        const repl = this.substitute(def, new Map(), union(t.hide, [t.text]));
        ts.splice(i, 1, ...repl);
        continue;
      }
      // function-like: needs '(' as the next non-blank token, else it is a plain identifier
      let j = i + 1;
      while (j < ts.length && ts[j].kind === 'ws') j++;
      if (ts[j]?.text !== '(') {
        out.push(t);
        i++;
        continue;
      }
      const call = collectArgs(ts, j);
      if (!call) { // unbalanced: leave as is
        out.push(t);
        i++;
        continue;
      }
      const args = bindArgs(def, call.args);
      const hide = union(intersect(t.hide, ts[call.end].hide), [t.text]);
      const repl = this.substitute(def, args, hide);
      ts.splice(i, call.end - i + 1, ...repl);
    }
    return out;
  }

  private substitute(def: MacroDefinition, args: Map<string, Token[]>, hide: Set<string>): Token[] {
    const body = trimWs(tokenize(def.body));
    const out: Token[] = [];
    for (let k = 0; k < body.length; k++) {
      const t = body[k];
      if (t.text === '#' && def.params) {
        const n = nextNonWs(body, k + 1);
        if (n >= 0 && args.has(body[n].text)) {
          const raw = trimWs(args.get(body[n].text)!).map((x) => x.text).join('');
          out.push({ kind: 'str', text: JSON.stringify(raw) });
          k = n;
          continue;
        }
      }
      if (t.text === '##') {
        // paste the last non-blank output token with the next operand (raw argument if a parameter)
        while (out.length && out[out.length - 1].kind === 'ws') out.pop();
        const n = nextNonWs(body, k + 1);
        if (n < 0) continue;
        const right = args.has(body[n].text) ? trimWs(args.get(body[n].text)!) : [body[n]];
        const left = out.pop();
        const joined = (left?.text ?? '') + (right[0]?.text ?? '');
        out.push(...tokenize(joined), ...right.slice(1));
        k = n;
        continue;
      }
      if (t.kind === 'id' && args.has(t.text)) {
        const n = nextNonWs(body, k + 1);
        const pastedNext = n >= 0 && body[n].text === '##';
        const arg = args.get(t.text)!;
        // an operand of ## is inserted unexpanded; otherwise fully expanded on its own first
        out.push(...(pastedNext ? trimWs(arg) : this.expand(arg)));
        continue;
      }
      out.push(t);
    }
    return out.map((t) => (t.kind === 'id' ? { ...t, hide: union(t.hide, hide) } : t));
  }
}

function nextNonWs(ts: Token[], from: number): number {
  for (let k = from; k < ts.length; k++) if (ts[k].kind !== 'ws') return k;
  return -1;
}

function intersect(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): Set<string> {
  const s = new Set<string>();
  if (!a || !b) return s;
  for (const x of a) if (b.has(x)) s.add(x);
  return s;
}

function collectArgs(ts: Token[], open: number): { args: Token[][]; end: number } | undefined {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let k = open; k < ts.length; k++) {
    const x = ts[k].text;
    if (x === '(') {
      if (depth++ > 0) args[args.length - 1].push(ts[k]);
    } else if (x === ')') {
      if (--depth === 0) return { args, end: k };
      args[args.length - 1].push(ts[k]);
    } else if (x === ',' && depth === 1) {
      args.push([]);
    } else {
      args[args.length - 1].push(ts[k]);
    }
  }
  return undefined;
}

function bindArgs(def: MacroDefinition, given: Token[][]): Map<string, Token[]> {
  const params = def.params ?? [];
  const m = new Map<string, Token[]>();
  const fixed = def.variadic ? params.length - 1 : params.length;
  params.slice(0, fixed).forEach((p, k) => m.set(p, given[k] ?? []));
  if (def.variadic) {
    const rest = given.slice(fixed);
    const joined: Token[] = [];
    rest.forEach((a, k) => {
      if (k) joined.push({ kind: 'punct', text: ',' });
      joined.push(...a);
    });
    m.set(params[params.length - 1] === '...' ? '__VA_ARGS__' : params[params.length - 1], joined);
  }
  return m;
}

/** Evaluates one `#if`/`#elif` expression. */
export function evaluateCondition(expr: string, macros: MacroTable): ConditionResult {
  const unknown = new Set<string>();
  try {
    const expanded = nonWs(new Expander(macros).expand(tokenize(expr)));
    const value = new Evaluator(expanded, macros, unknown).run();
    return { value: value !== 0n, unknown: [...unknown].sort() };
  } catch (e) {
    return { value: false, unknown: [...unknown].sort(), error: e instanceof Error ? e.message : String(e) };
  }
}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

/** Precedence-climbing evaluator over expanded tokens, in 64-bit integers (BigInt). */
class Evaluator {
  private k = 0;
  constructor(private readonly ts: Token[], private readonly macros: MacroTable, private readonly unknown: Set<string>) {}

  run(): bigint {
    if (this.ts.length === 0) throw new Error('empty expression');
    const v = this.ternary();
    if (this.k < this.ts.length) throw new Error(`unexpected '${this.ts[this.k].text}'`);
    return v;
  }

  private peek(): string | undefined {
    return this.ts[this.k]?.text;
  }

  private ternary(): bigint {
    const c = this.binary(1);
    if (this.peek() !== '?') return c;
    this.k++;
    const a = this.ternary();
    if (this.peek() !== ':') throw new Error("expected ':' in conditional expression");
    this.k++;
    const b = this.ternary();
    return c !== 0n ? a : b;
  }

  private binary(minPrec: number): bigint {
    let left = this.unary();
    for (;;) {
      const op = this.peek();
      const prec = op !== undefined ? BINARY[op] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.k++;
      const right = this.binary(prec + 1);
      left = apply(op!, left, right);
    }
  }

  private unary(): bigint {
    const t = this.ts[this.k];
    if (!t) throw new Error('unexpected end of expression');
    this.k++;
    switch (t.text) {
      case '!': return this.unary() === 0n ? 1n : 0n;
      case '~': return ~this.unary();
      case '-': return -this.unary();
      case '+': return this.unary();
      case '(': {
        const v = this.ternary();
        if (this.peek() !== ')') throw new Error("expected ')'");
        this.k++;
        return v;
      }
    }
    if (t.kind === 'num') return parseNumber(t.text);
    if (t.kind === 'str' && t.text.startsWith("'")) return BigInt(t.text.charCodeAt(1) || 0);
    if (t.kind === 'id') {
      if (t.text === 'defined') {
        let name: string | undefined;
        if (this.peek() === '(') {
          name = this.ts[this.k + 1]?.text;
          if (this.ts[this.k + 2]?.text !== ')') throw new Error("expected ')' after defined(");
          this.k += 3;
        } else {
          name = this.ts[this.k++]?.text;
        }
        if (!name) throw new Error('defined without a name');
        return this.macros.get(name) ? 1n : 0n;
      }
      // `__has_builtin(x)` and friends: unknown function-like identifiers are 0 with their arguments skipped
      if (this.peek() === '(') {
        let depth = 0;
        do {
          const x = this.peek();
          if (x === '(') depth++;
          else if (x === ')') depth--;
          this.k++;
        } while (depth > 0 && this.k < this.ts.length);
      }
      if (!this.macros.get(t.text)) this.unknown.add(t.text);
      return 0n;
    }
    throw new Error(`unexpected '${t.text}'`);
  }
}

function parseNumber(text: string): bigint {
  const s = text.replace(/[uUlL]+$/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return BigInt(s);
  if (/^0[bB][01]+$/.test(s)) return BigInt(s);
  if (/^0[0-7]+$/.test(s)) return BigInt('0o' + s.slice(1));
  if (/^[0-9]+$/.test(s)) return BigInt(s);
  throw new Error(`not an integer: ${text}`);
}

function apply(op: string, a: bigint, b: bigint): bigint {
  const bool = (x: boolean) => (x ? 1n : 0n);
  switch (op) {
    case '||': return bool(a !== 0n || b !== 0n);
    case '&&': return bool(a !== 0n && b !== 0n);
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return bool(a === b);
    case '!=': return bool(a !== b);
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case '<=': return bool(a <= b);
    case '>=': return bool(a >= b);
    case '<<': return BigInt.asIntN(64, a << b);
    case '>>': return a >> b;
    case '+': return BigInt.asIntN(64, a + b);
    case '-': return BigInt.asIntN(64, a - b);
    case '*': return BigInt.asIntN(64, a * b);
    case '/': if (b === 0n) throw new Error('division by zero in #if'); return a / b;
    case '%': if (b === 0n) throw new Error('division by zero in #if'); return a % b;
  }
  throw new Error(`unknown operator ${op}`);
}

/** Parses `#define` text after the directive name: `NAME(a, b) body` or `NAME body`. */
export function parseDefine(text: string): { name: string; def: MacroDefinition } | undefined {
  const m = /^\s*([A-Za-z_]\w*)(\(([^)]*)\))?([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  const body = m[4].replace(/\\\r?\n/g, ' ').trim();
  if (m[2] === undefined) return { name: m[1], def: { body } };
  const params = m[3].split(',').map((p) => p.trim()).filter(Boolean);
  const variadic = params.length > 0 && params[params.length - 1].endsWith('...');
  if (variadic) {
    const last = params[params.length - 1];
    params[params.length - 1] = last === '...' ? '...' : last.slice(0, -3).trim();
  }
  return { name: m[1], def: { params, variadic, body } };
}

/** A macro table from a plain map, with an optional fallback table consulted second. */
export function macroTable(own: Map<string, MacroDefinition>, fallback?: MacroTable): MacroTable {
  return { get: (name) => own.get(name) ?? fallback?.get(name) };
}
