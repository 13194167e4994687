// Builds the graph from the indexed tree: call sites (direct and macro-expanded), tail-call wrappers
// (derived by tracing the slot parameter down to a primitive), programs per object, and the edges
// call / tail / dynamic-tail with slots resolved per program object.
import crypto from 'node:crypto';
import type { Graph, GraphEdge, GraphProgram, EdgeKind } from './graph-schema';
import type { FileFacts, FunctionFact, RawCallSite } from './facts';
import type { MacroDef } from './directives';
import { conditionText, framesAt, type ConditionFrame } from './directives';
import { expand, evaluateText, type MacroLookup } from './macros';
import { ProgramAnalyzer, resolveMapName, switchValue, type ProgramDecl } from './programs';
import { ObjectConditions, type ConditionPart } from './object-conditions';
import { attachPointFor, PROGRAM_ARRAYS, type MapRole } from './loader-facts';
import { tokenize, tokensText, C_KEYWORDS, type Token } from './tokens';
import type { TreeModel, ObjectEnv, Located } from './tree-model';
import { positionOf } from './extract';

/** The tail-call primitives: (ctx, map, slot). Everything else is derived from them. */
export const PRIMITIVES: Record<string, { map: number; slot: number; dynamic: boolean }> = {
  tail_call_static: { map: 1, slot: 2, dynamic: false },
  tail_call_dynamic: { map: 1, slot: 2, dynamic: true },
  bpf_tail_call: { map: 1, slot: 2, dynamic: false },
  tail_call: { map: 1, slot: 2, dynamic: false },
};
const PRIMITIVE_NAMES = new Set(Object.keys(PRIMITIVES));

export interface Wrapper {
  name: string;
  slotIndex: number;
  /** The map as written inside the wrapper, or the index of the parameter carrying it. */
  mapText?: string;
  mapIndex?: number;
  primitive: string;
  file: string;
}

export interface SiteTarget { name: string; object?: string }

export type SiteKind = 'direct' | 'macro' | 'tail' | 'dynamic-tail';

export interface ResolvedSite {
  file: string;
  /** Enclosing function. */
  function: string;
  callee: string;
  kind: SiteKind;
  via?: string;
  start: number; end: number; nameStart: number; nameEnd: number;
  line: number;
  slot?: string;
  slotValue?: number;
  condition?: string;
  targets: SiteTarget[];
}

export interface ProgramInfo extends GraphProgram {
  nameStart: number;
  nameEnd: number;
  mapRole?: MapRole;
  mapName?: string;
}

export interface TreeDiagnostic { file: string; start: number; end: number; message: string; severity: 'error' | 'warning' | 'info' }

export interface GraphBuild {
  graph: Graph;
  objects: string[];
  programs: ProgramInfo[];
  sites: ResolvedSite[];
  /** The same sites grouped by file (lookups at a position look in one file only). */
  sitesByFile: Map<string, ResolvedSite[]>;
  wrappers: Map<string, Wrapper>;
  diagnostics: TreeDiagnostic[];
}

/** A call found in a function body, possibly only after expanding a macro there. */
interface SubSite { callee: string; args: string[]; via?: string; cond?: string; raw: RawCallSite; switchCond?: string; switchWhen?: 0 | 1 }

/** Caches that survive rebuilds (keyed by text, so they stay valid as long as macros do). */
export class ResolverCaches {
  macroSites = new Map<string, MacroCall[]>();
  mayCall = new Map<string, boolean>();
  programs = new ProgramAnalyzer();
  programsOf = new WeakMap<FileFacts, Map<string, ProgramInfo[]>>();
  subSites = new WeakMap<FunctionFact, SubSite[]>();
  forwards = new WeakMap<FunctionFact, boolean>();
  fileResults = new WeakMap<FileFacts, FileResult>();
  /** What the last wrapper derivation saw, per file: reused while no file's signature changes. */
  wrapperInputs = { key: '', files: new Map<string, WrapperInput>() };
  wrappers?: Map<string, Wrapper>;
  slotCache = new Map<string, number | undefined>();
  siteEpoch = '';
  objectView?: { key: string; inObject: Set<string>; macros: MacroLookup; alternatives: Map<string, Alternatives>; allMacroNames: Set<string>; bodyNames?: Set<string> };
  /** Conditions each object decides (object-conditions.ts), for one environment epoch. */
  objectConditions?: { epoch: number; conditions: ObjectConditions };
  /** Everything derived from macros is stale once a #define changed. */
  clear(): void {
    this.macroSites.clear();
    this.mayCall.clear();
    this.programs = new ProgramAnalyzer();
    this.programsOf = new WeakMap();
    this.subSites = new WeakMap();
    this.forwards = new WeakMap();
    this.fileResults = new WeakMap();
    this.wrapperInputs = { key: '', files: new Map() };
    this.wrappers = undefined;
    this.slotCache.clear();
    this.siteEpoch = '';
    this.objectView = undefined;
    this.objectConditions = undefined;
  }
}

function mayIntroduceCall(name: string, macros: MacroLookup, cache: Map<string, boolean>, isFunction: (n: string) => boolean): boolean {
  const known = cache.get(name);
  if (known !== undefined) return known;
  cache.set(name, false);
  const m = macros.get(name);
  let result = false;
  if (m) {
    const params = new Set(m.params ?? []);
    for (let i = 0; i < m.body.length && !result; i++) {
      const t = m.body[i];
      if (t.text === '##') result = true;
      else if (t.kind !== 'id') continue;
      else if (params.has(t.text)) result = m.body[i + 1]?.text === '(';
      else if (PRIMITIVE_NAMES.has(t.text) || (m.body[i + 1]?.text === '(' && isFunction(t.text))) result = true;
      else if (macros.get(t.text)) result = mayIntroduceCall(t.text, macros, cache, isFunction);
    }
  }
  cache.set(name, result);
  return result;
}

/**
 * Names with more than one meaning in the objects' files: a macro with differing definitions (#if branches,
 * per-object headers), or a macro that is also a function. Primitives keep their one meaning.
 */
interface Alternatives { defs: MacroDef[]; functions: Located<FunctionFact>[] }

function alternativesOf(all: Map<string, MacroDef[]>, model: TreeModel, inObject: Set<string>): Map<string, Alternatives> {
  const out = new Map<string, Alternatives>();
  for (const [name, defs] of all) {
    if (PRIMITIVE_NAMES.has(name)) continue;
    const functions = model.hasFunction(name) ? model.functionDefinitions(name).filter((f) => inObject.has(f.file)) : [];
    if (distinctDefs(defs).length + (functions.length ? 1 : 0) > 1) out.set(name, { defs, functions });
  }
  return out;
}

/**
 * Names defined as functions by an edited (or removed) file before the edit but not after, or after but not
 * before: a call to such a name elsewhere may have become, or stopped being, a call into the tree.
 */
function functionNamesChanged(model: TreeModel, caches: ResolverCaches): Set<string> {
  const changed = new Set<string>();
  for (const [file, known] of caches.wrapperInputs.files) {
    const facts = model.files.get(file);
    if (known.facts === facts) continue;
    const was = new Set(known.facts.functions.map((f) => f.name));
    const now = new Set(facts?.functions.map((f) => f.name) ?? []);
    for (const n of was) if (!now.has(n)) changed.add(n);
    for (const n of now) if (!was.has(n)) changed.add(n);
  }
  return changed;
}

/** Every identifier written in a macro body of the tree (bodies as text: most are never tokenized). */
function macroBodyNames(model: TreeModel): Set<string> {
  const out = new Set<string>();
  for (const facts of model.files.values()) for (const d of facts.defines) for (const m of d.bodyText.matchAll(/[A-Za-z_]\w*/g)) out.add(m[0]);
  return out;
}

/** Definitions that differ (a macro defined alike in two headers has one meaning); the first of each kept. */
function distinctDefs(defs: MacroDef[]): MacroDef[] {
  const out: MacroDef[] = [];
  const same = (x: MacroDef, d: MacroDef) => x.bodyText === d.bodyText && !!x.params === !!d.params && (x.params ?? []).join(',') === (d.params ?? []).join(',');
  for (const d of defs) if (!out.some((x) => same(x, d))) out.push(d);
  return out;
}

/**
 * A call a macro introduces. Under one value of an `is_defined` switch only: `cond` is the switch argument
 * as written (also `switchCond`), `switchWhen` the value (0/1) that argument has where the call exists.
 */
interface MacroCall { callee: string; args: string[]; cond?: string; switchCond?: string; switchWhen?: 0 | 1 }

/** Calls a macro invocation introduces (callee or its '(' made by the macro body), under both is_defined assumptions. */
function macroSubSites(text: string, macros: MacroLookup): MacroCall[] {
  // Written-out tokens stay unexpanded objects (keepSourceObjects), except an object-like callee (an alias).
  // Tokens of the expander's own shape (hide and fromArg included): one object shape keeps expand() optimized.
  const input = tokenize(text).map((t, i): Token => ({ kind: t.kind, text: t.text, start: 0, end: 0, hide: undefined, fromArg: i > 0 || !!macros.get(t.text)?.params }));
  const first = expand(input, macros, { assumeDefined: 1, stop: PRIMITIVE_NAMES, keepSourceObjects: true, budget: 4000 });
  const variants: { tokens: Token[]; label?: 1 | 0 }[] = [{ tokens: first.tokens, label: first.usedAssumption ? 1 : undefined }];
  if (first.usedAssumption) variants.push({ tokens: expand(input, macros, { assumeDefined: 0, stop: PRIMITIVE_NAMES, keepSourceObjects: true, budget: 4000 }).tokens, label: 0 });
  const found = variants.map((v) => ({ label: v.label, calls: callsIn(v.tokens) }));
  if (found.length === 1) return found[0].calls;
  // A call present under both assumptions is unconditional; otherwise it carries the switch's condition
  // as written (the issue's rule: invoke_tailcall_if's tail edge and its direct-call fallback are both
  // labelled COND; which arm is which follows from the edge kind).
  const cond = condArg(text);
  const key = (c: { callee: string; args: string[] }) => c.callee + '(' + c.args.join(',') + ')';
  const on = new Set(found[0].calls.map(key));
  const off = new Set(found[1].calls.map(key));
  const arm = (value: 0 | 1) => {
    const when = cond === undefined ? undefined : switchValue(cond, macros, value);
    return when === undefined ? { cond } : { cond, switchCond: cond, switchWhen: when };
  };
  const out: MacroCall[] = found[0].calls.map((c) => (off.has(key(c)) ? c : { ...c, ...arm(1) }));
  for (const c of found[1].calls) if (!on.has(key(c))) out.push({ ...c, ...arm(0) });
  return out;
}

function condArg(text: string): string | undefined {
  const toks = tokenize(text);
  if (toks[1]?.text !== '(') return undefined;
  let depth = 0;
  let cur: Token[] = [];
  const args: Token[][] = [];
  for (let i = 1; i < toks.length; i++) {
    const s = toks[i].text;
    if (s === '(') { depth++; if (depth === 1) continue; }
    if (s === ')') { depth--; if (depth === 0) { args.push(cur); break; } }
    if (s === ',' && depth === 1) { args.push(cur); cur = []; continue; }
    cur.push(toks[i]);
  }
  return args.map((a) => tokensText(a)).find((a) => /is_defined|__and\b|__or\b|__not\b/.test(a));
}

function callsIn(tokens: readonly Token[]): { callee: string; args: string[] }[] {
  const out: { callee: string; args: string[] }[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    const p = tokens[i + 1];
    if (t.kind !== 'id' || p.text !== '(' || C_KEYWORDS.has(t.text) || t.text.startsWith('__builtin_')) continue;
    const introduced = !t.fromArg || !p.fromArg;
    if (!introduced) continue;
    const prev = tokens[i - 1]?.text;
    if (prev === '.' || prev === '->') continue;
    let depth = 0;
    let cur: Token[] = [];
    const args: string[] = [];
    for (let k = i + 1; k < tokens.length; k++) {
      const s = tokens[k].text;
      if (s === '(' || s === '[' || s === '{') { depth++; if (depth === 1) continue; }
      if (s === ')' || s === ']' || s === '}') { depth--; if (depth === 0) { if (cur.length || args.length) args.push(tokensText(cur)); break; } }
      if (s === ',' && depth === 1) { args.push(tokensText(cur)); cur = []; continue; }
      cur.push(tokens[k]);
    }
    out.push({ callee: t.text, args });
  }
  return out;
}

function paramOf(arg: string | undefined, params: readonly string[]): number {
  if (!arg) return -1;
  const m = /^(?:\(\s*[\w\s*]+\)\s*)?(\w+)$/.exec(arg.trim());
  return m ? params.indexOf(m[1]) : -1;
}

function splitTernary(text: string): string[] {
  let depth = 0;
  let q = -1;
  let c = -1;
  let nested = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && ch === '?') { if (q < 0) q = i; else nested++; }
    else if (depth === 0 && ch === ':' && q >= 0) { if (nested) nested--; else { c = i; break; } }
  }
  if (q < 0 || c < 0) {
    const inner = /^\s*\((.*)\)\s*$/s.exec(text);
    if (inner && inner[1].includes('?')) return splitTernary(inner[1]);
    return [text.trim()];
  }
  return [...splitTernary(text.slice(q + 1, c)), ...splitTernary(text.slice(c + 1))];
}

interface FileResult { key: string; edges: GraphEdge[]; sites: ResolvedSite[]; diagnostics: TreeDiagnostic[] }

/**
 * Rebuilds the graph. Work is cached per file (keyed by the FileFacts object, which an edit replaces) so
 * that after a one-file edit only that file's programs, sites and edges are recomputed, unless the edit
 * changed what other files depend on (the set of programs or wrappers).
 */
export function buildGraph(model: TreeModel, caches: ResolverCaches): GraphBuild {
  const diagnostics: TreeDiagnostic[] = [];
  const global = model.globalMacros;

  // 1. Programs, per object. An object is a bpf_*.c at the root that declares entry programs.
  const programs: ProgramInfo[] = [];
  const objects: string[] = [];
  const programsByObject = new Map<string, ProgramInfo[]>();
  /** Programs of the object's files that its own #defines compile out (named in "no program" notes). */
  const compiledOutByObject = new Map<string, ProgramInfo[]>();
  const candidates = [...model.files.keys()].filter((f) => !f.includes('/') && f.endsWith('.c')).sort();
  if (caches.objectConditions?.epoch !== model.envEpoch) caches.objectConditions = { epoch: model.envEpoch, conditions: new ObjectConditions(model) };
  const objectConditions = caches.objectConditions.conditions;
  for (const object of candidates) {
    const env = model.env(object);
    const found: ProgramInfo[] = [];
    const compiledOut: ProgramInfo[] = [];
    for (const file of env.files) {
      const facts = model.files.get(file)!;
      let perObject = caches.programsOf.get(facts);
      if (!perObject) { perObject = new Map(); caches.programsOf.set(facts, perObject); }
      const perKey = `${object}@${model.envEpoch}`;
      let list = perObject.get(perKey);
      let out = perObject.get(`${perKey}\0out`);
      if (!list || !out) {
        list = [];
        out = [];
        for (const fn of facts.functions) {
          if (!fn.markers.length) continue;
          const decl = caches.programs.analyzeCached(perKey, fn.name, fn.markers, env);
          if (!decl) continue;
          // A program the object compiles out (its #if or marker switch is false there) is not the object's.
          const parts = [{ text: conditionText(fn.conditions) ?? '' }, { text: decl.markerCondition ?? '' }];
          const decided = objectConditions.decide(object, file, fn.start, parts);
          if (decided.holds) list.push(programInfo(fn, file, object, decl, model, decided.condition));
          else out.push(programInfo(fn, file, object, decl, model, parts.map((p) => p.text).filter(Boolean).join(' && ')));
        }
        perObject.set(perKey, list);
        perObject.set(`${perKey}\0out`, out);
      }
      found.push(...list);
      compiledOut.push(...out);
    }
    if (!found.some((p) => p.kind !== 'tail')) continue;
    objects.push(object);
    programsByObject.set(object, found);
    compiledOutByObject.set(object, compiledOut);
    programs.push(...found);
    reportSlotClashes(found, diagnostics);
  }
  const policyPrograms = programs.filter((p) => p.kind === 'policy');
  const envKey = `${model.envEpoch}|${objects.join(',')}`;
  // An edit that adds or removes a function named like a visible macro changes what that name's sites mean
  // (macro and function alternatives): derive the sites afresh then (rare: #defines did not change).
  const renamed = functionNamesChanged(model, caches);
  if (caches.objectView?.key === envKey && [...renamed].some((n) => caches.objectView!.allMacroNames.has(n))) {
    caches.objectView = undefined;
    caches.subSites = new WeakMap();
    caches.forwards = new WeakMap();
    caches.fileResults = new WeakMap();
    caches.wrappers = undefined;
    caches.wrapperInputs = { key: '', files: new Map() };
  }
  if (caches.objectView?.key !== envKey) {
    // Macros at call sites expand with the definitions the objects see (a test's mock `#define` of a
    // datapath function must not shadow the real function).
    const visible = new Map<string, MacroDef>();
    const all = new Map<string, MacroDef[]>();
    for (const o of objects) for (const f of model.env(o).files) for (const d of model.files.get(f)!.defines) {
      if (!visible.has(d.name)) visible.set(d.name, d);
      const list = all.get(d.name);
      if (!list) all.set(d.name, [d]); else if (!list.includes(d)) list.push(d);
    }
    const inObjectFiles = new Set(objects.flatMap((o) => model.env(o).files));
    caches.objectView = { key: envKey, inObject: inObjectFiles, macros: { get: (n) => visible.get(n) }, alternatives: alternativesOf(all, model, inObjectFiles), allMacroNames: new Set(all.keys()) };
  }
  // A function added or removed by an edit: cached results of files calling that name are stale (their
  // sites were, or were not, calls into the tree). A name a macro body mentions may change what macros
  // expand to as well: then every file's sites are derived afresh.
  if (renamed.size) {
    caches.objectView.bodyNames ??= macroBodyNames(model);
    if ([...renamed].some((n) => caches.objectView!.bodyNames!.has(n))) {
      caches.mayCall.clear();
      caches.subSites = new WeakMap();
      caches.forwards = new WeakMap();
      caches.fileResults = new WeakMap();
    } else {
      for (const facts of model.files.values()) {
        if (facts.functions.some((fn) => fn.sites.some((raw) => renamed.has(raw.callee)))) caches.fileResults.delete(facts);
      }
    }
  }
  const inObject = caches.objectView.inObject;
  const objectMacros = caches.objectView.macros;
  const alternatives = caches.objectView.alternatives;
  const isFunction = (n: string) => model.hasFunction(n);

  // 2. Every function's calls, including the ones macros introduce (expanded only where an object sees
  //    them: test and tool sources keep their direct calls).
  const allFunctions: { file: string; fn: FunctionFact }[] = [];
  const subSitesOf = (file: string, fn: FunctionFact): SubSite[] => {
    let subs = caches.subSites.get(fn);
    if (subs) return subs;
    subs = [];
    for (const raw of fn.sites) {
      const alt = inObject.has(file) ? alternatives.get(raw.callee) : undefined;
      if (alt) { alternativeSubSites(file, raw, alt, subs); continue; }
      const m = inObject.has(file) ? objectMacros.get(raw.callee) : global.get(raw.callee);
      if (m && !PRIMITIVE_NAMES.has(raw.callee) && (m.params || (inObject.has(file) && isAlias(m)))) {
        if (!inObject.has(file) || (m.params && !mayIntroduceCall(raw.callee, objectMacros, caches.mayCall, isFunction))) continue;
        const text = `${raw.callee}(${raw.args.join(', ')})`;
        let expanded = caches.macroSites.get(text);
        if (!expanded) { expanded = macroSubSites(text, objectMacros); caches.macroSites.set(text, expanded); }
        for (const e of expanded) subs.push({ ...e, via: raw.callee, raw });
        continue;
      }
      subs.push({ callee: raw.callee, args: raw.args, raw });
    }
    caches.subSites.set(fn, subs);
    return subs;
  };
  // An object-like macro naming a function or a call-making macro (`#define dbg_lb dbg`): its calls are the alias's.
  const isAlias = (m: MacroDef) => m.body.length === 1 && m.body[0].kind === 'id'
    && (isFunction(m.body[0].text) || PRIMITIVE_NAMES.has(m.body[0].text) || !!objectMacros.get(m.body[0].text));
  const objectsOfFile = new Map<string, string[]>();
  const seenFrom = (file: string, def: string) => {
    let objs = objectsOfFile.get(file);
    if (!objs) { objs = model.objectsIncluding(file, objects); objectsOfFile.set(file, objs); }
    return objs.some((o) => model.env(o).fileSet.has(def));
  };
  // A name with several meanings (macro definitions in several #if branches or headers, or a macro and a
  // function): the calls of every meaning the site's objects see, each under the #if of its definition.
  const alternativeSubSites = (file: string, raw: RawCallSite, alt: Alternatives, subs: SubSite[]) => {
    const defs = distinctDefs(alt.defs.filter((d) => seenFrom(file, d.file)));
    const fns = alt.functions.filter((f) => seenFrom(file, f.file));
    const label = defs.length + (fns.length ? 1 : 0) > 1;
    const text = `${raw.callee}(${raw.args.join(', ')})`;
    let callsItself = false;
    for (const d of defs) {
      const key = `${d.file}:${d.start}\0${text}`;
      let expanded = caches.macroSites.get(key);
      if (!expanded) {
        expanded = macroSubSites(text, { get: (n) => (n === raw.callee ? d : objectMacros.get(n)) });
        caches.macroSites.set(key, expanded);
      }
      const defCond = label ? conditionTextOf(d.conditions) : undefined;
      for (const e of expanded) {
        if (e.callee === raw.callee) callsItself = true;
        const cond = defCond && e.cond ? `${defCond} && ${e.cond}` : defCond ?? e.cond;
        subs.push({ ...e, ...(cond ? { cond } : {}), via: raw.callee, raw });
      }
    }
    if (!fns.length || callsItself) return;
    const conds = fns.map((f) => conditionTextOf(f.item.conditions));
    const distinct = [...new Set(conds)];
    const cond = !label || conds.some((c) => !c) ? undefined : distinct.length === 1 ? distinct[0] : `(${distinct.map((c) => `(${c})`).join(' || ')})`;
    subs.push({ callee: raw.callee, args: raw.args, raw, ...(cond ? { cond } : {}) });
  };
  // 3. Wrappers: functions passing one of their parameters as the slot of a primitive or another wrapper.
  //    The fixpoint visits every call of every function a few times; after an edit that changed no
  //    function's name, parameters or calls (the usual edit), the previous result stands.
  const wrapperKey = caches.objectView.key;
  let wrappersUnchanged = caches.wrapperInputs.key === wrapperKey && caches.wrapperInputs.files.size === model.files.size;
  for (const [file, facts] of model.files) {
    const known = caches.wrapperInputs.files.get(file);
    if (known?.facts === facts) continue;
    // Signatures are computed only when a file's facts were replaced (an edit), old and new.
    // The old facts' signature is usually known from the edit before (computed under the same macros).
    let signature: string | undefined;
    if (known && wrappersUnchanged) {
      const before = known.signatureKey === wrapperKey ? known.signature! : wrapperSignature(file, known.facts, subSitesOf);
      signature = wrapperSignature(file, facts, subSitesOf);
      if (before !== signature) wrappersUnchanged = false;
    } else wrappersUnchanged = false;
    caches.wrapperInputs.files.set(file, signature === undefined ? { facts } : { facts, signature, signatureKey: wrapperKey });
  }
  if (caches.wrapperInputs.files.size !== model.files.size) {
    for (const file of [...caches.wrapperInputs.files.keys()]) if (!model.files.has(file)) caches.wrapperInputs.files.delete(file);
    wrappersUnchanged = false;
  }
  caches.wrapperInputs.key = wrapperKey;
  const wrappers = wrappersUnchanged && caches.wrappers ? caches.wrappers : deriveWrappers();
  caches.wrappers = wrappers;
  function deriveWrappers(): Map<string, Wrapper> {
  for (const [file, facts] of model.files) for (const fn of facts.functions) allFunctions.push({ file, fn });
  const wrappers = new Map<string, Wrapper>();
  const forwarding = allFunctions.filter(({ file, fn }) => {
    let f = caches.forwards.get(fn);
    if (f === undefined) {
      f = fn.params.length > 0 && !PRIMITIVE_NAMES.has(fn.name) && subSitesOf(file, fn).some((s) => s.args.some((a) => paramOf(a, fn.params) >= 0));
      caches.forwards.set(fn, f);
    }
    return f;
  });
  for (let changed = true, rounds = 0; changed && rounds < 10; rounds++) {
    changed = false;
    for (const { file, fn } of forwarding) {
      if (wrappers.has(fn.name)) continue;
      for (const s of subSitesOf(file, fn)) {
        const prim = PRIMITIVES[s.callee];
        const w = wrappers.get(s.callee);
        if (!prim && !w) continue;
        const slotIndex = paramOf(s.args[prim ? prim.slot : w!.slotIndex], fn.params);
        if (slotIndex < 0) continue;
        const mapArgIndex = prim ? prim.map : w!.mapIndex;
        const mapText = prim ? s.args[prim.map] : w!.mapText;
        const mapParam = mapArgIndex !== undefined ? paramOf(s.args[mapArgIndex], fn.params) : -1;
        wrappers.set(fn.name, {
          name: fn.name, slotIndex, file, primitive: prim ? s.callee : w!.primitive,
          mapIndex: mapParam >= 0 ? mapParam : undefined, mapText: mapParam >= 0 ? undefined : mapText,
        });
        changed = true;
        break;
      }
    }
  }
  return wrappers;
  }

  // 4. Sites and edges, per file; reused when neither the file nor the programs/wrappers changed.
  const epoch = crypto.createHash('sha1').update(JSON.stringify([model.envEpoch, objects, [...wrappers.values()],
    programs.map((p) => [p.name, p.object, p.kind, p.slotValue, p.mapRole])])).digest('hex');
  const ctx: SiteContext = { model, objects, programsByObject, policyPrograms, wrappers, objectsOfFile: new Map(), slotCache: caches.slotCache, mapRoles: new Map(), conditions: objectConditions, compiledOutByObject };
  if (caches.siteEpoch !== epoch) { caches.siteEpoch = epoch; caches.slotCache.clear(); }
  const edges: GraphEdge[] = [];
  const sites: ResolvedSite[] = [];
  const sitesByFile = new Map<string, ResolvedSite[]>();
  for (const [file, facts] of model.files) {
    let r = caches.fileResults.get(facts);
    if (!r || r.key !== epoch) {
      r = resolveFile(file, facts.functions.map((fn) => ({ fn, subs: subSitesOf(file, fn) })), ctx);
      r.key = epoch;
      r.edges = dedupeEdges(r.edges);
      caches.fileResults.set(facts, r);
    }
    edges.push(...r.edges);
    sites.push(...r.sites);
    if (r.sites.length) sitesByFile.set(file, r.sites);
    diagnostics.push(...r.diagnostics);
  }

  const graph: Graph = {
    programs: programs.map(({ nameStart: _a, nameEnd: _b, mapRole: _c, mapName: _d, ...p }) => p),
    edges,
  };
  return { graph, objects, programs, sites, sitesByFile, wrappers, diagnostics };
}

interface WrapperInput { facts: FileFacts; signature?: string; signatureKey?: string }

/** Everything of a file the wrapper derivation reads: function names, parameters and calls (not positions). */
function wrapperSignature(file: string, facts: FileFacts, subSitesOf: (file: string, fn: FunctionFact) => SubSite[]): string {
  const parts: string[] = [];
  for (const fn of facts.functions) {
    parts.push(`${fn.name}(${fn.params.join(',')})`);
    for (const s of subSitesOf(file, fn)) parts.push(`${s.callee}(${s.args.join(',')})`);
  }
  return parts.join('\n');
}

interface SiteContext {
  model: TreeModel;
  objects: string[];
  programsByObject: Map<string, ProgramInfo[]>;
  policyPrograms: ProgramInfo[];
  wrappers: Map<string, Wrapper>;
  objectsOfFile: Map<string, string[]>;
  slotCache: Map<string, number | undefined>;
  /** Map role and name of a tail-call site's map text, per object (one build). */
  mapRoles: Map<string, { role?: MapRole; name?: string }>;
  conditions: ObjectConditions;
  compiledOutByObject: Map<string, ProgramInfo[]>;
}

/** conditionText() per frames array: a file's regions share their frames arrays, and sites share regions. */
const conditionTexts = new WeakMap<readonly ConditionFrame[], string | null>();
function conditionTextOf(frames: readonly ConditionFrame[]): string | undefined {
  let t = conditionTexts.get(frames);
  if (t === undefined) { t = conditionText(frames) ?? null; conditionTexts.set(frames, t); }
  return t ?? undefined;
}

function resolveFile(file: string, functions: { fn: FunctionFact; subs: SubSite[] }[], ctx: SiteContext): FileResult {
  const { model, wrappers } = ctx;
  const facts = model.files.get(file)!;
  const out: FileResult = { key: '', edges: [], sites: [], diagnostics: [] };
  const lineOf = (offset: number) => positionOf(facts.lineStarts, offset).line + 1;
  const condOf = (offset: number, extra?: string) => {
    const base = conditionTextOf(framesAt(facts, offset));
    if (!base || !extra) return base ?? extra;
    // A definition's #if that the site already sits in is said once.
    return (' && ' + base + ' && ').includes(' && ' + extra + ' && ') ? base : `${base} && ${extra}`;
  };
  const objectsFor = (): string[] => {
    let o = ctx.objectsOfFile.get(file);
    if (!o) { o = ctx.objects.filter((obj) => model.env(obj).fileSet.has(file)); ctx.objectsOfFile.set(file, o); }
    return o;
  };
  const evalIn = (env: ObjectEnv, text: string) => {
    const key = env.object + '\0' + text;
    if (ctx.slotCache.has(key)) return ctx.slotCache.get(key);
    const v = evaluateText(text, env);
    ctx.slotCache.set(key, v);
    return v;
  };
  const roleOfMap = (mapText: string | undefined, env: ObjectEnv): { role?: MapRole; name?: string } => {
    if (!mapText) return {};
    const key = env.object + '\0' + mapText;
    let r = ctx.mapRoles.get(key);
    if (r) return r;
    const name = resolveMapName(mapText, env.macros);
    r = { name };
    for (const a of PROGRAM_ARRAYS) if (a.names.some((n) => resolveMapName(n, env.macros) === name)) { r = { role: a.role, name }; break; }
    ctx.mapRoles.set(key, r);
    return r;
  };
  const seenCall = new Set<string>();
  // The condition of a site as parts an object can decide: the #if frames, the macro's own condition,
  // and an is_defined switch arm (true where the switch argument has the arm's value).
  const partsOf = (offset: number, s: SubSite): ConditionPart[] => {
    const frames = { text: conditionTextOf(framesAt(facts, offset)) ?? '' };
    if (!s.cond) return [frames];
    if (!s.switchCond || !s.cond.endsWith(s.switchCond)) return [frames, { text: s.cond }];
    const rest = s.cond.slice(0, s.cond.length - s.switchCond.length).replace(/\s*&&\s*$/, '');
    const arm = s.switchWhen === undefined ? { text: s.switchCond, opaque: true } : { text: s.switchCond, negate: s.switchWhen === 0 };
    return [frames, { text: rest }, arm];
  };

  // Tail-call sites (a primitive or a wrapper): rare next to direct calls, and kept out of the loop below so
  // that the loop compiles small (V8 optimizes it, not this, from the first files of a cold index).
  const tailSite = (fn: FunctionFact, fnWrapper: Wrapper | undefined, s: SubSite, prim: (typeof PRIMITIVES)[string] | undefined, w: Wrapper | undefined, line: number, condition: string | undefined): void => {
    const raw = s.raw;
    const slotText = s.args[prim ? prim.slot : w!.slotIndex];
    if (slotText === undefined) return;
    // The wrapper's own forwarding call (slot is its parameter) makes no edge; when it is dynamic (any
    // policy program) it is still a site, so the wrapper's outgoing calls show it.
    const own = !!fnWrapper && paramOf(slotText, fn.params) >= 0;
    const mapText = prim ? s.args[prim.map] : w!.mapIndex !== undefined ? s.args[w!.mapIndex] : w!.mapText;
    const via = s.via ?? s.callee;
    const parts = condition ? partsOf(raw.start, s) : [];
    for (const object of objectsFor()) {
      // Compiled out in this object (its own #defines decide the site's condition): no site there.
      const decided = condition ? ctx.conditions.decide(object, file, raw.start, parts) : undefined;
      if (decided && !decided.holds) continue;
      // An is_defined switch's arm keeps its label as written: modes pair it with the fallback call by label.
      const objectCondition = decided && !s.switchCond ? decided.condition : condition;
      const base = { file, function: fn.name, callee: s.callee, start: raw.start, end: raw.end, nameStart: raw.nameStart, nameEnd: raw.nameEnd, line, ...(objectCondition ? { condition: objectCondition } : {}) };
      const env = model.env(object);
      const map = roleOfMap(mapText, env);
      const branches = splitTernary(slotText);
      const values = branches.map((b) => evalIn(env, b));
      // Policy arrays are indexed by endpoint id, filled by the agent: any slot there is dynamic.
      const dynamic = !!map.role?.startsWith('policy')
        || (values.some((v) => v === undefined) && (prim?.dynamic || w?.primitive === 'tail_call_dynamic'));
      if (dynamic) {
        const targets = [...new Set(ctx.policyPrograms.filter((p) => !map.role || !p.mapRole || p.mapRole === map.role).map((t) => t.name))];
        out.sites.push({ ...base, kind: 'dynamic-tail', via, slot: slotText, targets: targets.map((name) => ({ name })) });
        if (!own) for (const name of targets) out.edges.push({ from: fn.name, to: name, kind: 'dynamic-tail', file, line, object, via, slot: slotText, ...(objectCondition ? { condition: objectCondition } : {}) });
        continue;
      }
      if (own) continue;
      branches.forEach((slot, bi) => {
        const value = values[bi];
        if (value === undefined) {
          out.diagnostics.push({ file, start: raw.start, end: raw.end, severity: 'info', message: `tail call slot '${slot}' cannot be evaluated in ${object}` });
          return;
        }
        const targets = uniqueBy((ctx.programsByObject.get(object) ?? []).filter((p) => p.kind === 'tail' && p.slotValue === value
          && (!map.role || !p.mapRole || p.mapRole === map.role)), (t) => t.name);
        out.sites.push({ ...base, kind: 'tail', via, slot, slotValue: value, targets: targets.map((t) => ({ name: t.name, object })) });
        if (!targets.length) {
          // Programs of other arrays (custom calls) are loaded from outside the tree: only a note. So is
          // a slot whose program the object's own #defines compile out (the call is there, the slot empty).
          const out0 = (ctx.compiledOutByObject.get(object) ?? []).filter((p) => p.kind === 'tail' && p.slotValue === value && (!map.role || !p.mapRole || p.mapRole === map.role));
          const severity = out0.length || (map.role && map.role !== 'calls') ? 'info' : 'warning';
          const why = out0.length ? `; ${out0.map((p) => `${p.name} is compiled out there${p.condition ? ` (${p.condition})` : ''}`).join(', ')}` : '';
          out.diagnostics.push({ file, start: raw.nameStart, end: raw.end, severity, message: `tail call to slot ${slot} (${value}) has no program in ${object}${map.name ? ` (map ${map.name})` : ''}${why}` });
        }
        for (const t of targets) out.edges.push({ from: fn.name, to: t.name, kind: 'tail', file, line, object, via, slot, slotValue: value, ...(objectCondition ? { condition: objectCondition } : {}) });
      });
    }
  };

  for (const { fn, subs } of functions) {
    const fnWrapper = wrappers.get(fn.name);
    for (const s of subs) {
      const raw = s.raw;
      const prim = PRIMITIVES[s.callee];
      const w = wrappers.get(s.callee);
      const isTree = model.hasFunction(s.callee);
      if (!prim && !w && !isTree) continue;
      const line = lineOf(raw.start);
      const condition = condOf(raw.start, s.cond);
      if (prim || w) {
        tailSite(fn, fnWrapper, s, prim, w, line, condition);
        continue;
      }
      // A call every object that sees the file compiles out is no call (call edges carry no object, and
      // keep their label as written). The fallback arm of a switch whose other arm no object keeps is
      // labelled without the switch (modes read a switch label on a call as the arm of a tail twin).
      let callCondition = condition;
      if (condition) {
        const objs = objectsFor();
        if (objs.length) {
          const parts = partsOf(raw.start, s);
          if (objs.every((o) => !ctx.conditions.decide(o, file, raw.start, parts).holds)) continue;
          if (s.switchCond && s.switchWhen !== undefined && parts.length === 3) {
            const other = partsOf(raw.start, { ...s, switchWhen: s.switchWhen ? 0 : 1 });
            if (objs.every((o) => !ctx.conditions.decide(o, file, raw.start, other).holds)) callCondition = condOf(raw.start, parts[1].text || undefined);
          }
        }
      }
      // Built field by field, in the order the spread form had (most sites are direct: this is the hot path).
      const site = { file, function: fn.name, callee: s.callee, start: raw.start, end: raw.end, nameStart: raw.nameStart, nameEnd: raw.nameEnd, line } as ResolvedSite;
      if (callCondition) site.condition = callCondition;
      site.kind = s.via ? 'macro' : 'direct';
      if (s.via) site.via = s.via;
      site.targets = [{ name: s.callee }];
      out.sites.push(site);
      const key = `${fn.name}\0${s.callee}\0${line}`;
      if (seenCall.has(key)) continue;
      seenCall.add(key);
      out.edges.push({ from: fn.name, to: s.callee, kind: 'call', file, line, ...(s.via ? { via: s.via } : {}), ...(callCondition ? { condition: callCondition } : {}) });
    }
  }
  return out;
}

function programInfo(fn: FunctionFact, file: string, object: string, decl: ProgramDecl, model: TreeModel, condition: string | undefined): ProgramInfo {
  const facts = model.files.get(file)!;
  const p: ProgramInfo = {
    name: fn.name, file, line: positionOf(facts.lineStarts, fn.nameStart).line + 1, kind: decl.kind, object,
    nameStart: fn.nameStart, nameEnd: fn.nameEnd,
  };
  if (decl.section) p.section = decl.section;
  // A policy program's "slot" is a template endpoint id the agent replaces: not a slot to show.
  if (decl.slot && decl.kind === 'tail') p.slot = decl.slot;
  if (decl.slotValue !== undefined && decl.kind === 'tail') p.slotValue = decl.slotValue;
  if (decl.kind === 'entry') {
    const attach = attachPointFor(fn.name, decl.section, object);
    if (attach) p.attach = attach;
  }
  if (condition) p.condition = condition;
  if (decl.mapRole) p.mapRole = decl.mapRole;
  if (decl.mapName) p.mapName = decl.mapName;
  return p;
}

function reportSlotClashes(found: ProgramInfo[], diagnostics: TreeDiagnostic[]): void {
  const bySlot = new Map<string, ProgramInfo[]>();
  for (const p of found) {
    if (p.kind !== 'tail' || p.slotValue === undefined) continue;
    const key = `${p.mapRole ?? ''}/${p.slotValue}`;
    const list = bySlot.get(key) ?? [];
    if (!list.some((q) => q.name === p.name && q.file === p.file)) list.push(p);
    bySlot.set(key, list);
  }
  for (const list of bySlot.values()) {
    if (list.length < 2) continue;
    const exclusive = list.every((p) => p.condition) && new Set(list.map((p) => p.condition)).size === list.length;
    for (const p of list) {
      const others = list.filter((q) => q !== p).map((q) => `${q.name} (${q.file}:${q.line}${q.condition ? `, if ${q.condition}` : ''})`);
      diagnostics.push({ file: p.file, start: p.nameStart, end: p.nameEnd, severity: exclusive ? 'info' : 'warning',
        message: `slot ${p.slot ?? p.slotValue} (${p.slotValue}) in ${p.object} also has ${others.join(', ')}` });
    }
  }
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => { const k = key(t); if (seen.has(k)) return false; seen.add(k); return true; });
}

function dedupeEdges(edges: GraphEdge[]): GraphEdge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const k = `${e.from}\0${e.to}\0${e.kind}\0${e.file}\0${e.line}\0${e.object ?? ''}\0${e.slot ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export type { EdgeKind };
