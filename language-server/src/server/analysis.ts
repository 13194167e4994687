// The server's view of the analysis core: the lookups the LSP handlers need, in the core's terms
// (bpf-relative paths, 0-based ranges, no LSP types). core-adapter.ts implements it over the core's
// index; keeping the handlers on this narrow interface lets them be tested and read without the core.
import type { EdgeKind, Graph, GraphProgram } from '../core/graph-schema';

export interface Pos { line: number; character: number }
export interface Span { start: Pos; end: Pos }

export interface FunctionDef {
  name: string;
  file: string;
  nameRange: Span;
  /** The whole definition, from the program macro / return type to the closing brace. */
  range: Span;
  condition?: string;
  /** The program(s) this function is, one per object that builds it (empty for a plain function). */
  programs: GraphProgram[];
  /** Only declared, by this macro (`BPF_FUNC(name, …)`): a BPF helper; nameRange is the declaring argument. */
  declaredBy?: string;
}

export interface MacroDef {
  name: string;
  file: string;
  nameRange: Span;
  range: Span;
  params?: string[];
  body: string;
  condition?: string;
}

export interface MapDef {
  name: string;
  file: string;
  nameRange: Span;
  range: Span;
  condition?: string;
}

export interface CallSite {
  /** Function containing the site. */
  caller: string;
  /** Called function, or the target program of a tail / dynamic-tail site. */
  callee: string;
  kind: EdgeKind;
  file: string;
  /** The identifier that names the callee at the site: the function name, the slot constant, or the wrapper. */
  range: Span;
  via?: string;
  slot?: string;
  slotValue?: number;
  condition?: string;
  object?: string;
}

export interface SlotTarget { object: string; program: FunctionDef }

export type Resolution =
  | { kind: 'function'; defs: FunctionDef[] }
  | { kind: 'macro'; defs: MacroDef[] }
  /** A program slot constant; at a tail-call site `sites` holds that site's edges (one per object). */
  | { kind: 'slot'; defs: MacroDef[]; targets: SlotTarget[]; sites: CallSite[] }
  /** A tail-call wrapper (function or macro) and, at a site, the site's edges. */
  | { kind: 'wrapper'; defs: Array<FunctionDef | MacroDef>; sites: CallSite[] }
  | { kind: 'map'; defs: MapDef[] };

export interface IdentifierAt { name: string; range: Span; resolution?: Resolution }

export type FileSymbol =
  | ({ kind: 'function' } & FunctionDef)
  | ({ kind: 'macro' } & MacroDef)
  | ({ kind: 'map' } & MapDef);

export interface TreeDiagnostic {
  file: string;
  range: Span;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  related?: Array<{ file: string; range: Span; message: string }>;
}

export interface Analysis {
  readonly root: string;
  fileCount(): number;
  graph(): Graph;
  functions(name: string): FunctionDef[];
  macros(name: string): MacroDef[];
  maps(name: string): MapDef[];
  identifierAt(file: string, pos: Pos): IdentifierAt | undefined;
  /** Call sites inside a function (all definitions of that name): call, tail and dynamic-tail. */
  callsFrom(fn: string): CallSite[];
  /** Sites that call, tail-call or dynamically tail-call the function. */
  callersOf(fn: string): CallSite[];
  /** Innermost function whose definition contains the position. */
  functionAt(file: string, pos: Pos): FunctionDef | undefined;
  fileSymbols(file: string): FileSymbol[];
  /** Every function, macro and map of the tree, for workspace symbols. */
  allSymbols(): Iterable<FileSymbol>;
  /** Occurrences of an identifier as a whole word in code, in every indexed file. */
  occurrences(name: string): Array<{ file: string; range: Span }>;
  diagnostics(): TreeDiagnostic[];
  /** Re-index one file from the editor's text (incremental). */
  updateFile(file: string, text: string): void;
  removeFile(file: string): void;
  /** Files currently indexed (bpf-relative). */
  files(): string[];
  /** Precomputes lazily built per-file caches for up to `count` more files; false when all are done. */
  warm(count: number): boolean;
}
