// Evaluates every preprocessor condition of a tree for one datapath mode: which regions of each file
// are compiled in, which graph edges and programs exist, and why an inactive site is gone.
//
// The macro table is the mode's defines, then the tree's own macros (helpers such as is_defined /
// __and, object-like constants), without the config stand-ins at the bpf/ root (node_config.h,
// ep_config.h …): the agent replaces those per node, and the mode takes their place. Each object
// (bpf_lxc.c, bpf_host.c …) adds its own #defines (IS_BPF_LXC …) on top; a header region counts as
// compiled in when it is compiled in for at least one object. Names neither the mode nor the tree
// define are undefined (0) and listed.
import type { FileFacts } from '../core/facts';
import { conditionText, type ConditionFrame, type MacroDef } from '../core/directives';
import type { Graph, GraphEdge, GraphProgram } from '../core/graph-schema';
import { conjuncts } from '../core/object-conditions';
import { evaluateCondition, macroTable, type MacroTable } from './cpp-expr';
import { modeMacros, type DatapathMode } from './modes';

/** What the evaluator needs of the index: DatapathIndex and the server's analysis both provide it. */
export interface FactsSource {
  files(): string[];
  facts(rel: string): FileFacts | undefined;
}

/** A run of lines compiled out in the mode (0-based, inclusive), with the condition that removes it. */
export interface InactiveRegion {
  startLine: number;
  endLine: number;
  /** The directive whose condition fails, e.g. `#ifdef TUNNEL_MODE` (line is 0-based). */
  directive: string;
  directiveLine: number;
  /** Human-readable reason: `TUNNEL_MODE is not defined in mode native`, `#else of #if A: A holds`. */
  reason: string;
}

/** A file at the bpf/ root that the agent regenerates per node; its defines never count in a mode. */
export function isConfigStandIn(rel: string): boolean {
  return !rel.includes('/') && /_config\.h$/.test(rel);
}

const isObjectFile = (rel: string) => !rel.includes('/') && /^bpf_.*\.c$/.test(rel);
const priority = (f: string) => (f.startsWith('include/') ? 0 : f.startsWith('lib/') ? 1 : !f.includes('/') ? 2 : 3);

/**
 * Files the objects include, transitively. `#include "p"` is looked up next to the including file, at
 * the bpf/ root and under include/ (the -I paths Cilium's Makefile passes); system includes too, since
 * the tree ships its own include/ copies of them.
 */
export function includeClosure(source: FactsSource, objects: readonly string[]): Set<string> {
  const known = new Set(source.files());
  const seen = new Set<string>();
  const queue = [...objects];
  while (queue.length) {
    const f = queue.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const dir = f.includes('/') ? f.slice(0, f.lastIndexOf('/') + 1) : '';
    for (const inc of source.facts(f)?.includes ?? []) {
      const candidates = [normalize(dir + inc.path), normalize(inc.path), normalize('include/' + inc.path)];
      const hit = candidates.find((c) => c !== undefined && known.has(c));
      if (hit && !seen.has(hit)) queue.push(hit);
    }
  }
  return seen;
}

function normalize(p: string): string | undefined {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') { if (!out.length) return undefined; out.pop(); } else out.push(part);
  }
  return out.join('/');
}

interface Evaluated { value: boolean; unknown: string[] }

export { conjuncts };

/** What clang defines itself when compiling for the BPF target (little-endian, as `-target bpf` on x86/arm64 hosts). */
const CLANG_BPF_PREDEFINES: DatapathMode = {
  name: 'clang -target bpf', title: 'compiler predefines', description: 'macros the compiler defines itself',
  defines: {
    __BPF__: '1', __bpf__: '1', __clang__: '1', __CHAR_BIT__: '8',
    __ORDER_LITTLE_ENDIAN__: '1234', __ORDER_BIG_ENDIAN__: '4321', __BYTE_ORDER__: '__ORDER_LITTLE_ENDIAN__',
  },
};

/** What a mode switch does not change: which files are compiled, their defines in lookup order. */
interface TreeShape {
  key: string;
  /** Unconditional defines of compiled headers, in lookup order (include/, lib/, root, other). */
  unconditional: MacroDef[];
  conditional: MacroDef[];
  objectDefines: Map<string, MacroDef[]>;
  objectsOfFile: Map<string, string[]>;
}

const shapes = new WeakMap<FactsSource, TreeShape>();

/** The tree's shape, recomputed only when some file's content hash changed (cheap to check). */
function treeShape(source: FactsSource): TreeShape {
  const files = source.files().filter((f) => !isConfigStandIn(f));
  const key = files.map((f) => `${f}:${source.facts(f)?.hash ?? ''}`).join('|');
  const cached = shapes.get(source);
  if (cached?.key === key) return cached;
  const objects = files.filter(isObjectFile);
  // Only headers some object includes: tests/ and tools/ define config names for their own builds.
  const compiled = includeClosure(source, objects);
  const shape: TreeShape = { key, unconditional: [], conditional: [], objectDefines: new Map(), objectsOfFile: new Map() };
  for (const f of files.filter((f) => !isObjectFile(f) && compiled.has(f)).sort((a, b) => priority(a) - priority(b))) {
    for (const d of source.facts(f)?.defines ?? []) (d.conditions.length ? shape.conditional : shape.unconditional).push(d);
  }
  for (const o of objects) {
    shape.objectDefines.set(o, source.facts(o)?.defines ?? []);
    for (const h of includeClosure(source, [o])) {
      const list = shape.objectsOfFile.get(h) ?? [];
      list.push(o);
      shape.objectsOfFile.set(h, list);
    }
  }
  shapes.set(source, shape);
  return shape;
}

/** One table per object, plus the shared one; conditions that touch no object's own name are evaluated once. */
class Tables {
  readonly shared: MacroTable;
  readonly perObject = new Map<string, MacroTable>();
  /** Names some object defines itself: only conditions reading them differ between objects. */
  private readonly objectNames = new Set<string>();
  private readonly memo = new Map<string, Evaluated & { objectSpecific: boolean }>();
  private readonly objectMemo = new Map<string, Evaluated>();
  readonly unknown = new Map<string, string>();
  /** Conditions that could not be evaluated (syntax, expansion bound): taken as false, reported. */
  readonly errors = new Map<string, string>();
  /** Objects whose include closure holds a file: a header's code is judged in those objects only. */
  private readonly objectsOfFile: ReadonlyMap<string, string[]>;

  constructor(shape: TreeShape, mode: DatapathMode) {
    const own = modeMacros(mode);
    for (const [name, def] of modeMacros(CLANG_BPF_PREDEFINES)) if (!own.has(name)) own.set(name, def);
    const shared = new Map<string, MacroDef>();
    for (const d of shape.unconditional) if (!shared.has(d.name)) shared.set(d.name, d);
    const base = macroTable(own, macroTable(shared));
    // A define under #if counts when its own condition holds (judged on the unconditional macros).
    for (const d of shape.conditional) {
      if (own.has(d.name) || shared.has(d.name)) continue;
      if (this.framesHold(d.conditions, base, d.file)) shared.set(d.name, d);
    }
    this.shared = base;
    this.objectsOfFile = shape.objectsOfFile;
    for (const [f, defs] of shape.objectDefines) {
      const objectDefs = new Map<string, MacroDef>();
      for (const d of defs) {
        if (objectDefs.has(d.name) || own.has(d.name)) continue;
        if (!d.conditions.length || this.framesHold(d.conditions, base, f)) { objectDefs.set(d.name, d); this.objectNames.add(d.name); }
      }
      this.perObject.set(f, macroTable(own, macroTable(objectDefs, macroTable(shared))));
    }
  }

  private framesHold(frames: readonly ConditionFrame[], table: MacroTable, file: string): boolean {
    return frames.every((fr) => fr.previous.every((p) => !this.raw(p, table, file).value)
      && (fr.directive === 'else' || this.raw(fr.expr, table, file).value));
  }

  private raw(expr: string, table: MacroTable, file: string): Evaluated {
    const r = evaluateCondition(expr, table);
    for (const u of r.unknown) if (!this.unknown.has(u)) this.unknown.set(u, file);
    if (r.error && !this.errors.has(expr)) this.errors.set(expr, `${file}: #if ${expr}: ${r.error}`);
    return r;
  }

  /**
   * Value of an expression in one object, or, when `object` is undefined, in any object that compiles
   * `file` (an object file is its own object).
   */
  holds(expr: string, object: string | undefined, file: string): boolean {
    const m = this.shape(expr, file);
    if (!m.objectSpecific) return m.value;
    return this.candidates(object, file).some((o) => this.forObject(expr, o, file));
  }

  /**
   * A rendered graph condition (`A && !(B) && (C || D)`): its top-level conjuncts repeat across thousands
   * of sites, so each is evaluated once and the conjunction is taken here.
   */
  holdsAll(condition: string, object: string | undefined, file: string): boolean {
    const parts = conjuncts(condition);
    const shapes = parts.map((p) => this.shape(p, file));
    if (!shapes.some((m) => m.objectSpecific)) return shapes.every((m) => m.value);
    return this.candidates(object, file).some((o) => parts.every((p, i) => (shapes[i].objectSpecific ? this.forObject(p, o, file) : shapes[i].value)));
  }

  private shape(expr: string, file: string): Evaluated & { objectSpecific: boolean } {
    let m = this.memo.get(expr);
    if (!m) {
      const seen = new Set<string>();
      const recording: MacroTable = { get: (n) => { seen.add(n); return this.shared.get(n); } };
      const r = this.raw(expr, recording, file);
      m = { ...r, objectSpecific: [...seen].some((n) => this.objectNames.has(n)) };
      this.memo.set(expr, m);
    }
    return m;
  }

  private candidates(object: string | undefined, file: string): string[] {
    return object && this.perObject.has(object) ? [object]
      : this.perObject.has(file) ? [file]
        : this.objectsOfFile.get(file) ?? [...this.perObject.keys()];
  }

  private forObject(expr: string, object: string, file: string): boolean {
    const key = `${object}\u0000${expr}`;
    let r = this.objectMemo.get(key);
    if (!r) { r = this.raw(expr, this.perObject.get(object)!, file); this.objectMemo.set(key, r); }
    return r.value;
  }
}

/** What deciding on a site needs: GraphEdge has it; the server's call sites map onto it. */
export interface SiteLike { kind: string; file: string; line: number; condition?: string; object?: string; via?: string }

const twinKey = (e: SiteLike) => `${e.file}:${e.line}\u0000${e.condition ?? ''}\u0000${e.via ?? ''}`;
function tailTwinsOf(sites: readonly SiteLike[]): Set<string> {
  return new Set(sites.filter((e) => e.kind === 'tail').map(twinKey));
}

export class ModeEvaluation {
  private readonly tables: Tables;
  private readonly regions = new Map<string, InactiveRegion[]>();
  readonly ms: number;

  constructor(private readonly source: FactsSource, readonly mode: DatapathMode) {
    const t0 = performance.now();
    this.tables = new Tables(treeShape(source), mode);
    for (const f of source.files()) this.regions.set(f, this.evaluateFile(f));
    this.ms = performance.now() - t0;
  }

  /** Identifiers read by some condition that neither the mode nor the tree defines, with a file using one. */
  unknownSymbols(): Array<{ name: string; file: string }> {
    return [...this.tables.unknown].map(([name, file]) => ({ name, file })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Conditions that could not be evaluated (they count as false), as `file: #if expr: why`. */
  conditionErrors(): string[] { return [...this.tables.errors.values()]; }

  inactiveRegions(rel: string): InactiveRegion[] { return this.regions.get(rel) ?? []; }

  /**
   * After edits that changed no file's #defines (with their conditions) or #includes, the macro tables
   * still hold: only the edited files' regions are evaluated again (the server does this per edit).
   */
  reevaluateFiles(files: readonly string[]): void {
    for (const f of files) this.regions.set(f, this.evaluateFile(f));
  }

  /** The inactive region holding a 0-based line, if any. */
  inactiveAt(rel: string, line: number): InactiveRegion | undefined {
    return this.inactiveRegions(rel).find((r) => r.startLine <= line && line <= r.endLine);
  }

  /** A rendered condition (graph `condition`) in an object (or any object for a call edge). */
  conditionHolds(condition: string | undefined, object?: string, file = '<graph>'): boolean {
    return condition === undefined || this.tables.holdsAll(condition, object, file);
  }

  /** The graph as compiled in this mode: programs and edges whose condition fails are dropped. */
  filterGraph(graph: Graph): Graph {
    const programs = graph.programs.filter((p) => this.conditionHolds(p.condition, p.object, p.file));
    const kept = new Set(programs.map((p) => `${p.object}\u0000${p.name}`));
    const dropped = new Set(graph.programs.filter((p) => !kept.has(`${p.object}\u0000${p.name}`)).map((p) => `${p.object}\u0000${p.name}`));
    const keptNames = new Set(programs.map((p) => p.name));
    const tailTwins = tailTwinsOf(graph.edges);
    const edges = graph.edges.filter((e) => {
      if (e.kind !== 'call' && e.object && dropped.has(`${e.object}\u0000${e.to}`)) return false;
      if (e.kind === 'dynamic-tail' && !keptNames.has(e.to)) return false;
      return this.edgeHolds(e, tailTwins);
    });
    return { ...graph, programs, edges };
  }

  /** Call sites (any shape with kind, file, 1-based line, condition, object, via) that exist in the mode. */
  filterSites<T extends SiteLike>(sites: readonly T[]): T[] {
    const twins = tailTwinsOf(sites);
    return sites.filter((s) => this.edgeHolds(s, twins));
  }

  /**
   * An edge exists in the mode when its site is compiled in and its condition holds. A direct call
   * that shares its site and condition with a tail call is the fallback arm of a conditional tail call
   * (`invoke_tailcall_if(COND, SLOT, fallback)`): it runs when COND is false.
   */
  private edgeHolds(e: SiteLike, tailTwins: ReadonlySet<string>): boolean {
    if (!e.condition) return true;
    const isFallback = e.kind === 'call' && tailTwins.has(twinKey(e));
    if (!isFallback) return this.conditionHolds(e.condition, e.object, e.file);
    if (this.inactiveAt(e.file, e.line - 1)) return false;
    const frames = this.siteFrameText(e.file, e.line - 1);
    const switchCond = frames && e.condition.startsWith(`${frames} && `) ? e.condition.slice(frames.length + 4) : frames === e.condition ? undefined : e.condition;
    return switchCond === undefined || !this.conditionHolds(switchCond, e.object, e.file);
  }

  private siteFrameText(rel: string, line: number): string | undefined {
    const facts = this.source.facts(rel);
    if (!facts) return undefined;
    const frames = framesAtOffset(facts, facts.lineStarts[line] ?? 0);
    return conditionText(frames);
  }

  private evaluateFile(rel: string): InactiveRegion[] {
    const facts = this.source.facts(rel);
    if (!facts || facts.regions.length < 2) return [];
    const object = isObjectFile(rel) ? rel : undefined;
    const out: InactiveRegion[] = [];
    const lineOf = (offset: number) => lineAt(facts.lineStarts, offset);
    const lastLine = facts.lineStarts.length - 1;
    const { regions } = facts;
    for (let i = 0; i < regions.length; i++) {
      const failing = this.failingFrame(regions[i].frames, object, rel);
      if (!failing) continue;
      const startLine = lineOf(regions[i].start) + 1;
      const endLine = i + 1 < regions.length ? lineOf(regions[i + 1].start) - 1 : lastLine;
      const prev = out[out.length - 1];
      // Nested directives inside a compiled-out region are compiled out too: one region, first reason kept.
      if (prev && prev.endLine + 2 >= startLine && prev.directiveLine === failing.line) { prev.endLine = Math.max(prev.endLine, endLine); continue; }
      if (endLine < startLine) continue;
      out.push({ startLine, endLine, directive: directiveText(failing), directiveLine: failing.line, reason: this.reason(failing, object, rel) });
    }
    return out;
  }

  private failingFrame(frames: readonly ConditionFrame[], object: string | undefined, file: string): ConditionFrame | undefined {
    return frames.find((fr) => fr.previous.some((p) => this.tables.holds(p, object, file))
      || (fr.directive !== 'else' && !this.tables.holds(fr.expr, object, file)));
  }

  private reason(fr: ConditionFrame, object: string | undefined, file: string): string {
    const earlier = fr.previous.find((p) => this.tables.holds(p, object, file));
    const where = `in mode ${this.mode.name}`;
    if (earlier !== undefined) return `an earlier branch's condition \`${earlier}\` holds ${where}`;
    const m = /^(!?)defined\((\w+)\)$/.exec(fr.expr);
    if (m) return m[1] ? `\`${m[2]}\` is defined ${where}` : `\`${m[2]}\` is not defined ${where}`;
    return `\`${fr.expr}\` is false ${where}`;
  }
}

function directiveText(fr: ConditionFrame): string {
  if (fr.directive === 'else') return '#else';
  const m = /^(!?)defined\((\w+)\)$/.exec(fr.expr);
  if (m && (fr.directive === 'ifdef' || fr.directive === 'ifndef')) return `#${fr.directive} ${m[2]}`;
  return `#${fr.directive} ${fr.expr}`;
}

function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo;
}

function framesAtOffset(facts: Pick<FileFacts, 'regions'>, offset: number): ConditionFrame[] {
  const r = facts.regions;
  let lo = 0;
  let hi = r.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (r[mid].start <= offset) lo = mid; else hi = mid - 1;
  }
  return r[lo]?.frames ?? [];
}

/** Edges present in `a` but not in `b` (by from, to, kind, object, site, slot). */
export function edgesOnlyIn(a: Graph, b: Graph): GraphEdge[] {
  const key = (e: GraphEdge) => `${e.kind}\u0000${e.from}\u0000${e.to}\u0000${e.object ?? ''}\u0000${e.file}:${e.line}\u0000${e.slot ?? ''}`;
  const inB = new Set(b.edges.map(key));
  return a.edges.filter((e) => !inB.has(key(e)));
}

export function programsOnlyIn(a: Graph, b: Graph): GraphProgram[] {
  const key = (p: GraphProgram) => `${p.object}\u0000${p.name}\u0000${p.file}:${p.line}`;
  const inB = new Set(b.programs.map(key));
  return a.programs.filter((p) => !inB.has(key(p)));
}
