// What the core keeps per file: plain, serialisable records (they go through worker threads and the
// on-disk cache). Offsets are UTF-16 offsets into the file text; ranges are half-open.
import type { ConditionFrame, MacroDef } from './directives';

export interface Span { start: number; end: number }

/** A macro invocation before a function definition (`__section_tail(…)`, `__section_entry`, …). */
export interface MarkerFact extends Span { name: string; text: string }

export interface RawCallSite extends Span {
  callee: string;
  /** Argument texts, as written. */
  args: string[];
  /** Span of the callee name. */
  nameStart: number;
  nameEnd: number;
}

export interface FunctionFact {
  name: string;
  nameStart: number;
  nameEnd: number;
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
  params: string[];
  markers: MarkerFact[];
  conditions: ConditionFrame[];
  sites: RawCallSite[];
  /** Set when the function exists only after expanding a top-level macro invocation. */
  generatedBy?: { macro: string; start: number; end: number };
}

export interface MapFact {
  name: string;
  nameStart: number;
  nameEnd: number;
  start: number;
  end: number;
  style: 'legacy' | 'btf';
  /** Field texts: type, id, max_entries … (legacy `.id = X` and BTF `__uint(type, X)` alike). */
  fields: Record<string, string>;
  conditions: ConditionFrame[];
}

/**
 * A top-level declaration whose declarator is a function-like macro invocation with an identifier as first
 * argument (`static void *BPF_FUNC(map_lookup_elem, const void *map, const void *key);`). Whether the macro
 * declares that name (its expansion puts the argument in declarator position, `(* NAME)(…)`) is decided
 * tree-wide from the macro's definition (lookups.ts), since the macro may be defined in another file.
 */
export interface MacroDeclarationFact extends Span {
  macro: string;
  /** The invocation as written (re-tokenized to expand it). */
  call: string;
  /** The first argument (the declared name, or the base of a pasted one). */
  arg: string;
  argStart: number;
  argEnd: number;
  /** Start of the whole declaration (`static …`). */
  declStart: number;
  conditions: ConditionFrame[];
}

export interface EnumeratorFact { name: string; value?: string; index: number; previous?: string; start: number; end: number }

export interface FileDiagnostic extends Span { message: string; severity: 'error' | 'warning' | 'info' }

export interface FileFacts {
  file: string;
  /** Content hash the facts were computed from. */
  hash: string;
  /** Hash of the tree-wide macro roles the facts depend on (blanking). */
  rolesHash: string;
  lineStarts: number[];
  defines: MacroDef[];
  undefs: { name: string; start: number }[];
  includes: { path: string; system: boolean; start: number; end: number }[];
  regions: { start: number; frames: ConditionFrame[] }[];
  functions: FunctionFact[];
  maps: MapFact[];
  enumerators: EnumeratorFact[];
  /** Candidate macro-declarator declarations (absent in facts made before they were recorded). */
  declarations?: MacroDeclarationFact[];
  diagnostics: FileDiagnostic[];
}
