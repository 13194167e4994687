// Evaluates `#if` expressions the way the C preprocessor does, over a table of macros taken from the
// tree and from a datapath mode. Expansion is the analysis core's own expander (core/macros.ts, hide
// sets after Prosser), so the tree's helpers — `is_defined(X)`, `__and(X, Y)`, built on `##` pasting and
// argument placeholders — evaluate exactly as the core expands them everywhere else; this file only adds
// what `#if` needs on top: `defined`, 64-bit integer arithmetic, and the list of unknown identifiers.
// Everything is bounded (the expander's token budget), so a self-referencing or exploding macro ends in
// an `error` result, never a hang.
import { expand, type MacroLookup } from '../core/macros';
import { scanDirectives, type MacroDef } from '../core/directives';
import { tokenize, type Token, tok } from '../core/tokens';

/** A macro as the core stores it (name, params, body tokens). */
export type MacroDefinition = MacroDef;
export type MacroTable = MacroLookup;

export interface ConditionResult {
  value: boolean;
  /** Identifiers that were neither defined nor known; they were taken as 0 / undefined. */
  unknown: string[];
  /** Set when the expression could not be evaluated (bounds hit, syntax): `value` is then false. */
  error?: string;
}

const EXPANSION_BUDGET = 20_000;

/**
 * `defined X` / `defined(X)` are answered before expansion, as the preprocessor does (their operand is
 * never expanded). A `defined` that only appears after expansion is answered on the expanded name.
 */
function resolveDefined(ts: readonly Token[], macros: MacroTable): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (t.kind !== 'id' || t.text !== 'defined') { out.push(t); continue; }
    let name: Token | undefined;
    if (ts[i + 1]?.text === '(') {
      name = ts[i + 2];
      if (ts[i + 3]?.text !== ')') throw new Error("expected ')' after defined(");
      i += 3;
    } else {
      name = ts[++i];
    }
    if (!name || name.kind !== 'id') throw new Error('defined without a name');
    out.push(tok('num', macros.get(name.text) ? '1' : '0', t.start, name.end));
  }
  return out;
}

/** Evaluates one `#if`/`#elif` expression. */
export function evaluateCondition(expr: string, macros: MacroTable): ConditionResult {
  const unknown = new Set<string>();
  try {
    const expansion = expand(resolveDefined(tokenize(expr), macros), macros, { budget: EXPANSION_BUDGET });
    if (expansion.truncated) throw new Error(`macro expansion exceeded ${EXPANSION_BUDGET} steps`);
    const value = new Evaluator(expansion.tokens, macros, unknown).run();
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
    if (t.kind === 'chr') return BigInt(t.text.charCodeAt(1) || 0);
    if (t.kind === 'id') {
      if (t.text === 'defined') {
        const paren = this.peek() === '(';
        const name = this.ts[this.k + (paren ? 1 : 0)]?.text;
        if (!name) throw new Error('defined without a name');
        if (paren && this.ts[this.k + 2]?.text !== ')') throw new Error("expected ')' after defined(");
        this.k += paren ? 3 : 1;
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

/**
 * Parses `#define` text after the directive name (`NAME(a, b) body` or `NAME body`) with the core's own
 * directive scanner, so a mode's define and a tree's define are the same kind of record.
 */
export function parseDefine(text: string, origin = '<mode>'): { name: string; def: MacroDefinition } | undefined {
  const def = scanDirectives(`#define ${text.replace(/\r?\n/g, ' ')}`, origin).defines[0];
  return def ? { name: def.name, def } : undefined;
}

/** A macro table from a plain map, with an optional fallback table consulted second. */
export function macroTable(own: Map<string, MacroDefinition>, fallback?: MacroTable): MacroTable {
  return { get: (name) => own.get(name) ?? fallback?.get(name) };
}
