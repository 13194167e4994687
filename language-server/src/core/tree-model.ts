// The indexed tree as a whole: per-file facts, #include resolution, and the macro/enum environment of
// each program object (each bpf_*.c sees its own #defines first, then its headers in include order).
import path from 'node:path';
import type { MacroDef } from './directives';
import type { FileFacts, FunctionFact, EnumeratorFact } from './facts';
import { evaluateText, type ConstEnv, type MacroLookup } from './macros';

export interface Located<T> { file: string; item: T }

export interface ObjectEnv extends ConstEnv {
  object: string;
  files: string[];
  fileSet: Set<string>;
  macros: MacroLookup;
}

/** Files whose #defines should win in the tree-wide table: the datapath itself before tests and tools. */
function filePriority(rel: string): number {
  if (rel.startsWith('include/')) return 0;
  if (rel.startsWith('lib/')) return 1;
  if (!rel.includes('/') && rel.endsWith('.h')) return 2;
  if (!rel.includes('/')) return 3;
  return 4;
}

export class TreeModel {
  readonly files = new Map<string, FileFacts>();
  private derived?: {
    macros: Map<string, Located<MacroDef>[]>;
    globalMacros: MacroLookup;
    functions: Map<string, Located<FunctionFact>[]>;
    enumerators: Map<string, Located<EnumeratorFact>>;
    includeEdges: Map<string, string[]>;
  };
  private envs = new Map<string, ObjectEnv>();

  constructor(readonly root: string) {}

  /** Bumped whenever object environments may have changed (defines or includes of some file). */
  envEpoch = 0;

  set(facts: FileFacts): void {
    const old = this.files.get(facts.file);
    this.files.set(facts.file, facts);
    if (!old || !this.derived) { this.invalidate(); return; }
    // One-file edit: patch the tree-wide tables instead of rebuilding them from every file.
    const d = this.derived;
    const file = facts.file;
    const sameEnv = envSignature(old) === envSignature(facts);
    for (const m of old.defines) removeFrom(d.macros, m.name, file);
    for (const fn of old.functions) removeFrom(d.functions, fn.name, file);
    for (const e of old.enumerators) if (d.enumerators.get(e.name)?.file === file) d.enumerators.delete(e.name);
    for (const m of facts.defines) insertByPriority(d.macros, m.name, { file, item: m });
    for (const fn of facts.functions) insertByPriority(d.functions, fn.name, { file, item: fn });
    for (const e of facts.enumerators) if (!d.enumerators.has(e.name)) d.enumerators.set(e.name, { file, item: e });
    if (!sameEnv) {
      d.includeEdges.set(file, facts.includes.map((inc) => this.resolveInclude(file, inc.path, inc.system)).filter((x): x is string => !!x));
      this.envs.clear();
      this.envEpoch++;
    }
  }
  delete(file: string): void { this.files.delete(file); this.invalidate(); }
  invalidate(): void { this.derived = undefined; this.envs.clear(); this.envEpoch++; }

  private get d() {
    if (this.derived) return this.derived;
    const ordered = [...this.files.keys()].sort((a, b) => filePriority(a) - filePriority(b) || a.localeCompare(b));
    const macros = new Map<string, Located<MacroDef>[]>();
    const functions = new Map<string, Located<FunctionFact>[]>();
    const enumerators = new Map<string, Located<EnumeratorFact>>();
    for (const file of ordered) {
      const f = this.files.get(file)!;
      for (const m of f.defines) push(macros, m.name, { file, item: m });
      for (const fn of f.functions) push(functions, fn.name, { file, item: fn });
      for (const e of f.enumerators) if (!enumerators.has(e.name)) enumerators.set(e.name, { file, item: e });
    }
    const global: MacroLookup = { get: (n) => macros.get(n)?.[0].item };
    const includeEdges = new Map<string, string[]>();
    for (const [file, f] of this.files) {
      includeEdges.set(file, f.includes.map((inc) => this.resolveInclude(file, inc.path, inc.system)).filter((x): x is string => !!x));
    }
    this.derived = { macros, globalMacros: global, functions, enumerators, includeEdges };
    return this.derived;
  }

  get globalMacros(): MacroLookup { return this.d.globalMacros; }
  macroDefinitions(name: string): Located<MacroDef>[] { return this.d.macros.get(name) ?? []; }
  allMacros(): IterableIterator<Located<MacroDef>[]> { return this.d.macros.values(); }
  functionDefinitions(name: string): Located<FunctionFact>[] { return this.d.functions.get(name) ?? []; }
  hasFunction(name: string): boolean { return this.d.functions.has(name); }
  includesOf(file: string): string[] { return this.d.includeEdges.get(file) ?? []; }

  /** `#include "x"` looks next to the including file, then in the bpf/ root and bpf/include (Cilium's -I). */
  resolveInclude(from: string, inc: string, system: boolean): string | undefined {
    const dir = path.posix.dirname(from);
    const candidates = system ? [`include/${inc}`, inc] : [path.posix.join(dir, inc), inc, `include/${inc}`];
    for (const c of candidates) {
      const norm = path.posix.normalize(c);
      if (this.files.has(norm)) return norm;
    }
    return undefined;
  }

  /** Files seen by a compilation unit, in the order the preprocessor first meets them. */
  closure(object: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const visit = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      out.push(f);
      for (const inc of this.includesOf(f)) visit(inc);
    };
    visit(object);
    return out;
  }

  /** Objects (compilation units) whose closure contains a file. */
  objectsIncluding(file: string, objects: readonly string[]): string[] {
    return objects.filter((o) => this.env(o).fileSet.has(file));
  }

  env(object: string): ObjectEnv {
    let env = this.envs.get(object);
    if (env) return env;
    const files = this.closure(object);
    const table = new Map<string, MacroDef>();
    // Defines first met win (a later `#ifndef X / #define X default` does not override the object's own).
    for (const file of files) for (const m of this.files.get(file)!.defines) if (!table.has(m.name)) table.set(m.name, m);
    const global = this.d.globalMacros;
    const macros: MacroLookup = { get: (n) => table.get(n) ?? global.get(n) };
    const enumCache = new Map<string, number | undefined>();
    const enumValue = (name: string): number | undefined => {
      if (enumCache.has(name)) return enumCache.get(name);
      enumCache.set(name, undefined); // recursion guard
      const e = this.d.enumerators.get(name)?.item;
      let v: number | undefined;
      if (e) {
        if (e.value !== undefined) v = evaluateText(e.value, { macros, enumValue });
        else if (e.previous !== undefined) { const p = enumValue(e.previous); v = p === undefined ? undefined : p + e.index; }
        else v = e.index;
      }
      enumCache.set(name, v);
      return v;
    };
    env = { object, files, fileSet: new Set(files), macros, enumValue };
    this.envs.set(object, env);
    return env;
  }
}

function envSignature(f: FileFacts): string {
  return f.includes.map((i) => i.path).join('|') + '\n' + f.defines.map((d) => `${d.name}(${d.params?.join(',') ?? ''})${d.bodyText}`).join('\n');
}

function removeFrom<T>(m: Map<string, Located<T>[]>, k: string, file: string): void {
  const list = m.get(k);
  if (!list) return;
  const kept = list.filter((x) => x.file !== file);
  if (kept.length) m.set(k, kept); else m.delete(k);
}

function insertByPriority<T>(m: Map<string, Located<T>[]>, k: string, v: Located<T>): void {
  const list = m.get(k) ?? [];
  list.push(v);
  list.sort((a, b) => filePriority(a.file) - filePriority(b.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  m.set(k, list);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v); else m.set(k, [v]);
}
