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
  diagnostics: FileDiagnostic[];
}
