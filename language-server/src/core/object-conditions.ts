// Conditions an object decides itself. A header's program, tail call or call exists in every object
// that includes it, labelled with its `#if` condition; some of those conditions are already settled by
// the object: bpf_overlay.c does `#define SKIP_X` before including the header that holds a program under
// `#ifndef SKIP_X`, and `IS_BPF_LXC` is defined by bpf_lxc.c alone, so it is undefined in bpf_host.c.
// Per object, a name is
//   - known defined at a position: the object's root .c #defines it at top level (no #if around it)
//     before that position (for a header: before the root's #include that first brings the header in),
//     and no file of the object #undefs it;
//   - known undefined: another object's root .c (one that declares programs itself) #defines it at top
//     level and no file of this object defines it;
//   - unknown otherwise (configuration options: the agent decides them).
// A condition is split at its top-level `&&`; each conjunct is evaluated with the one expander
// (macros.ts) when every name in it is known, or when the unknown ones appear only as the operand of
// `defined`/`is_defined` (then under every assignment of them, up to MAX_ENUMERATED names: a conjunct
// that holds under all of them is true, under none false). False conjunct: the condition is false in the
// object; true: left out of the label; otherwise kept as written.
import type { MacroDef } from './directives';
import { expand, evaluate, type MacroLookup } from './macros';
import { tokenize, type Token, tok } from './tokens';
import type { TreeModel } from './tree-model';

/**
 * A piece of a condition: `negate` evaluates `!(text)` but keeps `text` as written in the label;
 * `opaque` is never evaluated (kept in the label as is).
 */
export interface ConditionPart { text: string; negate?: boolean; opaque?: boolean }

export type Decision = { holds: false } | { holds: true; condition?: string };

const MAX_ENUMERATED = 4;
const IS_DEFINED = new Set(['is_defined', '__is_defined']);
const ONE: MacroDef = {
  name: '', body: [tok('num', '1', -1, -1)], bodyText: '1', file: '', nameStart: -1, nameEnd: -1, start: -1, end: -1, conditions: [],
};
const NO_MACROS: MacroLookup = { get: () => undefined };

interface ObjectFacts {
  /** Name → offset of its top-level #define in the root file. */
  defined: Map<string, number>;
  undefinedNames: Set<string>;
  /** File → offset in the root of the #include that first brings it in (the root itself: absent). */
  entry: Map<string, number>;
  /** Root define offsets, sorted (a position's key: how many come before it). */
  offsets: number[];
  macros: MacroLookup;
  cache: Map<string, Decision>;
}

export class ObjectConditions {
  private perObject = new Map<string, ObjectFacts>();
  /** Names some root .c #defines at top level: a condition naming none of them is left as is. */
  private rootNames?: Set<string>;

  constructor(private readonly model: TreeModel) {}

  /**
   * Root .c files that declare programs themselves (a function with a marker): the objects. Others
   * (an alignment checker defining every option to see every struct, a probe) decide nothing.
   */
  private roots(): string[] {
    return [...this.model.files.keys()].filter((f) => !f.includes('/') && f.endsWith('.c') && this.model.files.get(f)!.functions.some((fn) => fn.markers.length));
  }

  private mentioned = new Map<string, boolean>();
  /** Whether a text names a root define (cached: sites share their condition texts). */
  private mentions(text: string): boolean {
    let m = this.mentioned.get(text);
    if (m === undefined) { m = mentionsAny(text, this.names()); this.mentioned.set(text, m); }
    return m;
  }

  private names(): Set<string> {
    if (this.rootNames) return this.rootNames;
    const names = new Set<string>();
    for (const r of this.roots()) for (const d of this.model.files.get(r)!.defines) if (!d.conditions.length) names.add(d.name);
    this.rootNames = names;
    return names;
  }

  private factsOf(object: string): ObjectFacts {
    let o = this.perObject.get(object);
    if (o) return o;
    const model = this.model;
    const env = model.env(object);
    const root = model.files.get(object)!;
    const inClosure = new Set<string>();
    const undefd = new Set<string>();
    for (const f of env.files) {
      const facts = model.files.get(f)!;
      for (const d of facts.defines) inClosure.add(d.name);
      for (const u of facts.undefs) undefd.add(u.name);
    }
    const defined = new Map<string, number>();
    for (const d of root.defines) if (!d.conditions.length && !undefd.has(d.name) && !defined.has(d.name)) defined.set(d.name, d.start);
    const undefinedNames = new Set<string>();
    for (const n of this.names()) if (!inClosure.has(n)) undefinedNames.add(n);
    const entry = new Map<string, number>();
    const reach = (f: string, at: number) => {
      if (f === object || entry.has(f)) return;
      entry.set(f, at);
      for (const inc of model.includesOf(f)) reach(inc, at);
    };
    for (const inc of root.includes) {
      const target = model.resolveInclude(object, inc.path, inc.system);
      if (target) reach(target, inc.start);
    }
    o = {
      defined, undefinedNames, entry,
      offsets: [...defined.values()].sort((a, b) => a - b),
      macros: { get: (n) => (undefinedNames.has(n) ? undefined : env.macros.get(n)) },
      cache: new Map(),
    };
    this.perObject.set(object, o);
    return o;
  }

  /**
   * Decides a condition (its parts joined with `&&`) for a site at `offset` in `file`, seen from
   * `object`. holds false: the object compiles it out; otherwise the condition left to show.
   */
  decide(object: string, file: string, offset: number, parts: readonly ConditionPart[]): Decision {
    const all = parts.filter((p) => p.text);
    const label = (ps: readonly ConditionPart[]) => (ps.length ? ps.map((p) => p.text).join(' && ') : undefined);
    if (!all.length) return { holds: true };
    if (!all.some((p) => !p.opaque && this.mentions(p.text))) return { holds: true, condition: label(all) };
    const o = this.factsOf(object);
    const at = file === object ? offset : o.entry.get(file) ?? Infinity;
    let before = 0;
    while (before < o.offsets.length && o.offsets[before] < at) before++;
    const key = `${before}\0${all.map((p) => (p.opaque ? '?' : p.negate ? '!' : '') + p.text).join('\0')}`;
    const cached = o.cache.get(key);
    if (cached) return cached;
    const known = (n: string): 0 | 1 | undefined => {
      const d = o.defined.get(n);
      if (d !== undefined) return d < at ? 1 : undefined;
      return o.undefinedNames.has(n) ? 0 : undefined;
    };
    const kept: ConditionPart[] = [];
    let result: Decision | undefined;
    for (const p of all) {
      if (p.opaque) { kept.push(p); continue; }
      const pieces = p.negate ? [p.text] : conjuncts(p.text);
      const left: string[] = [];
      for (const c of pieces) {
        const v = this.mentions(c) ? this.evaluateConjunct(p.negate ? `!(${c})` : c, o, known) : undefined;
        if (v === 0) { result = { holds: false }; break; }
        if (v === undefined) left.push(c);
      }
      if (result) break;
      if (left.length === pieces.length) kept.push(p);
      else if (left.length) kept.push({ text: left.join(' && ') });
    }
    result ??= { holds: true, condition: label(kept) };
    o.cache.set(key, result);
    return result;
  }

  /** 1 / 0 when the conjunct's value is settled for the object, undefined when it is not. */
  private evaluateConjunct(text: string, o: ObjectFacts, known: (n: string) => 0 | 1 | undefined): 0 | 1 | undefined {
    const toks = tokenize(text);
    const free = new Set<string>();
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (t.kind !== 'id' || t.text === 'defined' || known(t.text) !== undefined) continue;
      const m = o.macros.get(t.text);
      if (m?.params && toks[i + 1]?.text === '(') continue; // helper: is_defined, __not, __and …
      const operand = toks[i - 1]?.text === 'defined'
        || (toks[i - 1]?.text === '(' && (toks[i - 2]?.text === 'defined' || IS_DEFINED.has(toks[i - 2]?.text ?? '')) && toks[i + 1]?.text === ')');
      if (!operand) return undefined;
      free.add(t.text);
    }
    if (free.size > MAX_ENUMERATED) return undefined;
    const freeNames = [...free];
    let seen: 0 | 1 | undefined;
    for (let mask = 0; mask < 1 << freeNames.length; mask++) {
      const assigned = new Map(freeNames.map((n, k) => [n, (mask >> k) & 1]));
      const table: MacroLookup = {
        get: (n) => {
          const a = assigned.get(n);
          if (a !== undefined) return a ? ONE : undefined;
          const k = known(n);
          if (k === 0) return undefined;
          return o.macros.get(n);
        },
      };
      const v = evaluateIf(toks, table);
      if (v === undefined || (seen !== undefined && v !== seen)) return undefined;
      seen = v;
    }
    return seen;
  }
}

/** `#if` value of the tokens over a macro table: `defined` first, then expansion, leftover names are 0. */
function evaluateIf(toks: readonly Token[], table: MacroLookup): 0 | 1 | undefined {
  const resolved: Token[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'id' || t.text !== 'defined') { resolved.push(t); continue; }
    const paren = toks[i + 1]?.text === '(';
    const name = toks[i + (paren ? 2 : 1)];
    if (!name || name.kind !== 'id' || (paren && toks[i + 3]?.text !== ')')) return undefined;
    resolved.push(tok('num', table.get(name.text) ? '1' : '0', -1, -1));
    i += paren ? 3 : 1;
  }
  const e = expand(resolved, table, { budget: 4000 });
  if (e.truncated) return undefined;
  const flat = e.tokens.map((t): Token => (t.kind === 'id' ? tok('num', '0', -1, -1) : t));
  const v = evaluate(flat, { macros: NO_MACROS });
  return v === undefined ? undefined : v ? 1 : 0;
}

function mentionsAny(text: string, names: ReadonlySet<string>): boolean {
  const re = /[A-Za-z_]\w*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) if (names.has(m[0])) return true;
  return false;
}

/**
 * Splits `A && B && (C || D)` at its top-level `&&`s. Only when nothing binds looser than `&&` at the top
 * level (no `||`, `?:` or `,` outside parentheses); otherwise the whole expression is one conjunct.
 * (The modes evaluator splits graph conditions with it too.)
 */
export function conjuncts(expr: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      if (c === '?' || c === ',' || (c === '|' && expr[i + 1] === '|')) return [expr];
      if (c === '&' && expr[i + 1] === '&') { out.push(expr.slice(from, i).trim()); from = i + 2; i++; }
    }
  }
  out.push(expr.slice(from).trim());
  return out.some((p) => !p) ? [expr] : out;
}
