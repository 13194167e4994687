// Every question the server can ask the analysis, by name: pure functions of (analysis, paths, args)
// returning LSP-ready values. The same table runs in the analysis worker and, as a fallback, in the
// server's own thread, so a request is answered identically either way.
import type { Position, Range, CallHierarchyItem, Diagnostic } from 'vscode-languageserver/node';
import type { Analysis } from './analysis';
import { definition, references } from './navigation';
import { hover } from './hover';
import { incoming, outgoing, prepare } from './hierarchy';
import { documentSymbols, workspaceSymbols } from './symbols';
import { codeLenses, inlayHints } from './lenses';
import { locate } from './locate';
import { toLspDiagnostic } from './convert';
import type { IndexState, LocateParams } from './protocol';
import { inactiveRegions, modeView, setMode, withInactiveNote } from './modes';
import type { DatapathMode } from '../modes/modes';
import type { PathMapper } from './workspace';
import type { Graph } from '../core/graph-schema';
import { analysisSubjects, anchorsAt, anchorsInFile } from '../notes/subjects';
import { resolveNotes } from '../notes/resolve';
import type { Note } from '../notes/schema';

interface At { file: string; position: Position }

export interface Counts { files: number; programs: number; tailEdges: number }

export const features = {
  definition: (a: Analysis, m: PathMapper, p: At & { links: boolean }) => definition(a, m, p.file, p.position, p.links),
  references: (a: Analysis, m: PathMapper, p: At & { includeDeclaration: boolean }) => references(a, m, p.file, p.position, p.includeDeclaration),
  hover: (a: Analysis, _m: PathMapper, p: At) => withInactiveNote(a, p.file, p.position, hover(a, p.file, p.position)),
  documentSymbol: (a: Analysis, _m: PathMapper, p: { file: string }) => documentSymbols(a, p.file),
  workspaceSymbol: (a: Analysis, m: PathMapper, p: { query: string }) => workspaceSymbols(a, m, p.query),
  prepareCallHierarchy: (a: Analysis, m: PathMapper, p: At) => prepare(a, m, p.file, p.position),
  outgoingCalls: (a: Analysis, m: PathMapper, p: { item: CallHierarchyItem }) => outgoing(a, m, p.item),
  incomingCalls: (a: Analysis, m: PathMapper, p: { item: CallHierarchyItem }) => incoming(a, m, p.item),
  codeLens: (a: Analysis, m: PathMapper, p: { file: string; withCommands: boolean }) => codeLenses(a, m, p.file, p.withCommands),
  inlayHint: (a: Analysis, _m: PathMapper, p: { file: string; range: Range }) => inlayHints(a, p.file, p.range),
  graph: (a: Analysis): Graph => ({ ...a.graph(), root: a.root }),
  locate: (a: Analysis, m: PathMapper, p: { params: LocateParams; state: IndexState }) => locate(a, m, p.params, p.state),
  /** Datapath mode (server/modes.ts): evaluates the tree's #if conditions; later features see the mode. */
  setMode: (a: Analysis, _m: PathMapper, p: { mode: DatapathMode | null }) => setMode(a, p.mode),
  inactiveRegions: (a: Analysis, _m: PathMapper, p: { file: string }) => inactiveRegions(a, p.file),
  counts: (a: Analysis): Counts => {
    const g = a.graph();
    return { files: a.fileCount(), programs: g.programs.length, tailEdges: g.edges.filter((e) => e.kind !== 'call').length };
  },
  /** Notes (server/notes.ts): what a note at a position is about, the note anchors of a file, notes resolved against the tree. */
  noteAnchorsAt: (a: Analysis, _m: PathMapper, p: At) => anchorsAt(a, p.file, p.position),
  noteAnchorsInFile: (a: Analysis, _m: PathMapper, p: { file: string }) => anchorsInFile(a, p.file),
  resolveNotes: (a: Analysis, _m: PathMapper, p: { notes: Note[] }) => resolveNotes(p.notes, analysisSubjects(a)),
  /** The tree's diagnostics grouped by document URI. */
  diagnostics: (a: Analysis, m: PathMapper): Array<[string, Diagnostic[]]> => {
    const byUri = new Map<string, Diagnostic[]>();
    for (const d of a.diagnostics()) {
      const uri = m.uri(d.file);
      const list = byUri.get(uri) ?? [];
      list.push(toLspDiagnostic(d, m));
      byUri.set(uri, list);
    }
    return [...byUri];
  },
};

export type Features = typeof features;
export type FeatureName = keyof Features;
export type FeatureArgs<K extends FeatureName> = Parameters<Features[K]>[2];
export type FeatureResult<K extends FeatureName> = ReturnType<Features[K]>;

export function runFeature<K extends FeatureName>(a: Analysis, m: PathMapper, name: K, args: FeatureArgs<K>): FeatureResult<K> {
  const fn = features[name] as (a: Analysis, m: PathMapper, args: FeatureArgs<K>) => FeatureResult<K>;
  // The active datapath mode's view: compiled-out edges are gone from graph, hierarchy and lenses
  // (index counts stay those of the whole tree).
  return fn(name === 'setMode' || name === 'counts' ? a : modeView(a), m, args);
}
