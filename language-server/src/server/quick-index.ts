// What the server knows while the tree is still being indexed: a cheap text scan of every file for
// `#define`s and function definitions (a line that starts with a name list ending in `name(…)` followed
// by `{`). It answers definition, references, document and workspace symbols from that scan, so a request
// during indexing gets what is known instead of nothing. It knows no tail call, program or macro-generated
// function; once the index exists the analysis answers instead (runner.ts, analysis-worker.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Analysis, CallSite, FileSymbol, FunctionDef, IdentifierAt, MacroDef, MapDef, Pos, Span, TreeDiagnostic } from './analysis';
import type { Graph } from '../core/graph-schema';
import { TextIndex, codeMask } from './text-index';

/** The features a request during indexing is answered with (from the text scan); others wait for the index. */
export const PARTIAL_FEATURES = new Set(['definition', 'references', 'documentSymbol', 'workspaceSymbol']);

const NOT_FUNCTIONS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', 'do', 'else', 'case', 'defined']);

/** Function definitions and #defines of one file, found by scanning its text (0-based spans). */
export function scanText(file: string, text: string, texts: TextIndex): { functions: FunctionDef[]; macros: MacroDef[] } {
  const functions: FunctionDef[] = [];
  const macros: MacroDef[] = [];
  const skipped = codeMask(text);
  const pos = (offset: number) => texts.positionOf(file, offset);
  const span = (start: number, end: number): Span => ({ start: pos(start), end: pos(end) });

  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\()?/gm)) {
    const nameStart = m.index! + m[0].length - m[1]!.length - (m[2] ? 1 : 0);
    let end = m.index!;
    // A #define runs to the first newline not escaped by a backslash.
    for (;;) {
      const nl = text.indexOf('\n', end);
      if (nl < 0) { end = text.length; break; }
      end = nl;
      if (text.charCodeAt(nl - 1) === 92 || (text.charCodeAt(nl - 1) === 13 && text.charCodeAt(nl - 2) === 92)) { end = nl + 1; continue; }
      break;
    }
    const after = nameStart + m[1]!.length;
    const def: MacroDef = { name: m[1]!, file, nameRange: span(nameStart, after), range: span(m.index!, end), body: '' };
    let rest = text.slice(after, end).replace(/\\\r?\n/g, ' ');
    if (m[2]) {
      const close = rest.indexOf(')');
      def.params = rest.slice(1, close < 0 ? undefined : close).split(',').map((p) => p.trim()).filter(Boolean);
      rest = close < 0 ? '' : rest.slice(close + 1);
    }
    def.body = rest.trim();
    macros.push(def);
  }

  // A definition starts at column 0 (Cilium's style): `static __always_inline int name(…)\n{`, possibly
  // after a marker macro on the same line (`__section_tail(MAP, SLOT) int name(…)`): the first `name(…)`
  // of the line whose closing parenthesis is followed by `{`.
  const call = /([A-Za-z_]\w*)[ \t]*\(/g;
  for (const line of text.matchAll(/^[A-Za-z_]/gm)) {
    if (skipped(line.index!)) continue;
    let lineEnd = text.indexOf('\n', line.index!);
    if (lineEnd < 0) lineEnd = text.length;
    call.lastIndex = line.index!;
    for (let m = call.exec(text); m && m.index < lineEnd; m = call.exec(text)) {
      const name = m[1]!;
      const open = m.index + m[0].length - 1;
      const close = matching(text, open, '(', ')', skipped);
      if (close < 0) break;
      const at = skipBlanks(text, close + 1);
      if (text[at] === '{') {
        if (!NOT_FUNCTIONS.has(name)) {
          const end = matching(text, at, '{', '}', skipped);
          functions.push({ name, file, nameRange: span(m.index, m.index + name.length), range: span(line.index!, end < 0 ? text.length : end + 1), programs: [] });
        }
        break;
      }
      if (/[;=,]/.test(text[at] ?? ';')) break;
      // A marker's arguments may run onto the next lines: keep reading to the end of the line they close on.
      const closeLineEnd = text.indexOf('\n', close);
      lineEnd = Math.max(lineEnd, closeLineEnd < 0 ? text.length : closeLineEnd);
      call.lastIndex = close + 1;
    }
  }
  return { functions, macros };
}

/** The first offset from `at` that is neither white space nor inside a comment. */
function skipBlanks(text: string, at: number): number {
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (text.startsWith('/*', at)) { const end = text.indexOf('*/', at + 2); at = end < 0 ? text.length : end + 2; continue; }
    if (text.startsWith('//', at)) { const end = text.indexOf('\n', at); at = end < 0 ? text.length : end; continue; }
    return at;
  }
}

/** Offset of the bracket closing the one at `open`, skipping comments and literals; -1 if none. */
function matching(text: string, open: number, o: string, c: string, skipped: (offset: number) => boolean): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch !== o && ch !== c) continue;
    if (skipped(i)) continue;
    if (ch === o) depth++;
    else if (--depth === 0) return i;
  }
  return -1;
}

/**
 * The Analysis interface over the text scan: no graph, no call sites, no diagnostics. Files are scanned
 * a few at a time (scanSome, between other work) or at once when a request is about them (ensure);
 * answers come from the files scanned so far.
 */
export class QuickAnalysis implements Analysis {
  private readonly texts = new TextIndex();
  private readonly perFile = new Map<string, { functions: FunctionDef[]; macros: MacroDef[] }>();
  private readonly byName = { functions: new Map<string, FunctionDef[]>(), macros: new Map<string, MacroDef[]>() };
  private readonly fileList: string[];
  private readonly known: Set<string>;
  /** Editor texts of open documents, used instead of the file on disk. */
  private readonly overrides = new Map<string, string>();
  private next = 0;

  constructor(readonly root: string, files: string[]) {
    this.fileList = [...files].sort();
    this.known = new Set(this.fileList);
  }

  /** Scans up to `count` files not scanned yet; false once every file is scanned. */
  scanSome(count: number): boolean {
    for (let left = count; this.next < this.fileList.length && left > 0; this.next++) {
      const f = this.fileList[this.next]!;
      if (this.perFile.has(f)) continue;
      this.scan(f);
      left--;
    }
    return this.next < this.fileList.length;
  }

  /** The editor's text of a document: scanned instead of the file on disk (now, if already scanned). */
  setText(file: string, text: string): void {
    if (!this.known.has(file)) return;
    this.overrides.set(file, text);
    if (this.perFile.has(file)) this.scan(file);
  }

  private ensure(file: string): void {
    if (this.known.has(file) && !this.perFile.has(file)) this.scan(file);
  }

  private scan(file: string): void {
    const old = this.perFile.get(file);
    if (old) {
      for (const d of old.functions) drop(this.byName.functions, d.name, file);
      for (const d of old.macros) drop(this.byName.macros, d.name, file);
    }
    let text = this.overrides.get(file);
    if (text === undefined) {
      try { text = fs.readFileSync(path.join(this.root, file), 'utf8'); } catch { text = ''; }
    }
    this.texts.set(file, text);
    const found = scanText(file, text, this.texts);
    this.perFile.set(file, found);
    for (const d of found.functions) push(this.byName.functions, d.name, d);
    for (const d of found.macros) push(this.byName.macros, d.name, d);
  }

  fileCount(): number { return this.fileList.length; }
  files(): string[] { return this.fileList; }
  graph(): Graph { return { root: this.root, programs: [], edges: [] } as unknown as Graph; }
  functions(name: string): FunctionDef[] { return this.byName.functions.get(name) ?? []; }
  macros(name: string): MacroDef[] { return this.byName.macros.get(name) ?? []; }
  maps(_name: string): MapDef[] { return []; }

  identifierAt(file: string, pos: Pos): IdentifierAt | undefined {
    this.ensure(file);
    const word = this.texts.wordAt(file, pos);
    if (!word) return undefined;
    const functions = this.functions(word.name);
    if (functions.length) return { ...word, resolution: { kind: 'function', defs: functions } };
    const macros = this.macros(word.name);
    if (macros.length) return { ...word, resolution: { kind: 'macro', defs: macros } };
    return word;
  }

  callsFrom(_fn: string): CallSite[] { return []; }
  callersOf(_fn: string): CallSite[] { return []; }

  functionAt(file: string, pos: Pos): FunctionDef | undefined {
    this.ensure(file);
    return this.perFile.get(file)?.functions.find((d) => before(d.range.start, pos) && before(pos, d.range.end));
  }

  fileSymbols(file: string): FileSymbol[] {
    this.ensure(file);
    const f = this.perFile.get(file);
    if (!f) return [];
    return [...f.functions.map((d) => ({ kind: 'function' as const, ...d })), ...f.macros.map((d) => ({ kind: 'macro' as const, ...d }))];
  }

  allSymbols(): Iterable<FileSymbol> { return this.fileList.flatMap((f) => (this.perFile.has(f) ? this.fileSymbols(f) : [])); }
  occurrences(name: string): Array<{ file: string; range: Span }> { return this.texts.occurrences(name); }
  diagnostics(): TreeDiagnostic[] { return []; }
  updateFile(file: string, text: string): void { this.setText(file, text); }
  removeFile(): void { /* the index takes it; this scan only serves until the index exists */ }
  warm(count: number): boolean { return this.scanSome(count); }
}

function drop<T extends { file: string }>(m: Map<string, T[]>, k: string, file: string): void {
  const l = m.get(k)?.filter((d) => d.file !== file);
  if (l?.length) m.set(k, l); else m.delete(k);
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v); else m.set(k, [v]);
}

function before(a: Pos, b: Pos): boolean { return a.line < b.line || (a.line === b.line && a.character <= b.character); }
