// A C macro expander over the tree's own #defines (object-like and function-like, #, ##, __VA_ARGS__,
// hide sets), and a constant-expression evaluator for slot values. It is deliberately partial: anything
// it cannot expand or evaluate is left as is / reported as unknown, never guessed.
import type { MacroDef } from './directives';
import { tokenize, splitArgs, tokensText, type Token, tok } from './tokens';

export interface MacroLookup {
  get(name: string): MacroDef | undefined;
}

export interface ExpandOptions {
  /**
   * How to evaluate `is_defined(X)` / `__is_defined(X)`: Cilium selects code with them through token
   * pasting (`__eval(__invoke_tailcall_if_, COND)`), so the core expands twice, once assuming every
   * option on (1) and once off (0), and keeps both outcomes. undefined: expand them through the tree.
   */
  assumeDefined?: 0 | 1;
  /** Names never expanded (the tail-call primitives and derived wrapper functions stay visible as calls). */
  stop?: ReadonlySet<string>;
  /**
   * Leave object-like macros written at the site unexpanded (slot names such as CILIUM_CALL_IPV4_FROM_LXC
   * stay names, to be evaluated per object later).
   */
  keepSourceObjects?: boolean;
  /**
   * Upper bound on the work of one expansion, shared by the nested expansions of arguments: each macro
   * replaced costs 1 and each token it produces costs 1. Guards against self-referencing and
   * exponentially growing macros (`#define E1(x) E0(E0(x))` …); once spent, names are left unexpanded.
   */
  budget?: number;
}

/** Budget shared across the nested expansions of one top-level `expand` call. */
interface Budget { left: number }

export interface Expansion {
  tokens: Token[];
  /** True when an `is_defined` switch was met, i.e. the other assumption may give a different result. */
  usedAssumption: boolean;
  truncated: boolean;
}

/**
 * Deepest chain of macros expanded inside one another. Each level copies the hide set, so a long chain
 * (`#define M0 M1`, `#define M1 M2`, … 20 000 times) would cost depth² per name; Cilium nests a dozen.
 */
export const MAX_NESTING = 64;

const IS_DEFINED = new Set(['is_defined', '__is_defined']);

export function expand(input: readonly Token[], macros: MacroLookup, opts: ExpandOptions = {}): Expansion {
  // One object shape for every caller's options: expandWithin() and substitute() then see one map and
  // stay optimized (callers pass literals of several shapes).
  const normalized: ExpandOptions = { assumeDefined: opts.assumeDefined, stop: opts.stop, keepSourceObjects: opts.keepSourceObjects, budget: opts.budget };
  return expandWithin(input, macros, normalized, { left: opts.budget ?? 20000 });
}

// Tokens made here are written out field by field, all with the same shape (hide and fromArg included,
// possibly undefined): spreading tokens of varying shapes and adding `hide` afterwards was most of the
// cost of expanding.
function expandWithin(input: readonly Token[], macros: MacroLookup, opts: ExpandOptions, budget: Budget): Expansion {
  const work: Token[] = [];
  for (let i = input.length - 1; i >= 0; i--) work.push(input[i]);
  const out: Token[] = [];
  let usedAssumption = false;
  let truncated = false;
  while (work.length) {
    const t = work.pop()!;
    if (t.kind !== 'id' || (t.hide && t.hide.has(t.text)) || opts.stop?.has(t.text)) { out.push(t); continue; }
    if (--budget.left < 0 || (t.hide && t.hide.size >= MAX_NESTING)) { truncated = true; out.push(t); continue; }
    if (opts.assumeDefined !== undefined && IS_DEFINED.has(t.text) && peek(work)?.text === '(') {
      if (popArgs(work)) {
        usedAssumption = true;
        work.push({ kind: 'num', text: String(opts.assumeDefined), start: -1, end: -1, hide: t.hide, fromArg: undefined });
        continue;
      }
    }
    const m = macros.get(t.text);
    if (!m) { out.push(t); continue; }
    if (!m.params) {
      if (opts.keepSourceObjects && t.fromArg) { out.push(t); continue; }
      const hide = new Set(t.hide ?? []);
      hide.add(m.name);
      budget.left -= m.body.length;
      const body = m.body.map((b): Token => ({ kind: b.kind, text: b.text, start: -1, end: -1, hide, fromArg: false }));
      pasteTokens(body);
      for (let i = body.length - 1; i >= 0; i--) work.push(body[i]);
      continue;
    }
    if (peek(work)?.text !== '(') { out.push(t); continue; }
    const popped = popArgs(work);
    if (!popped) { out.push(t); continue; }
    const { args, close } = popped;
    // Prosser's rule: the result is hidden from names hiding both the macro name and the closing paren.
    const hide = new Set<string>();
    if (t.hide && close.hide) for (const h of t.hide) if (close.hide.has(h)) hide.add(h);
    hide.add(m.name);
    const body = substitute(m, args, macros, opts, budget, (u) => { usedAssumption ||= u; });
    if (!body) { truncated = true; out.push(t); continue; }
    // Tokens of one argument share a hide set: one union per distinct set, not one per token.
    const unions = new Map<ReadonlySet<string>, ReadonlySet<string>>();
    for (const b of body) {
      if (!b.hide) { b.hide = hide; continue; }
      let u = unions.get(b.hide);
      if (!u) { u = new Set([...b.hide, ...hide]); unions.set(b.hide, u); }
      b.hide = u;
    }
    for (let i = body.length - 1; i >= 0; i--) work.push(body[i]);
  }
  return { tokens: out, usedAssumption, truncated };
}

function peek(work: Token[]): Token | undefined { return work[work.length - 1]; }

/** Pops `( a, b, … )` off the reversed work stack; returns the raw argument token lists and the ')'. */
function popArgs(work: Token[]): { args: Token[][]; close: Token } | undefined {
  let depth = 0;
  const args: Token[][] = [];
  let current: Token[] = [];
  const saved: Token[] = [];
  while (work.length) {
    const t = work.pop()!;
    saved.push(t);
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') { depth++; if (depth === 1) continue; }
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        depth--;
        if (depth === 0) { args.push(current); return { args, close: t }; }
      } else if (t.text === ',' && depth === 1) { args.push(current); current = []; continue; }
    }
    current.push(t);
  }
  for (let i = saved.length - 1; i >= 0; i--) work.push(saved[i]);
  return undefined;
}

/** The macro's body with its arguments substituted, or undefined when that would exceed the budget. */
function substitute(m: MacroDef, rawArgs: Token[][], macros: MacroLookup, opts: ExpandOptions, budget: Budget, note: (u: boolean) => void): Token[] | undefined {
  const params = m.params!;
  const args = new Map<string, Token[]>();
  params.forEach((p, i) => {
    if (p === '__VA_ARGS__') {
      const rest: Token[] = [];
      rawArgs.slice(i).forEach((a, k) => {
        if (k > 0) rest.push(tok('punct', ',', -1, -1));
        rest.push(...a);
      });
      args.set(p, rest);
    } else args.set(p, rawArgs[i] ?? []);
  });
  const expandedCache = new Map<string, Token[]>();
  const expandedArg = (p: string) => {
    let e = expandedCache.get(p);
    if (!e) {
      const r = expandWithin(args.get(p)!, macros, opts, budget);
      note(r.usedAssumption);
      e = r.tokens;
      expandedCache.set(p, e);
    }
    return e;
  };
  const body = m.body;
  const out: Token[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b.text === '#' && body[i + 1] && args.has(body[i + 1].text)) {
      const raw = tokensText(args.get(body[i + 1].text)!);
      out.push(tok('str', JSON.stringify(raw), -1, -1));
      i++;
      continue;
    }
    if (b.kind === 'id' && args.has(b.text)) {
      const nearPaste = body[i - 1]?.text === '##' || body[i + 1]?.text === '##';
      const src = nearPaste ? args.get(b.text)! : expandedArg(b.text);
      budget.left -= src.length;
      if (budget.left < 0) return undefined;
      if (nearPaste && src.length === 0) out.push(tok('punct', '', -1, -1)); // placemarker
      for (const a of src) out.push({ kind: a.kind, text: a.text, start: a.start, end: a.end, hide: a.hide, fromArg: a.start >= 0 || a.fromArg });
      continue;
    }
    out.push({ kind: b.kind, text: b.text, start: -1, end: -1, hide: undefined, fromArg: false });
  }
  pasteTokens(out);
  return out.filter((t) => t.text !== '' || t.kind !== 'punct');
}

/** Applies `##` in place: joins the neighbours' text and re-lexes it into one token. */
function pasteTokens(toks: Token[]): void {
  for (let i = 0; i < toks.length; i++) {
    if (toks[i].text !== '##' || i === 0 || i + 1 >= toks.length) continue;
    const joined = toks[i - 1].text + toks[i + 1].text;
    const lexed = tokenize(joined);
    const one: Token = lexed.length === 1
      ? { ...lexed[0], start: -1, end: -1 }
      : tok('punct', joined, -1, -1);
    toks.splice(i - 1, 3, one);
    i -= 1;
  }
}

/** Concatenated value of adjacent string literals in a token list, e.g. `"tc" "/entry"` → `tc/entry`. */
export function stringValue(tokens: readonly Token[]): string | undefined {
  if (!tokens.length || tokens.some((t) => t.kind !== 'str')) return undefined;
  return tokens.map((t) => unquote(t.text)).join('');
}

export function unquote(s: string): string {
  if (s.length < 2) return s;
  try { return JSON.parse(s.replace(/\\'/g, "'")) as string; } catch { return s.slice(1, -1); }
}

// ---------------------------------------------------------------------------------------------
// Constant expressions (slot values: `CILIUM_CALL_IPV4_FROM_LXC`, `CILIUM_CALL_X + 1`, enum members).

export interface ConstEnv {
  macros: MacroLookup;
  enumValue?(name: string): number | undefined;
}

export function evaluate(tokens: readonly Token[], env: ConstEnv): number | undefined {
  const expanded = expand(tokens, env.macros, { budget: 2000 }).tokens;
  const p = new ExprParser(expanded, env);
  try {
    const v = p.ternary();
    return p.atEnd() && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function evaluateText(text: string, env: ConstEnv): number | undefined {
  return evaluate(tokenize(text), env);
}

class Unknown extends Error {}

class ExprParser {
  private i = 0;
  constructor(private readonly t: readonly Token[], private readonly env: ConstEnv) {}
  atEnd(): boolean { return this.i >= this.t.length; }
  private peek(): string | undefined { return this.t[this.i]?.text; }
  private take(s?: string): Token {
    const tok = this.t[this.i];
    if (!tok || (s !== undefined && tok.text !== s)) throw new Unknown();
    this.i++;
    return tok;
  }
  ternary(): number {
    const c = this.binary(0);
    if (this.peek() !== '?') return c;
    this.take('?');
    const a = this.ternary();
    this.take(':');
    const b = this.ternary();
    return c ? a : b;
  }
  private static PREC: Record<string, number> = {
    '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
    '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
  };
  private binary(minPrec: number): number {
    let left = this.unary();
    for (;;) {
      const op = this.peek();
      const prec = op !== undefined ? ExprParser.PREC[op] : undefined;
      if (prec === undefined || prec <= minPrec) return left;
      this.i++;
      const right = this.binary(prec);
      left = apply(op!, left, right);
    }
  }
  private unary(): number {
    const s = this.peek();
    if (s === '-') { this.i++; return -this.unary(); }
    if (s === '+') { this.i++; return this.unary(); }
    if (s === '~') { this.i++; return (~this.unary()) >>> 0; }
    if (s === '!') { this.i++; return this.unary() ? 0 : 1; }
    if (s === '(') {
      // A cast `(__u32)X` is a parenthesised run of identifiers/`*` followed by an operand.
      let k = this.i + 1;
      while (k < this.t.length && (this.t[k].kind === 'id' || this.t[k].text === '*')) k++;
      if (this.t[k]?.text === ')' && k > this.i + 1 && this.t[k + 1] && !ExprParser.PREC[this.t[k + 1].text] && this.t[k + 1].text !== ')') {
        this.i = k + 1;
        return this.unary();
      }
      this.i++;
      const v = this.ternary();
      this.take(')');
      return v;
    }
    const tok = this.take();
    if (tok.kind === 'num') return parseNumber(tok.text);
    if (tok.kind === 'chr') return unquote(tok.text.replace(/^'|'$/g, '"')).charCodeAt(0);
    if (tok.kind === 'id') {
      const v = this.env.enumValue?.(tok.text);
      if (v !== undefined) return v;
    }
    throw new Unknown();
  }
}

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '||': return a || b ? 1 : 0;
    case '&&': return a && b ? 1 : 0;
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '<<': return a * 2 ** b;
    case '>>': return Math.floor(a / 2 ** b);
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': if (b === 0) throw new Unknown(); return Math.trunc(a / b);
    case '%': if (b === 0) throw new Unknown(); return a % b;
  }
  throw new Unknown();
}

export function parseNumber(text: string): number {
  const s = text.replace(/[uUlL]+$/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s.slice(2), 16);
  if (/^0[bB][01]+$/.test(s)) return parseInt(s.slice(2), 2);
  if (/^0[0-7]+$/.test(s)) return parseInt(s, 8);
  if (/^\d+$/.test(s)) return parseInt(s, 10);
  throw new Unknown();
}

export { splitArgs };
