/**
 * The analysis core's one entry point: `DatapathIndex`, an index of a Cilium bpf/ tree and its tail-call
 * graph. It knows nothing of LSP; the CLI, the language server, tests and benchmarks use it as a library.
 *
 *   const index = await DatapathIndex.open(dirOrWorkspace, { cacheDir?, workers?, searchDepth?, exclude? });
 *   index.root                     absolute bpf/ folder (the folder holding bpf_lxc.c; see findBpfRoot)
 *   index.files()                  relative paths of indexed .c/.h files
 *   index.updateFile(rel, text)    one-file re-index, synchronous (graph rebuilt incrementally on next query)
 *   index.removeFile(rel)
 *   index.warmGraphCaches()        idle-time work after a warm start, so the first edit costs what later ones do
 *   index.graph(): Graph           programs + edges (graph-schema.ts; 1-based lines, paths relative to root)
 *   index.objects()                program objects (bpf_lxc.c, bpf_host.c, …)
 *   index.programs()               ProgramInfo[] (GraphProgram + 0-based name offsets, map role)
 *   index.functions(name) / macros(name) / maps(name)   → Definition[] (file, nameRange, range, condition);
 *        for a name with no function definition, functions() gives its helper declarations (`declaredBy` set:
 *        `static void *BPF_FUNC(name, …);` and the like), which fileSymbols() lists too
 *   index.symbolAt(rel, {line, character})             → what the identifier there is and resolves to:
 *        function/macro/map definitions, and for a slot constant at a tail-call site or a program's
 *        marker, the programs of that slot per object; for a wrapper, its slot parameter
 *   index.callSites(fn, rel?)      calls made inside a function: direct, macro, tail, dynamic-tail (with ranges)
 *   index.callers(fn)              sites that call or tail-call into fn (tail targets included)
 *   index.fileSymbols(rel)         functions, macros, maps of a file (with ranges)
 *   index.diagnostics(rel?)        tree inconsistencies and recovery notes, with ranges
 *   index.wrappers()               derived tail-call wrappers (name, slot parameter index, primitive)
 *   index.conditionsAt(rel, pos)   raw #if/#ifdef/#elif/#else frames active at a position (for per-mode evaluation)
 *   index.facts(rel)               raw per-file facts (functions with markers and sites, defines, maps, regions)
 *   index.stats                    files, bytes, fromCache, ms of the last open()
 *   index.close()                  stops parse workers; DatapathIndex.flushCache() awaits pending cache writes
 *   findBpfRoot(dir, depth?)       the folder holding bpf_lxc.c: dir, dir/bpf, or deeper (default depth 4)
 *   programTailGraph(graph)        (program-graph.ts) program → program tail edges per object, for drawing
 *
 * Ranges are 0-based {line, character} (UTF-16), as LSP wants them. Parsing never fails: a file yields
 * what could be recovered plus diagnostics.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { scanDirectives, quickDefines, sameDefines, framesAt, type ConditionFrame, type DirectiveScan, type MacroDef } from './directives';
import type { FileFacts } from './facts';
import { contentHash, MAX_FILE_CHARS, extractFile, extractFileIncrementally, parseShapes, type ParseMemo, type RolesContext } from './extract';
import { deriveMacroRoles } from './macro-roles';
import { compiledWasm, loadCParser, type CParser } from './wasm';
import { TreeModel } from './tree-model';
import { buildGraph, ResolverCaches, type GraphBuild, type ProgramInfo, type Wrapper } from './resolver';
import { loadCached, latestCached, storeCached, treeKey, defaultCacheDir, type CacheEntry, type CachedExtras } from './cache';
import { ParsePool } from './worker-pool';
import type { Graph } from './graph-schema';
import { Lookups, registerTextSource, type Definition, type SymbolInfo, type CallSiteInfo, type CoreDiagnostic, type Position } from './lookups';

export type { Definition, SymbolInfo, CallSiteInfo, CoreDiagnostic, Position, ProgramInfo, Wrapper, Graph, ConditionFrame };
export { programTailGraph, programId, type ProgramTailGraph } from './program-graph';
export { conditionText } from './directives';
export type { Range } from './lookups';

export interface IndexOptions {
  /** Where the on-disk cache lives; false disables it. Default: $XDG_CACHE_HOME/dpnav. */
  cacheDir?: string | false;
  /** Parse in worker threads (default true when more than ~20 files and more than two cores: ParsePool.worthwhile). */
  workers?: boolean;
  /** How deep below `dir` to look for the folder holding bpf_lxc.c (default 4; the CLI uses 1). */
  searchDepth?: number;
  /**
   * Folders left out of the index: a path relative to bpf/ (`include/linux`), a folder name matched at any
   * depth (`tests`), or a glob in which `*` matches within a name and `**` across folders. Default: none.
   */
  exclude?: string[];
  /**
   * Most .c/.h files indexed (default: no limit). A folder with more (a whole kernel tree opened by
   * mistake) is refused with an error naming the limit, before any file is read.
   */
  maxFiles?: number;
  /** Called as files are parsed (on a cache miss): files done so far and files to parse. */
  onProgress?: (done: number, total: number) => void;
}

/** A folder over `maxFiles`: indexing refused, with a message saying what to change. */
export class IndexLimitError extends Error {}

export interface IndexStats {
  files: number; bytes: number; fromCache: boolean; ms: number;
  /** On a cache miss: files whose facts came from the previous cache entry of the same root (not parsed). */
  reusedFiles?: number;
}

/** The folder holding bpf_lxc.c: `dir` itself, `dir/bpf`, or the first such folder below (depth ≤ 4). */
export function findBpfRoot(dir: string, maxDepth = 4): string | undefined {
  const abs = path.resolve(dir);
  if (maxDepth <= 1) {
    for (const d of [abs, path.join(abs, 'bpf')]) if (fs.existsSync(path.join(d, 'bpf_lxc.c'))) return d;
    return undefined;
  }
  const queue: { d: string; depth: number }[] = [{ d: abs, depth: 0 }];
  while (queue.length) {
    const { d, depth } = queue.shift()!;
    if (fs.existsSync(path.join(d, 'bpf_lxc.c'))) return d;
    if (depth >= maxDepth) continue;
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { continue; }
    const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules');
    dirs.sort((a, b) => (a.name === 'bpf' ? -1 : b.name === 'bpf' ? 1 : a.name.localeCompare(b.name)));
    for (const e of dirs) queue.push({ d: path.join(d, e.name), depth: depth + 1 });
  }
  return undefined;
}

/** Matches a folder (path relative to bpf/) against the exclude entries. */
export function excludeMatcher(exclude: readonly string[]): (rel: string) => boolean {
  const patterns = exclude.map((e) => e.trim().replace(/^\.?\/+|\/+$/g, '')).filter(Boolean).map((e) => {
    if (!e.includes('*')) return (rel: string) => rel === e || (!e.includes('/') && rel.split('/').pop() === e);
    const re = new RegExp(`^${e.split('**').map((part) => part.split('*').map((t) => t.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}$`);
    return (rel: string) => re.test(rel) || (!e.includes('/') && re.test(rel.split('/').pop()!));
  });
  return (rel) => patterns.some((p) => p(rel));
}

function listSources(root: string, exclude: readonly string[], maxFiles = Infinity): string[] {
  const out: string[] = [];
  const excluded = excludeMatcher(exclude);
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }); } catch { return; } // unreadable folder
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { if (!excluded(r) && !e.name.startsWith('.') && e.name !== 'node_modules') walk(r); }
      else if (/\.[ch]$/.test(e.name)) {
        out.push(r);
        // Stop walking at once: a 50k-file tree is not listed in full just to be refused.
        if (out.length > maxFiles) {
          throw new IndexLimitError(`${root}: more than ${maxFiles} .c/.h files (limit dpnav.maxFiles); `
            + 'is this the right folder? Exclude folders with dpnav.exclude or raise dpnav.maxFiles');
        }
      }
    }
  };
  walk('');
  return out.sort();
}

function rolesHashOf(roles: RolesContext['roles'], generatorBodies: string[]): string {
  const h = crypto.createHash('sha1');
  for (const s of [roles.attributeLike, roles.markers, roles.generators]) h.update([...s].sort().join(',')).update('|');
  h.update(generatorBodies.sort().join('\n'));
  return h.digest('hex');
}

/** A file over the size limit contributes no directives (extract.ts leaves it unparsed, with a diagnostic). */
function scanWithinLimit(text: string, file: string): DirectiveScan {
  return scanDirectives(text.length > MAX_FILE_CHARS ? '' : text, file);
}

/** The tree-wide macro table: the first definition of each name, include/ before lib/ before the root before the rest. */
function macroTable(defines: readonly MacroDef[]): Map<string, MacroDef> {
  const table = new Map<string, MacroDef>();
  const prio = (f: string) => (f.startsWith('include/') ? 0 : f.startsWith('lib/') ? 1 : !f.includes('/') ? 2 : 3);
  for (const d of [...defines].sort((a, b) => prio(a.file) - prio(b.file))) if (!table.has(d.name)) table.set(d.name, d);
  return table;
}

const pendingStores = new Set<Promise<void>>();
/** Edited files whose tree-sitter tree is kept for incremental re-parsing (each costs WASM memory). */
const KEPT_TREES = 8;

export class DatapathIndex {
  private readonly modelValue: TreeModel;
  /** Set after a warm start until the first query needing per-file facts reads them (see cache.ts). */
  private pendingFacts?: { load: CacheEntry['loadFiles']; roles: CachedExtras['roles'] };
  private readonly caches = new ResolverCaches();
  private built?: GraphBuild;
  /** The graph came from the on-disk cache and the resolver caches are still empty (see warmGraphCaches). */
  private revived = false;
  private lookupsCache?: Lookups;
  private texts = new Map<string, string>();
  /** Last parse trees of edited files, least recently edited first. */
  private trees = new Map<string, ParseMemo>();
  private ctxValue!: RolesContext;
  stats: IndexStats = { files: 0, bytes: 0, fromCache: false, ms: 0 };

  private constructor(readonly root: string, private readonly cp: CParser, private pool?: ParsePool) {
    this.modelValue = new TreeModel(root);
    registerTextSource(this.modelValue, (f) => this.texts.get(f));
  }

  private get model(): TreeModel {
    if (this.pendingFacts) this.materialize();
    return this.modelValue;
  }
  private get ctx(): RolesContext {
    if (this.pendingFacts) this.materialize();
    return this.ctxValue;
  }
  private set ctx(ctx: RolesContext) { this.ctxValue = ctx; }

  /** Reads the per-file facts of a warm start; re-extracts in this thread if that half of the cache is gone. */
  private materialize(): void {
    const pending = this.pendingFacts!;
    this.pendingFacts = undefined;
    const loaded = pending.load((f) => this.texts.get(f));
    const facts = loaded?.files;
    const sites = loaded?.withFacts as GraphBuild['sites'] | undefined;
    if (facts && sites && facts.length === this.texts.size && facts.every((f) => this.texts.has(f.file))) {
      for (const f of facts) this.modelValue.set(f);
      this.ctx = pending.roles ? this.rolesFromCache(pending.roles) : this.rolesFromModel();
      if (this.built) this.built = withSites(this.built, sites);
      return;
    }
    const scans = new Map<string, DirectiveScan>();
    for (const [f, text] of this.texts) scans.set(f, scanWithinLimit(text, f));
    this.ctx = this.rolesFrom([...scans.values()].flatMap((s) => s.defines));
    for (const [f, text] of this.texts) this.modelValue.set(extractFile(this.cp, f, text, this.ctxValue, scans.get(f)));
    this.invalidate();
  }

  static async open(dir: string, options: IndexOptions = {}): Promise<DatapathIndex> {
    await Promise.all(pendingStores); // a cache entry still being written by this process
    const t0 = performance.now();
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: no such directory`);
    const root = findBpfRoot(dir, options.searchDepth);
    if (!root) throw new Error(`${dir}: no bpf_lxc.c here${options.searchDepth === 0 ? '' : ' or in a bpf/ folder below'}; point at Cilium's bpf/ folder`);
    const cp = await loadCParser();
    const files = listSources(root, options.exclude ?? [], options.maxFiles);
    const index = new DatapathIndex(root, cp);
    let bytes = 0;
    const hashes = new Map<string, string>();
    for (const f of files) {
      const text = fs.readFileSync(path.join(root, f), 'utf8');
      bytes += text.length;
      index.texts.set(f, text);
      hashes.set(f, contentHash(text));
    }
    const cacheDir = options.cacheDir === false ? undefined : options.cacheDir ?? defaultCacheDir();
    const key = treeKey(root, hashes);
    const cached = cacheDir ? loadCached(cacheDir, key) : undefined;
    let reusedFiles = 0;
    if (cached) {
      // The graph build answers graph queries at once; per-file facts are read on first need.
      index.pendingFacts = { load: cached.loadFiles, roles: cached.roles };
      if (cached.build) { index.built = reviveBuild(cached.build as Omit<SerializedBuild, 'sites'>); index.revived = true; }
    } else {
      // Workers start now: they load the parser while this thread derives the macro roles.
      index.pool = options.workers ?? (files.length > 20 && ParsePool.worthwhile()) ? ParsePool.create(await compiledWasm()) : undefined;
      const quick = new Map<string, MacroDef[]>();
      // Without workers, the directive scans extraction needs anyway come first and give the roles.
      const scans = index.pool ? undefined : new Map<string, DirectiveScan>();
      let reused = new Map<string, FileFacts>();
      let toExtract = files;
      try {
        // Blanking needs the macro roles, which need every #define of the tree. With workers, a quick pass
        // over the #define lines gives them and the full directive scan of each file runs with its
        // extraction, in parallel; checkQuickRoles() then confirms the quick pass saw the same #defines.
        if (scans) {
          for (const f of files) scans.set(f, scanWithinLimit(index.texts.get(f)!, f));
          index.ctx = index.rolesFrom([...scans.values()].flatMap((s) => s.defines));
        } else {
          for (const f of files) { const text = index.texts.get(f)!; quick.set(f, text.length > MAX_FILE_CHARS ? [] : quickDefines(text, f)); }
          index.ctx = index.rolesFrom([...quick.values()].flat());
        }
        // The tree changed since the last session (an edit, a pull): files whose content and macro roles
        // are unchanged keep the facts of the previous session's cache entry; only the others are parsed.
        if (cacheDir) reused = index.reusableFacts(cacheDir, hashes);
        toExtract = files.filter((f) => !reused.has(f));
        reusedFiles = reused.size;
        if (index.pool && !(options.workers ?? toExtract.length > 20)) { await index.pool.close(); index.pool = undefined; }
        await index.extractAll(toExtract, options.onProgress, scans, hashes);
      } finally {
        await index.pool?.close();
        index.pool = undefined;
      }
      if (reused.size) {
        const extracted = toExtract.map((f) => index.model.files.get(f)!);
        for (const f of extracted) index.model.delete(f.file);
        const byFile = new Map([...reused, ...extracted.map((f) => [f.file, f] as const)]);
        for (const f of files) index.model.set(byFile.get(f)!); // path order, as a cold index has it
      }
      if (!scans) index.checkQuickRoles(quick);
      if (cacheDir) {
        // Written after open() returns (before the process can exit): the index is usable sooner.
        const r = index.ctx.roles;
        const files = [...index.model.files.values()];
        const roles = { attributeLike: [...r.attributeLike], markers: [...r.markers], generators: [...r.generators], rolesHash: index.ctx.rolesHash };
        const { sites, ...build } = serializeBuild(index.build);
        const store = new Promise<void>((resolve) => setImmediate(() => { storeCached(cacheDir, key, files, { roles, build, withFacts: sites }, root); resolve(); }));
        pendingStores.add(store);
        void store.then(() => pendingStores.delete(store));
      }
    }
    index.stats = { files: files.length, bytes, fromCache: !!cached, ms: performance.now() - t0, ...(reusedFiles ? { reusedFiles } : {}) };
    return index;
  }

  /** Facts of the latest cache entry for this root whose file content and macro roles still match. */
  private reusableFacts(cacheDir: string, hashes: ReadonlyMap<string, string>): Map<string, FileFacts> {
    const out = new Map<string, FileFacts>();
    const previous = latestCached(cacheDir, this.root);
    if (!previous) return out;
    const sameText = (f: string) => (this.texts.has(f) && hashes.get(f) !== undefined ? this.texts.get(f) : undefined);
    const loaded = previous.loadFiles(sameText);
    for (const facts of loaded?.files ?? []) {
      if (facts.hash === hashes.get(facts.file) && facts.rolesHash === this.ctxValue.rolesHash) out.set(facts.file, facts);
    }
    return out;
  }

  /** Resolves once cache entries this process is writing are on disk (tests, short-lived tools). */
  static async flushCache(): Promise<void> {
    await Promise.all(pendingStores);
  }

  private rolesFrom(defines: MacroDef[]): RolesContext {
    const table = macroTable(defines);
    const macros = { get: (n: string) => table.get(n) };
    const roles = deriveMacroRoles(table.values(), macros);
    const bodies = [...roles.generators].map((g) => `${g}(${table.get(g)?.params?.join(',')})${table.get(g)?.bodyText}`);
    return { roles, macros, rolesHash: rolesHashOf(roles, bodies) };
  }

  /**
   * After a cold extraction: the roles were derived from quickDefines(); when every file's scan found the
   * same #defines they stand (the lookup table takes the scanned definitions, with their conditions);
   * otherwise (a `#define` line inside a block comment) they are derived again, and if they changed,
   * every file is extracted again with them.
   */
  private checkQuickRoles(quick: ReadonlyMap<string, MacroDef[]>): void {
    const files = [...this.modelValue.files.values()];
    if (files.every((f) => sameDefines(f.defines, quick.get(f.file) ?? []))) {
      const table = macroTable(files.flatMap((f) => f.defines));
      this.ctx = { ...this.ctxValue, macros: { get: (n: string) => table.get(n) } };
      return;
    }
    const ctx = this.rolesFromModel();
    const changed = ctx.rolesHash !== this.ctxValue.rolesHash;
    this.ctx = ctx;
    if (changed) for (const [f, text] of this.texts) this.modelValue.set(extractFile(this.cp, f, text, ctx));
  }

  private rolesFromCache(r: { attributeLike: string[]; markers: string[]; generators: string[]; rolesHash: string }): RolesContext {
    const table = new Map<string, MacroDef>();
    for (const f of this.model.files.values()) for (const d of f.defines) if (!table.has(d.name)) table.set(d.name, d);
    return {
      roles: { attributeLike: new Set(r.attributeLike), markers: new Set(r.markers), generators: new Set(r.generators) },
      macros: { get: (n: string) => table.get(n) }, rolesHash: r.rolesHash,
    };
  }

  private rolesFromModel(): RolesContext {
    return this.rolesFrom([...this.model.files.values()].flatMap((f) => f.defines));
  }

  private async extractAll(files: string[], onProgress?: (done: number, total: number) => void, scans?: ReadonlyMap<string, DirectiveScan>,
    hashes?: ReadonlyMap<string, string>): Promise<void> {
    let done = 0;
    const progressed = (n: number) => { done += n; onProgress?.(done, files.length); };
    if (!this.pool) {
      for (const f of files) { this.model.set(extractFile(this.cp, f, this.texts.get(f)!, this.ctx, scans?.get(f), hashes?.get(f))); progressed(1); }
      return;
    }
    // Whole-file extraction (directive scan included) in batches of ~32 kB, shared between the workers and this thread.
    const pool = this.pool;
    const { roles, macros, rolesHash } = this.ctx;
    const wanted = new Set([...roles.attributeLike, ...roles.generators]);
    pool.init({
      attributeLike: [...roles.attributeLike], markers: [...roles.markers], generators: [...roles.generators], rolesHash,
      macros: [...wanted].map((n) => macros.get(n)).filter((d): d is MacroDef => !!d),
    });
    const order = [...files].sort((a, b) => this.texts.get(b)!.length - this.texts.get(a)!.length);
    const batches: string[][] = [];
    let batch: string[] = [];
    let size = 0;
    for (const f of order) {
      batch.push(f);
      size += this.texts.get(f)!.length;
      if (size > 32 * 1024) { batches.push(batch); batch = []; size = 0; }
    }
    if (batch.length) batches.push(batch);
    // Workers take batches from the front (big files), this thread from the back (small ones), until
    // the queue is empty: both cores stay busy and nobody waits for a straggler batch.
    const workerLoop = async (which: number, prefetch: boolean) => {
      // The second batch in flight is taken only while plenty are left: at the end, a batch posted ahead
      // would keep this thread waiting for a worker that has two batches to go.
      const take = () => (!prefetch || batches.length > 4 ? batches.shift() : undefined);
      for (let b = take(); b; b = take()) {
        const facts = await pool.extract(b.map((file) => ({ file, text: this.texts.get(file)! })), which);
        for (const f of facts) this.model.set(f);
        progressed(facts.length);
      }
    };
    const ownLoop = async () => {
      for (let b = batches.pop(); b; b = batches.pop()) {
        for (const f of b) this.model.set(extractFile(this.cp, f, this.texts.get(f)!, this.ctx));
        progressed(b.length);
        await new Promise((resolve) => setImmediate(resolve)); // let worker results in
      }
    };
    // Two batches in flight per worker: while this thread is busy with its own batch, a worker that has
    // finished one still has the next to work on.
    await Promise.all([...Array.from({ length: pool.size * 2 }, (_, i) => workerLoop(i % pool.size, i >= pool.size)), ownLoop()]);
    // Results arrive in any order; keep the model in path order so output is deterministic.
    const all = files.map((f) => this.model.files.get(f)!);
    for (const f of all) this.model.delete(f.file);
    for (const f of all) this.model.set(f);
  }

  // ------------------------------------------------------------------------------------------ edits

  /** Re-indexes one file from the given text (the editor's buffer). */
  updateFile(rel: string, text: string): void {
    const before = this.model.files.get(rel);
    this.texts.set(rel, text);
    const scan = scanWithinLimit(text, rel);
    const definesChanged = !before || signature(before.defines) !== signature(scan.defines);
    this.model.set(this.extractEdited(rel, text, scan));
    if (definesChanged) {
      const ctx = this.rolesFromModel();
      if (ctx.rolesHash !== this.ctx.rolesHash) {
        // Macro roles changed (a new attribute or marker macro): blanking of every file may change.
        this.ctx = ctx;
        for (const [f, t] of this.texts) if (f !== rel) this.model.set(extractFile(this.cp, f, t, ctx));
        this.model.set(this.extractEdited(rel, text, scan));
      }
      this.caches.clear();
    }
    this.invalidate();
  }

  /** Extraction of an edited file, re-parsing from its last tree (kept for the few most recently edited files). */
  private extractEdited(rel: string, text: string, scan: DirectiveScan): FileFacts {
    const previous = this.trees.get(rel);
    const { facts, memo } = extractFileIncrementally(this.cp, rel, text, this.ctx, scan, previous);
    this.dropTree(rel);
    if (memo) {
      this.trees.set(rel, memo);
      for (const oldest of this.trees.keys()) {
        if (this.trees.size <= KEPT_TREES) break;
        this.dropTree(oldest);
      }
    }
    return facts;
  }

  private dropTree(rel: string): void {
    this.trees.get(rel)?.tree.delete();
    this.trees.delete(rel);
  }

  removeFile(rel: string): void {
    this.dropTree(rel);
    this.texts.delete(rel);
    this.model.delete(rel);
    this.caches.clear();
    this.invalidate();
  }

  private invalidate(): void { this.built = undefined; this.lookupsCache = undefined; this.revived = false; }

  /**
   * After a warm start the graph comes from the cache while the per-file resolver caches are empty, so the
   * first edit would resolve every file again (~10× a later edit). Call in idle time: builds the graph once
   * (same content), filling those caches. True when it did work, false when there was nothing to do.
   */
  warmGraphCaches(): boolean {
    if (!this.revived) return false;
    const built = buildGraph(this.model, this.caches);
    this.revived = false;
    this.lookupsCache = undefined;
    this.built = built;
    return true;
  }

  private get build(): GraphBuild {
    this.built ??= buildGraph(this.model, this.caches);
    return this.built;
  }
  private get lookups(): Lookups {
    this.lookupsCache ??= new Lookups(this.model, this.build);
    return this.lookupsCache;
  }

  // ------------------------------------------------------------------------------------------ queries

  files(): string[] { return [...this.texts.keys()].sort(); }
  text(rel: string): string | undefined { return this.texts.get(rel); }
  graph(): Graph { return { root: this.root, ...this.build.graph }; }
  objects(): string[] { return [...this.build.objects]; }
  programs(): ProgramInfo[] { return [...this.build.programs]; }
  wrappers(): Wrapper[] { return [...this.build.wrappers.values()]; }
  functions(name: string): Definition[] { return this.lookups.functions(name); }
  macros(name: string): Definition[] { return this.lookups.macros(name); }
  maps(name: string): Definition[] { return this.lookups.maps(name); }
  symbolAt(rel: string, pos: Position): SymbolInfo | undefined { return this.lookups.symbolAt(rel, pos); }
  callSites(fn: string, rel?: string): CallSiteInfo[] { return this.lookups.callSites(fn, rel); }
  callers(fn: string): CallSiteInfo[] { return this.lookups.callers(fn); }
  fileSymbols(rel: string): Definition[] { return this.lookups.fileSymbols(rel); }
  diagnostics(rel?: string): CoreDiagnostic[] { return this.lookups.diagnostics(rel); }
  /** The #if frames active at a position, outermost first (include guards left out). */
  conditionsAt(rel: string, pos: Position): ConditionFrame[] {
    const f = this.model.files.get(rel);
    if (!f) return [];
    return framesAt(f, (f.lineStarts[pos.line] ?? 0) + pos.character);
  }
  /** Raw per-file facts (for tools and tests). */
  facts(rel: string): FileFacts | undefined { return this.model.files.get(rel); }

  async close(): Promise<void> {
    for (const rel of [...this.trees.keys()]) this.dropTree(rel);
    await this.pool?.close();
  }
}

interface SerializedBuild extends Omit<GraphBuild, 'wrappers' | 'sitesByFile'> { wrappers: Wrapper[] }

function serializeBuild(b: GraphBuild): SerializedBuild {
  const { sitesByFile: _derived, ...rest } = b;
  return { ...rest, wrappers: [...b.wrappers.values()] };
}

/** A cached build without its sites: they are stored with the facts and added by withSites() when read. */
function reviveBuild(s: Omit<SerializedBuild, 'sites'>): GraphBuild {
  return { ...s, sites: [], sitesByFile: new Map(), wrappers: new Map(s.wrappers.map((w) => [w.name, w])) };
}

function withSites(build: GraphBuild, sites: GraphBuild['sites']): GraphBuild {
  const sitesByFile = new Map<string, GraphBuild['sites']>();
  for (const site of sites) {
    const list = sitesByFile.get(site.file);
    if (list) list.push(site); else sitesByFile.set(site.file, [site]);
  }
  return { ...build, sites, sitesByFile };
}

function signature(defines: readonly MacroDef[]): string {
  return defines.map((d) => `${d.name}(${d.params?.join(',') ?? ''})${d.bodyText}`).join('\n');
}

export { parseShapes };
