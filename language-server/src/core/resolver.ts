// Builds the graph from the indexed tree: call sites (direct and macro-expanded), tail-call wrappers
// (derived by tracing the slot parameter down to a primitive), programs per object, and the edges
// call / tail / dynamic-tail with slots resolved per program object.
import crypto from 'node:crypto';
import type { Graph, GraphEdge, GraphProgram, EdgeKind } from './graph-schema';
import type { FileFacts, FunctionFact, RawCallSite } from './facts';
import type { MacroDef } from './directives';
import { conditionText, framesAt, type ConditionFrame } from './directives';
import { expand, evaluateText, type MacroLookup } from './macros';
import { ProgramAnalyzer, resolveMapName, type ProgramDecl } from './programs';
import { attachPointFor, PROGRAM_ARRAYS, type MapRole } from './loader-facts';
import { tokenize, tokensText, C_KEYWORDS, type Token } from './tokens';
import type { TreeModel, ObjectEnv } from './tree-model';
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
interface SubSite { callee: string; args: string[]; via?: string; cond?: string; raw: RawCallSite }

/** Caches that survive rebuilds (keyed by text, so they stay valid as long as macros do). */
export class ResolverCaches {
  macroSites = new Map<string, { callee: string; args: string[]; cond?: string }[]>();
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
  objectView?: { key: string; inObject: Set<string>; macros: MacroLookup };
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

/** Calls a macro invocation introduces (callee or its '(' made by the macro body), under both is_defined assumptions. */
function macroSubSites(text: string, macros: MacroLookup): { callee: string; args: string[]; cond?: string }[] {
  const input = tokenize(text).map((t) => ({ ...t, start: 0, end: 0, fromArg: true }));
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
  const out = found[0].calls.map((c) => (off.has(key(c)) ? c : { ...c, cond }));
  for (const c of found[1].calls) if (!on.has(key(c))) out.push({ ...c, cond });
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
  const candidates = [...model.files.keys()].filter((f) => !f.includes('/') && f.endsWith('.c')).sort();
  for (const object of candidates) {
    const env = model.env(object);
    const found: ProgramInfo[] = [];
    for (const file of env.files) {
      const facts = model.files.get(file)!;
      let perObject = caches.programsOf.get(facts);
      if (!perObject) { perObject = new Map(); caches.programsOf.set(facts, perObject); }
      let list = perObject.get(object);
      if (!list) {
        list = [];
        for (const fn of facts.functions) {
          if (!fn.markers.length) continue;
          const decl = caches.programs.analyzeCached(`${object}@${model.envEpoch}`, fn.name, fn.markers, env);
          if (decl) list.push(programInfo(fn, file, object, decl, model));
        }
        perObject.set(object, list);
      }
      found.push(...list);
    }
    if (!found.some((p) => p.kind !== 'tail')) continue;
    objects.push(object);
    programsByObject.set(object, found);
    programs.push(...found);
    reportSlotClashes(found, diagnostics);
  }
  const policyPrograms = programs.filter((p) => p.kind === 'policy');
  const envKey = `${model.envEpoch}|${objects.join(',')}`;
  if (caches.objectView?.key !== envKey) {
    // Macros at call sites expand with the definitions the objects see (a test's mock `#define` of a
    // datapath function must not shadow the real function).
    const visible = new Map<string, MacroDef>();
    for (const o of objects) for (const f of model.env(o).files) for (const d of model.files.get(f)!.defines) if (!visible.has(d.name)) visible.set(d.name, d);
    caches.objectView = { key: envKey, inObject: new Set(objects.flatMap((o) => model.env(o).files)), macros: { get: (n) => visible.get(n) } };
  }
  const inObject = caches.objectView.inObject;
  const objectMacros = caches.objectView.macros;
  const isFunction = (n: string) => model.hasFunction(n);

  // 2. Every function's calls, including the ones macros introduce (expanded only where an object sees
  //    them: test and tool sources keep their direct calls).
  const allFunctions: { file: string; fn: FunctionFact }[] = [];
  const subSitesOf = (file: string, fn: FunctionFact): SubSite[] => {
    let subs = caches.subSites.get(fn);
    if (subs) return subs;
    subs = [];
    for (const raw of fn.sites) {
      const m = inObject.has(file) ? objectMacros.get(raw.callee) : global.get(raw.callee);
      if (m && m.params && !PRIMITIVE_NAMES.has(raw.callee)) {
        if (!inObject.has(file) || !mayIntroduceCall(raw.callee, objectMacros, caches.mayCall, isFunction)) continue;
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
  const epoch = crypto.createHash('sha1').update(JSON.stringify([objects, [...wrappers.values()],
    programs.map((p) => [p.name, p.object, p.kind, p.slotValue, p.mapRole])])).digest('hex');
  const ctx: SiteContext = { model, objects, programsByObject, policyPrograms, wrappers, objectsOfFile: new Map(), slotCache: caches.slotCache, mapRoles: new Map() };
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
    return base && extra ? `${base} && ${extra}` : base ?? extra;
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
      const base = { file, function: fn.name, callee: s.callee, start: raw.start, end: raw.end, nameStart: raw.nameStart, nameEnd: raw.nameEnd, line, ...(condition ? { condition } : {}) };
      if (prim || w) {
        const slotText = s.args[prim ? prim.slot : w!.slotIndex];
        if (slotText === undefined) continue;
        // The wrapper's own forwarding call (slot is its parameter) is not a site of its own.
        if (fnWrapper && paramOf(slotText, fn.params) >= 0) continue;
        const mapText = prim ? s.args[prim.map] : w!.mapIndex !== undefined ? s.args[w!.mapIndex] : w!.mapText;
        const via = s.via ?? s.callee;
        for (const object of objectsFor()) {
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
            for (const name of targets) out.edges.push({ from: fn.name, to: name, kind: 'dynamic-tail', file, line, object, via, slot: slotText, ...(condition ? { condition } : {}) });
            continue;
          }
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
              // Programs of other arrays (custom calls) are loaded from outside the tree: only a note.
              const severity = !map.role || map.role === 'calls' ? 'warning' : 'info';
              out.diagnostics.push({ file, start: raw.nameStart, end: raw.end, severity, message: `tail call to slot ${slot} (${value}) has no program in ${object}${map.name ? ` (map ${map.name})` : ''}` });
            }
            for (const t of targets) out.edges.push({ from: fn.name, to: t.name, kind: 'tail', file, line, object, via, slot, slotValue: value, ...(condition ? { condition } : {}) });
          });
        }
        continue;
      }
      // Built field by field, in the order the spread form had (most sites are direct: this is the hot path).
      const site = { file, function: fn.name, callee: s.callee, start: raw.start, end: raw.end, nameStart: raw.nameStart, nameEnd: raw.nameEnd, line } as ResolvedSite;
      if (condition) site.condition = condition;
      site.kind = s.via ? 'macro' : 'direct';
      if (s.via) site.via = s.via;
      site.targets = [{ name: s.callee }];
      out.sites.push(site);
      const key = `${fn.name}\0${s.callee}\0${line}`;
      if (seenCall.has(key)) continue;
      seenCall.add(key);
      out.edges.push({ from: fn.name, to: s.callee, kind: 'call', file, line, ...(s.via ? { via: s.via } : {}), ...(condition ? { condition } : {}) });
    }
  }
  return out;
}

function programInfo(fn: FunctionFact, file: string, object: string, decl: ProgramDecl, model: TreeModel): ProgramInfo {
  const facts = model.files.get(file)!;
  const cond = conditionText(fn.conditions);
  const condition = cond && decl.markerCondition ? `${cond} && ${decl.markerCondition}` : cond ?? decl.markerCondition;
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
