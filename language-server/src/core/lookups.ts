// The lookups a language server needs, over one graph build. Converts offsets to 0-based ranges.
import type { FileFacts } from './facts';
import { conditionText, framesAt } from './directives';
import { positionOf } from './extract';
import type { GraphBuild, ProgramInfo, ResolvedSite, Wrapper, SiteKind } from './resolver';
import type { TreeModel, Located } from './tree-model';
import type { MapFact, EnumeratorFact, MacroDeclarationFact } from './facts';
import type { MacroDef } from './directives';
import { expand, type MacroLookup } from './macros';
import { tokenize } from './tokens';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

export interface Definition {
  name: string;
  kind: 'function' | 'macro' | 'map' | 'enumerator';
  file: string;
  nameRange: Range;
  range: Range;
  condition?: string;
  /** Macro parameters/body, map fields, or the generating macro of a function. */
  detail?: string;
  /** Programs this function is (one per object). */
  programs?: ProgramInfo[];
  /**
   * For a function only declared, through a macro whose expansion puts its argument in declarator position
   * (`static void *BPF_FUNC(map_lookup_elem, …);` → `(* map_lookup_elem)(…)`): that macro. A BPF helper.
   */
  declaredBy?: string;
}

export interface CallSiteInfo {
  file: string;
  function: string;
  callee: string;
  kind: SiteKind;
  via?: string;
  range: Range;
  nameRange: Range;
  /** 1-based line, as in the graph. */
  line: number;
  slot?: string;
  slotValue?: number;
  condition?: string;
  targets: { name: string; object?: string }[];
}

export interface SymbolInfo {
  name: string;
  range: Range;
  kind: 'function' | 'wrapper' | 'macro' | 'map' | 'enumerator' | 'slot' | 'unknown';
  definitions: Definition[];
  /** For a slot constant: the programs declared for it, per object. */
  programs?: ProgramInfo[];
  /** The tail-call site the identifier is part of, if any. */
  site?: CallSiteInfo;
  wrapper?: Wrapper;
}

export interface CoreDiagnostic { file: string; range: Range; message: string; severity: 'error' | 'warning' | 'info' }

/** One file's sites by the function containing them and by target; kept as long as the build reuses the file's sites. */
interface FileSiteIndex { byFunction: Map<string, ResolvedSite[]>; byTarget: Map<string, ResolvedSite[]> }
const fileSiteIndexes = new WeakMap<readonly ResolvedSite[], FileSiteIndex>();

function fileSiteIndex(sites: readonly ResolvedSite[]): FileSiteIndex {
  let idx = fileSiteIndexes.get(sites);
  if (!idx) {
    idx = { byFunction: new Map(), byTarget: new Map() };
    for (const s of sites) {
      push(idx.byFunction, s.function, s);
      for (const t of s.targets) push(idx.byTarget, t.name, s);
    }
    fileSiteIndexes.set(sites, idx);
  }
  return idx;
}

export class Lookups {
  // Built on first use: an edit replaces the Lookups, and most requests after it need one table only.
  private bySlot?: Map<string, ProgramInfo[]>;
  private byMapName?: Map<string, Located<MapFact>[]>;
  private byEnumeratorName?: Map<string, Located<EnumeratorFact>[]>;
  private declared?: Map<string, Definition[]>;

  constructor(private readonly model: TreeModel, private readonly build: GraphBuild) {}

  /**
   * Sites of every file (in build order) owned by / targeting a function, from per-file tables: an edit
   * rebuilds the edited file's table only, since the build reuses the site lists of unchanged files.
   */
  private sitesWhere(key: 'byFunction' | 'byTarget', name: string): ResolvedSite[] {
    const out: ResolvedSite[] = [];
    for (const sites of this.build.sitesByFile.values()) {
      const hit = fileSiteIndex(sites)[key].get(name);
      if (hit) for (const s of hit) out.push(s);
    }
    return out;
  }

  /** Sites of one file, in build order (the order the first match of a scan depends on). */
  private sitesOf(file: string): ResolvedSite[] {
    return this.build.sitesByFile.get(file) ?? [];
  }

  private programsForSlot(name: string): ProgramInfo[] {
    if (!this.bySlot) {
      this.bySlot = new Map();
      for (const p of this.build.programs) if (p.slot !== undefined) push(this.bySlot, p.slot, p);
    }
    return this.bySlot.get(name) ?? [];
  }

  private mapFacts(name: string): Located<MapFact>[] {
    if (!this.byMapName) {
      this.byMapName = new Map();
      for (const [file, f] of this.model.files) for (const m of f.maps) push(this.byMapName, m.name, { file, item: m });
    }
    return this.byMapName.get(name) ?? [];
  }

  private enumeratorFacts(name: string): Located<EnumeratorFact>[] {
    if (!this.byEnumeratorName) {
      this.byEnumeratorName = new Map();
      for (const [file, f] of this.model.files) for (const e of f.enumerators) push(this.byEnumeratorName, e.name, { file, item: e });
    }
    return this.byEnumeratorName.get(name) ?? [];
  }

  private range(file: string, start: number, end: number): Range {
    const ls = this.model.files.get(file)!.lineStarts;
    return { start: positionOf(ls, start), end: positionOf(ls, end) };
  }

  private site(s: ResolvedSite): CallSiteInfo {
    const out: CallSiteInfo = {
      file: s.file, function: s.function, callee: s.callee, kind: s.kind, range: this.range(s.file, s.start, s.end),
      nameRange: this.range(s.file, s.nameStart, s.nameEnd), line: s.line, targets: s.targets,
    };
    if (s.via) out.via = s.via;
    if (s.slot) out.slot = s.slot;
    if (s.slotValue !== undefined) out.slotValue = s.slotValue;
    if (s.condition) out.condition = s.condition;
    return out;
  }

  /** Function definitions; for a name with none, its macro-made declarations (BPF helpers). */
  functions(name: string): Definition[] {
    if (!this.model.hasFunction(name)) return this.declarations(name);
    return this.model.functionDefinitions(name).map(({ file, item: fn }) => {
      const d: Definition = {
        name, kind: 'function', file, nameRange: this.range(file, fn.nameStart, fn.nameEnd), range: this.range(file, fn.start, fn.end),
      };
      const cond = conditionText(fn.conditions);
      if (cond) d.condition = cond;
      if (fn.generatedBy) d.detail = `generated by ${fn.generatedBy.macro}(…)`;
      const progs = this.build.programs.filter((p) => p.name === name && p.file === file);
      if (progs.length) d.programs = progs;
      return d;
    });
  }

  /** Names declared through macro declarators (`BPF_FUNC(name, …)`), over the whole tree. */
  private declarations(name: string): Definition[] {
    if (!this.declared) {
      this.declared = new Map();
      for (const [file, f] of this.model.files) {
        for (const d of f.declarations ?? []) {
          const declared = declaredName(d, this.model.macroDefinitions(d.macro));
          if (!declared) continue;
          const def: Definition = {
            name: declared, kind: 'function', file, nameRange: this.range(file, d.argStart, d.argEnd), range: this.range(file, d.declStart, d.end),
            detail: `declared by ${d.macro}(…)`, declaredBy: d.macro,
          };
          const cond = conditionText(d.conditions);
          if (cond) def.condition = cond;
          push(this.declared, declared, def);
        }
      }
    }
    return this.declared.get(name) ?? [];
  }

  macros(name: string): Definition[] {
    return this.model.macroDefinitions(name).map(({ file, item: m }) => {
      const d: Definition = {
        name, kind: 'macro', file, nameRange: this.range(file, m.nameStart, m.nameEnd), range: this.range(file, m.start, m.end),
        detail: `${m.name}${m.params ? `(${m.params.join(', ')})` : ''} ${m.bodyText}`.trim(),
      };
      const cond = conditionText(m.conditions);
      if (cond) d.condition = cond;
      return d;
    });
  }

  maps(name: string): Definition[] {
    return this.mapFacts(name).map(({ file, item: m }) => {
      const d: Definition = {
        name, kind: 'map', file, nameRange: this.range(file, m.nameStart, m.nameEnd), range: this.range(file, m.start, m.end),
        detail: `${m.style} map: ${Object.entries(m.fields).map(([k, v]) => `${k}=${v}`).join(', ')}`,
      };
      const cond = conditionText(m.conditions);
      if (cond) d.condition = cond;
      return d;
    });
  }

  private enumerators(name: string): Definition[] {
    return this.enumeratorFacts(name).map(({ file, item: e }) =>
      ({ name, kind: 'enumerator' as const, file, nameRange: this.range(file, e.start, e.end), range: this.range(file, e.start, e.end) }));
  }

  symbolAt(file: string, pos: Position): SymbolInfo | undefined {
    const facts = this.model.files.get(file);
    if (!facts) return undefined;
    const text = this.model.files.get(file) && textOf(this.model, file);
    if (text === undefined) return undefined;
    const offset = (facts.lineStarts[pos.line] ?? text.length) + pos.character;
    let s = offset;
    let e = offset;
    while (s > 0 && /\w/.test(text[s - 1])) s--;
    while (e < text.length && /\w/.test(text[e])) e++;
    if (s === e || !/^[A-Za-z_]/.test(text.slice(s, e))) return undefined;
    const name = text.slice(s, e);
    const info: SymbolInfo = { name, range: this.range(file, s, e), kind: 'unknown', definitions: [] };

    const fileSites = this.sitesOf(file);
    const site = fileSites.find((x) => x.start <= s && e <= x.end && (x.kind === 'tail' || x.kind === 'dynamic-tail'));
    const slotPrograms = this.programsForSlot(name);
    const inSlotText = site && site.slot !== undefined && new RegExp(`\\b${name}\\b`).test(site.slot);
    if (site && (inSlotText || (site.kind === 'dynamic-tail' && s > site.nameEnd))) {
      info.kind = 'slot';
      info.site = this.site(site);
      const sameSite = fileSites.filter((x) => x.start === site.start && x.end === site.end && (!inSlotText || x.slot === site.slot || x.slot?.includes(name)));
      const targets = sameSite.flatMap((x) => x.targets);
      info.programs = this.build.programs.filter((p) => targets.some((t) => t.name === p.name && (!t.object || t.object === p.object)));
      info.definitions = [...this.macros(name), ...this.enumerators(name)];
      return info;
    }
    if (slotPrograms.length && !this.model.hasFunction(name)) {
      info.kind = 'slot';
      info.programs = slotPrograms;
      info.definitions = [...this.macros(name), ...this.enumerators(name)];
      return info;
    }
    const fns = this.functions(name);
    if (fns.length) {
      info.definitions = fns;
      const w = this.build.wrappers.get(name);
      info.kind = w ? 'wrapper' : 'function';
      if (w) info.wrapper = w;
      const callSite = fileSites.find((x) => x.nameStart === s && x.callee === name);
      if (callSite) info.site = this.site(callSite);
      return info;
    }
    const maps = this.maps(name);
    if (maps.length) { info.kind = 'map'; info.definitions = maps; return info; }
    const macros = this.macros(name);
    if (macros.length) {
      info.kind = 'macro';
      info.definitions = macros;
      // A macro naming a map (`POLICY_CALL_MAP`) also shows the map.
      const finalName = macros[0].detail?.split(' ').pop();
      if (finalName) info.definitions.push(...this.maps(finalName));
      return info;
    }
    const enums = this.enumerators(name);
    if (enums.length) { info.kind = 'enumerator'; info.definitions = enums; }
    return info;
  }

  callSites(fn: string, file?: string): CallSiteInfo[] {
    const sites = file === undefined ? this.sitesWhere('byFunction', fn) : fileSiteIndex(this.sitesOf(file)).byFunction.get(fn) ?? [];
    return sites.filter((s) => !file || s.file === file).map((s) => this.site(s));
  }

  callers(fn: string): CallSiteInfo[] {
    return this.sitesWhere('byTarget', fn).map((s) => {
      const info = this.site(s);
      info.targets = info.targets.filter((t) => t.name === fn);
      return info;
    });
  }

  fileSymbols(file: string): Definition[] {
    const f = this.model.files.get(file);
    if (!f) return [];
    const out: Definition[] = [];
    const seen = new Set<string>();
    for (const fn of f.functions) if (!seen.has('f' + fn.name)) { seen.add('f' + fn.name); out.push(...this.functions(fn.name).filter((d) => d.file === file)); }
    for (const m of f.defines) {
      out.push({ name: m.name, kind: 'macro', file, nameRange: this.range(file, m.nameStart, m.nameEnd), range: this.range(file, m.start, m.end),
        detail: `${m.name}${m.params ? `(${m.params.join(', ')})` : ''}`, ...(conditionText(m.conditions) ? { condition: conditionText(m.conditions) } : {}) });
    }
    for (const m of f.maps) if (!seen.has('m' + m.name)) { seen.add('m' + m.name); out.push(...this.maps(m.name).filter((d) => d.file === file)); }
    for (const d of f.declarations ?? []) {
      const name = declaredName(d, this.model.macroDefinitions(d.macro));
      if (name && !seen.has('d' + name) && !this.model.hasFunction(name)) { seen.add('d' + name); out.push(...this.declarations(name).filter((x) => x.file === file)); }
    }
    return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  }

  diagnostics(file?: string): CoreDiagnostic[] {
    const out: CoreDiagnostic[] = [];
    for (const d of this.build.diagnostics) {
      if (file && d.file !== file) continue;
      out.push({ file: d.file, range: this.range(d.file, d.start, d.end), message: d.message, severity: d.severity });
    }
    for (const [f, facts] of this.model.files) {
      if (file && f !== file) continue;
      for (const d of facts.diagnostics) out.push({ file: f, range: this.range(f, d.start, d.end), message: d.message, severity: d.severity });
    }
    return out;
  }
}

/**
 * The name a macro-declarator declaration declares, from the macro's own definition(s): the invocation is
 * expanded and must read `( * NAME ) (` where NAME is the first argument, possibly pasted into a longer name
 * (`(* NAME##__stub)(…)`). Undefined when no definition of the macro has that shape. Cached per fact.
 */
const declaredNames = new WeakMap<MacroDeclarationFact, { defs: readonly Located<MacroDef>[]; name: string | undefined }>();
function declaredName(d: MacroDeclarationFact, defs: readonly Located<MacroDef>[]): string | undefined {
  const hit = declaredNames.get(d);
  if (hit && hit.defs.length === defs.length && hit.defs.every((x, i) => x.item === defs[i].item)) return hit.name;
  let name: string | undefined;
  const call = tokenize(d.call);
  for (const { item: def } of defs) {
    if (!def.params?.length) continue;
    const only: MacroLookup = { get: (n) => (n === def.name ? def : undefined) };
    const toks = expand(call, only, { budget: 200 }).tokens;
    for (let i = 0; i + 4 < toks.length; i++) {
      if (toks[i].text !== '(' || toks[i + 1].text !== '*' || toks[i + 2].kind !== 'id' || toks[i + 3].text !== ')' || toks[i + 4].text !== '(') continue;
      const id = toks[i + 2].text;
      if (id.startsWith(d.arg) || id.endsWith(d.arg)) { name = id; break; }
    }
    if (name) break;
  }
  declaredNames.set(d, { defs: [...defs], name });
  return name;
}

const textSources = new WeakMap<TreeModel, (file: string) => string | undefined>();
/** The index registers where file texts live (they are not part of the serialisable facts). */
export function registerTextSource(model: TreeModel, get: (file: string) => string | undefined): void { textSources.set(model, get); }
function textOf(model: TreeModel, file: string): string | undefined { return textSources.get(model)?.(file); }

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v); else m.set(k, [v]);
}

export type { FileFacts };
export { framesAt };
