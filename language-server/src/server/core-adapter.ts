// Implements the server's Analysis interface over the analysis core's DatapathIndex. Conversions only:
// core sites become one CallSite per target, slot-argument ranges are found in the site's text, and
// find-references / workspace symbols get the server-side helpers the core does not offer.
import fs from 'node:fs';
import path from 'node:path';
import {
  DatapathIndex, excludeMatcher, type CallSiteInfo, type Definition, type ProgramInfo, type SymbolInfo,
} from '../core/index';
import type { Graph } from '../core/graph-schema';
import type { FileFacts } from '../core/facts';
import type { IndexLimits } from './protocol';
import type {
  Analysis, CallSite, FileSymbol, FunctionDef, IdentifierAt, MacroDef, MapDef, Pos, Resolution, SlotTarget, Span, TreeDiagnostic,
} from './analysis';
import { TextIndex } from './text-index';
import { QuickAnalysis } from './quick-index';

export async function buildAnalysis(root: string, limits?: IndexLimits, onProgress?: (done: number, total: number) => void): Promise<Analysis> {
  const index = await DatapathIndex.open(root, { exclude: limits?.exclude, maxFiles: limits?.maxFiles, onProgress });
  return new CoreAnalysis(index);
}

/**
 * The text scan that answers while the index is built (quick-index.ts), over the files the index will
 * hold: .c/.h files under root, without excluded or hidden folders, at most maxFiles of them. Only the
 * listing happens here; files are read and scanned later, a few at a time.
 */
export function buildQuickAnalysis(root: string, limits?: IndexLimits): QuickAnalysis {
  const excluded = excludeMatcher(limits?.exclude ?? []);
  const max = limits?.maxFiles ?? Infinity;
  const files: string[] = [];
  const walk = (rel: string) => {
    if (files.length >= max) return;
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (files.length >= max) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { if (!excluded(r) && !e.name.startsWith('.') && e.name !== 'node_modules') walk(r); }
      else if (/\.[ch]$/.test(e.name)) files.push(r);
    }
  };
  walk('');
  return new QuickAnalysis(root, files);
}

export class CoreAnalysis implements Analysis {
  private readonly texts = new TextIndex();
  /**
   * Symbols per file, filled on demand or by warm(). An entry outlives edits of other files: it stays
   * valid while the file's facts are the same object and its programs are unchanged (see symbolsValid).
   */
  private symbolsCache = new Map<string, { facts: FileFacts | undefined; programs: string; symbols: FileSymbol[] }>();
  private graphCache: Graph | undefined;
  /** Definitions by name over one state of the index (every request asks for a few; dropped on every edit). */
  private defsCache = { functions: new Map<string, FunctionDef[]>(), macros: new Map<string, MacroDef[]>(), maps: new Map<string, MapDef[]>() };

  constructor(private readonly index: DatapathIndex) {
    for (const f of index.files()) {
      const text = index.text(f);
      if (text !== undefined) this.texts.set(f, text);
    }
  }

  get root(): string { return this.index.root; }
  fileCount(): number { return this.index.files().length; }
  files(): string[] { return this.index.files(); }
  /** Raw per-file facts (#if regions, defines): the datapath-mode evaluation reads them (server/modes.ts). */
  facts(file: string): FileFacts | undefined { return this.index.facts(file); }

  graph(): Graph { return (this.graphCache ??= this.index.graph()); }

  // Cached per index state; callers treat the answers as read-only.
  functions(name: string): FunctionDef[] { return cached(this.defsCache.functions, name, () => this.index.functions(name).map(toFunction)); }
  macros(name: string): MacroDef[] { return cached(this.defsCache.macros, name, () => this.index.macros(name).map(toMacro)); }
  maps(name: string): MapDef[] { return cached(this.defsCache.maps, name, () => this.index.maps(name).map(toMap)); }

  /**
   * What the identifier at a position is. Resolved here from per-file caches of the core's lookups (the
   * enclosing function's sites, programs by slot, wrappers) because the core's symbolAt scans every site
   * of the tree; symbolAt remains the fallback for what these do not cover (enumerators …).
   */
  identifierAt(file: string, pos: Pos): IdentifierAt | undefined {
    const word = this.texts.wordAt(file, pos);
    if (!word) return undefined;
    const { name, range } = word;
    const atSite = this.siteResolution(file, name, range);
    if (atSite) return { name, range, resolution: atSite };
    const functions = this.functions(name);
    const slotPrograms = this.caches().programsBySlot.get(name);
    if (slotPrograms && !functions.length) {
      const targets = slotPrograms.map((p) => ({ object: p.object, program: this.programDef(p) }));
      return { name, range, resolution: { kind: 'slot', defs: this.macros(name), targets, sites: [] } };
    }
    if (functions.length) {
      const isWrapper = this.caches().wrappers.has(name);
      return { name, range, resolution: isWrapper ? { kind: 'wrapper', defs: functions, sites: [] } : { kind: 'function', defs: functions } };
    }
    const maps = this.maps(name);
    if (maps.length) return { name, range, resolution: { kind: 'map', defs: maps } };
    const macros = this.macros(name);
    if (macros.length) {
      if (this.caches().wrappers.has(name)) return { name, range, resolution: { kind: 'wrapper', defs: macros, sites: [] } };
      return { name, range, resolution: { kind: 'macro', defs: macros } };
    }
    const info = this.index.symbolAt(file, pos);
    return { name, range, resolution: info ? this.resolution(info, file) : undefined };
  }

  /** At a tail-call site: the slot argument (→ the site's targets) or the wrapper's name (→ the wrapper). */
  private siteResolution(file: string, name: string, range: Span): Resolution | undefined {
    const fn = this.functionAt(file, range.start);
    if (!fn) return undefined;
    const sites = this.sitesOf(fn.name, file)
      .filter((x) => (x.kind === 'tail' || x.kind === 'dynamic-tail') && contains(x.range, range.start) && contains(x.range, range.end));
    if (!sites.length) return undefined;
    const named = sites.filter((x) => samePos(x.nameRange.start, range.start));
    if (named.length) {
      const defs: Array<FunctionDef | MacroDef> = this.functions(name);
      return { kind: 'wrapper', defs: defs.length ? defs : this.macros(name), sites: named.flatMap((x) => this.callSites(x)) };
    }
    let hit = sites.filter((x) => x.slot !== undefined && wordIndex(x.slot, name) >= 0);
    if (!hit.length) hit = sites.filter((x) => x.kind === 'dynamic-tail' && !before(range.start, x.nameRange.end));
    if (!hit.length) return undefined;
    const edges = hit.flatMap((x) => this.callSites(x));
    const programs = this.index.programs();
    const targets = edges.flatMap((e) => programs
      .filter((p) => p.name === e.callee && (!e.object || p.object === e.object))
      .map((p) => ({ object: p.object, program: this.programDef(p) })));
    return { kind: 'slot', defs: this.macros(name), targets: uniqueTargets(targets), sites: edges };
  }

  private cache: {
    programsBySlot: Map<string, ProgramInfo[]>;
    /** The programs of each file, as a string: a file's cached symbols hold while it is unchanged. */
    programsOfFile: Map<string, string>;
    wrappers: Set<string>;
    functionsOfFile: Map<string, FunctionDef[]>;
    sites: Map<string, CallSiteInfo[]>;
  } | undefined;

  /** Caches over one state of the index; dropped on every edit. */
  private caches() {
    if (this.cache) return this.cache;
    const programsBySlot = new Map<string, ProgramInfo[]>();
    const byFile = new Map<string, ProgramInfo[]>();
    for (const p of this.index.programs()) {
      const inFile = byFile.get(p.file);
      if (inFile) inFile.push(p); else byFile.set(p.file, [p]);
      if (!p.slot) continue;
      const list = programsBySlot.get(p.slot) ?? [];
      list.push(p);
      programsBySlot.set(p.slot, list);
    }
    const programsOfFile = new Map([...byFile].map(([f, ps]) => [f, JSON.stringify(ps)] as const));
    this.cache = { programsBySlot, programsOfFile, wrappers: new Set(this.index.wrappers().map((w) => w.name)), functionsOfFile: new Map(), sites: new Map() };
    return this.cache;
  }

  private sitesOf(fn: string, file: string): CallSiteInfo[] {
    const key = `${fn}\u0000${file}`;
    const c = this.caches().sites;
    let sites = c.get(key);
    if (!sites) { sites = this.index.callSites(fn, file); c.set(key, sites); }
    return sites;
  }

  private functionsOf(file: string): FunctionDef[] {
    const c = this.caches().functionsOfFile;
    let fns = c.get(file);
    if (!fns) {
      fns = this.index.fileSymbols(file).filter((d) => d.kind === 'function').map(toFunction);
      c.set(file, fns);
    }
    return fns;
  }

  /** The core's own answer (symbolAt), for identifiers the fast path does not know. */
  private resolution(info: SymbolInfo, file: string): Resolution | undefined {
    const defs = info.definitions;
    switch (info.kind) {
      case 'function': return { kind: 'function', defs: defs.filter((d) => d.kind === 'function').map(toFunction) };
      case 'wrapper':
        return { kind: 'wrapper', defs: defs.map((d) => (d.kind === 'function' ? toFunction(d) : toMacro(d))), sites: this.sitesNamedAt(info, file) };
      case 'slot': {
        const targets: SlotTarget[] = (info.programs ?? []).map((p) => ({ object: p.object, program: this.programDef(p) }));
        const sites = info.site ? this.sitesAt(info.site) : [];
        return { kind: 'slot', defs: defs.filter((d) => d.kind === 'macro' || d.kind === 'enumerator').map(toMacro), targets, sites };
      }
      case 'map': return { kind: 'map', defs: defs.map(toMap) };
      case 'macro': case 'enumerator':
        return { kind: 'macro', defs: defs.filter((d) => d.kind === 'macro' || d.kind === 'enumerator').map(toMacro) };
      default: return undefined;
    }
  }

  /** The tail-call edges of the site whose callee (wrapper) name is the identifier. */
  private sitesNamedAt(info: SymbolInfo, file: string): CallSite[] {
    const fn = this.functionAt(file, info.range.start);
    if (!fn) return [];
    return this.index.callSites(fn.name, file)
      .filter((s) => s.kind !== 'direct' && s.nameRange.start.line === info.range.start.line && s.nameRange.start.character === info.range.start.character)
      .flatMap((s) => this.callSites(s));
  }

  /** Every edge of the tail-call site (all branches of a conditional slot, every object). */
  private sitesAt(site: CallSiteInfo): CallSite[] {
    const all = this.index.callSites(site.function, site.file)
      .filter((s) => s.range.start.line === site.range.start.line && s.range.start.character === site.range.start.character);
    return (all.length ? all : [site]).flatMap((s) => this.callSites(s)).filter((s) => !site.slot || s.slot === site.slot);
  }

  /** The function definition a program is (matched by file and name line). */
  private programDef(p: ProgramInfo): FunctionDef {
    const defs = this.index.functions(p.name);
    const def = defs.find((d) => d.file === p.file && d.nameRange.start.line === p.line - 1) ?? defs.find((d) => d.file === p.file);
    if (def) return toFunction(def);
    const at = { start: { line: p.line - 1, character: 0 }, end: { line: p.line - 1, character: 0 } };
    return { name: p.name, file: p.file, nameRange: at, range: at, programs: [p], ...(p.condition ? { condition: p.condition } : {}) };
  }

  /** One CallSite per target of a core site. */
  private callSites(s: CallSiteInfo): CallSite[] {
    const kind = s.kind === 'tail' ? 'tail' : s.kind === 'dynamic-tail' ? 'dynamic-tail' : 'call';
    const range = kind === 'call' ? s.nameRange : this.slotRange(s);
    return s.targets.map((t) => {
      const out: CallSite = { caller: s.function, callee: t.name, kind, file: s.file, range };
      if (s.via) out.via = s.via;
      if (s.slot) out.slot = s.slot;
      if (s.slotValue !== undefined) out.slotValue = s.slotValue;
      if (s.condition) out.condition = s.condition;
      if (t.object) out.object = t.object;
      return out;
    });
  }

  /** The slot argument's range inside the site's text (the identifier a user clicks), else the callee name. */
  private slotRange(s: CallSiteInfo): Span {
    const text = this.texts.text(s.file);
    const slot = s.slot;
    if (text === undefined || !slot) return s.nameRange;
    const from = this.texts.offsetAt(s.file, s.range.start);
    const to = this.texts.offsetAt(s.file, s.range.end);
    const hay = text.slice(from, to);
    const at = /^\w+$/.test(slot) ? wordIndex(hay, slot) : hay.indexOf(slot);
    if (at < 0) return s.nameRange;
    const start = this.texts.positionOf(s.file, from + at);
    return { start, end: { line: start.line, character: start.character + slot.length } };
  }

  callsFrom(fn: string): CallSite[] { return this.index.callSites(fn).flatMap((s) => this.callSites(s)); }
  callersOf(fn: string): CallSite[] { return this.index.callers(fn).flatMap((s) => this.callSites(s)); }

  functionAt(file: string, pos: Pos): FunctionDef | undefined {
    let best: FunctionDef | undefined;
    for (const d of this.functionsOf(file)) {
      if (!contains(d.range, pos)) continue;
      if (!best || contains(best.range, d.range.start)) best = d;
    }
    return best;
  }

  fileSymbols(file: string): FileSymbol[] {
    const entry = this.symbolsCache.get(file);
    if (entry && this.symbolsValid(file, entry)) return entry.symbols;
    const symbols = this.index.fileSymbols(file).map(toSymbol);
    this.symbolsCache.set(file, { facts: this.index.facts(file), programs: this.caches().programsOfFile.get(file) ?? '', symbols });
    return symbols;
  }

  /**
   * A file's symbols are its own facts (functions, #defines, maps with their ranges) plus the programs
   * the graph says its functions are: the same facts object (an edit or a change of macro roles replaces
   * it) and the same programs give the same symbols.
   */
  private symbolsValid(file: string, entry: { facts: FileFacts | undefined; programs: string }): boolean {
    return entry.facts === this.index.facts(file) && entry.programs === (this.caches().programsOfFile.get(file) ?? '');
  }

  allSymbols(): Iterable<FileSymbol> {
    return this.index.files().flatMap((f) => this.fileSymbols(f));
  }

  /**
   * Computes the per-file caches (symbols, then the text tables of find-references) of up to `count`
   * files that lack them; false once every file has them. After an edit only the files it changed
   * (usually the edited one) are computed again.
   */
  warm(count: number): boolean {
    let left = count;
    for (const f of this.index.files()) {
      const entry = this.symbolsCache.get(f);
      if (entry && this.symbolsValid(f, entry)) continue;
      if (left-- === 0) return true;
      this.fileSymbols(f);
    }
    if (left > 0 && !this.texts.warm(left)) return this.index.warmGraphCaches();
    return true;
  }

  occurrences(name: string): Array<{ file: string; range: Span }> { return this.texts.occurrences(name); }

  diagnostics(): TreeDiagnostic[] {
    return this.index.diagnostics()
      // Recovery notes about tree-sitter and unevaluable slots are for tools; the editor shows the tree's inconsistencies.
      .filter((d) => d.severity !== 'info')
      .map((d) => ({ file: d.file, range: d.range, severity: d.severity, code: codeOf(d.message), message: d.message }));
  }

  updateFile(file: string, text: string): void {
    // Opening or closing an unmodified file hands over the text the index already has.
    if (this.texts.text(file) === text) return;
    this.index.updateFile(file, text);
    this.texts.set(file, text);
    this.invalidate();
  }

  removeFile(file: string): void {
    this.index.removeFile(file);
    this.texts.delete(file);
    this.symbolsCache.delete(file);
    this.invalidate();
  }

  private invalidate(): void {
    this.graphCache = undefined;
    this.cache = undefined;
    this.defsCache = { functions: new Map(), macros: new Map(), maps: new Map() };
  }
}

function cached<T>(m: Map<string, T>, key: string, make: () => T): T {
  let v = m.get(key);
  if (v === undefined) { v = make(); m.set(key, v); }
  return v;
}

/** Index of `word` in `text` as a whole word, or -1. */
function wordIndex(text: string, word: string): number {
  const isWord = (c: string | undefined) => c !== undefined && /\w/.test(c);
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (!isWord(text[at - 1]) && !isWord(text[at + word.length])) return at;
  }
  return -1;
}

function codeOf(message: string): string {
  if (/has no program in/.test(message)) return 'slot-without-program';
  if (/also has/.test(message)) return 'slot-clash';
  return 'tree';
}

function samePos(a: Pos, b: Pos): boolean { return a.line === b.line && a.character === b.character; }
function before(a: Pos, b: Pos): boolean { return a.line < b.line || (a.line === b.line && a.character < b.character); }

function uniqueTargets(targets: SlotTarget[]): SlotTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.object}\u0000${t.program.file}\u0000${t.program.nameRange.start.line}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function contains(r: Span, p: Pos): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

function toFunction(d: Definition): FunctionDef {
  const out: FunctionDef = { name: d.name, file: d.file, nameRange: d.nameRange, range: d.range, programs: d.programs ?? [] };
  if (d.condition) out.condition = d.condition;
  if (d.declaredBy) out.declaredBy = d.declaredBy;
  return out;
}

/** Core macro details read `NAME(a, b) body` (function-like) or `NAME body` (object-like). */
function toMacro(d: Definition): MacroDef {
  const out: MacroDef = { name: d.name, file: d.file, nameRange: d.nameRange, range: d.range, body: '' };
  const rest = d.detail?.startsWith(d.name) ? d.detail.slice(d.name.length) : '';
  if (rest.startsWith('(')) {
    const close = rest.indexOf(')');
    out.params = rest.slice(1, close < 0 ? undefined : close).split(',').map((p) => p.trim()).filter(Boolean);
    out.body = close < 0 ? '' : rest.slice(close + 1).trim();
  } else {
    out.body = rest.trim();
  }
  if (d.condition) out.condition = d.condition;
  return out;
}

function toMap(d: Definition): MapDef {
  const out: MapDef = { name: d.name, file: d.file, nameRange: d.nameRange, range: d.range };
  if (d.condition) out.condition = d.condition;
  return out;
}

function toSymbol(d: Definition): FileSymbol {
  if (d.kind === 'function') return { kind: 'function', ...toFunction(d) };
  if (d.kind === 'map') return { kind: 'map', ...toMap(d) };
  return { kind: 'macro', ...toMacro(d) };
}
