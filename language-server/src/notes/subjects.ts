// The analysis' view for notes (runs where the analysis runs: the server's worker): what a note can be
// resolved against, what is under the cursor, and which functions and tail-call sites of a file can
// carry notes. Plain data with 0-based ranges; no LSP.
import type { Analysis, CallSite, Span } from '../server/analysis';
import type { EdgePlace, FunctionPlace, NoteSubjects } from './resolve';

export function analysisSubjects(a: Analysis): NoteSubjects {
  const place = (s: CallSite): EdgePlace => ({
    caller: s.caller, callee: s.callee, file: s.file, line: s.range.start.line + 1,
    ...(s.slot ? { slot: s.slot } : {}), ...(s.object ? { object: s.object } : {}),
  });
  return {
    functionsNamed: (name) => a.functions(name).map((d): FunctionPlace => ({ name: d.name, file: d.file, line: d.nameRange.start.line + 1 })),
    edgesFrom: (caller) => a.callsFrom(caller).map(place),
    edgesTo: (callee) => a.callersOf(callee).map(place),
  };
}

export interface NodeAnchor { function: string; file: string; range: Span }
export interface EdgeAnchor { caller: string; callee: string; slot?: string; object?: string; file: string; range: Span }
export interface NoteAnchors { nodes: NodeAnchor[]; edges: EdgeAnchor[] }

const edgeAnchor = (s: CallSite): EdgeAnchor => ({
  caller: s.caller, callee: s.callee, file: s.file, range: s.range,
  ...(s.slot ? { slot: s.slot } : {}), ...(s.object ? { object: s.object } : {}),
});

/** What a note at this position would be about: the function named there (its definitions), or the
 *  tail-call site there (one edge per object); inside a function's body, that function. */
export function anchorsAt(a: Analysis, file: string, pos: { line: number; character: number }): NoteAnchors {
  const id = a.identifierAt(file, pos);
  const r = id?.resolution;
  if (r && (r.kind === 'slot' || r.kind === 'wrapper') && r.sites.length) {
    return { nodes: [], edges: r.sites.filter((s) => s.kind !== 'call').map(edgeAnchor) };
  }
  if (id && r?.kind === 'function') {
    return { nodes: r.defs.map((d) => ({ function: d.name, file: d.file, range: d.nameRange })), edges: [] };
  }
  if (id && !r) {
    const defs = a.functions(id.name);
    if (defs.length) return { nodes: defs.map((d) => ({ function: d.name, file: d.file, range: d.nameRange })), edges: [] };
  }
  const around = a.functionAt(file, pos);
  return around ? { nodes: [{ function: around.name, file: around.file, range: around.nameRange }], edges: [] } : { nodes: [], edges: [] };
}

/** Every function defined in the file and every tail-call site in it: where notes show as lenses. */
export function anchorsInFile(a: Analysis, file: string): NoteAnchors {
  const nodes: NodeAnchor[] = [];
  const edges: EdgeAnchor[] = [];
  for (const s of a.fileSymbols(file)) {
    if (s.kind !== 'function') continue;
    nodes.push({ function: s.name, file: s.file, range: s.nameRange });
    for (const site of a.callsFrom(s.name)) {
      if (site.kind !== 'call' && site.file === file) edges.push(edgeAnchor(site));
    }
  }
  const seen = new Set<string>();
  return {
    nodes,
    edges: edges.filter((e) => {
      const key = `${e.caller}>${e.callee}>${e.slot ?? ''}>${e.object ?? ''}@${e.range.start.line}:${e.range.start.character}`;
      return seen.has(key) ? false : (seen.add(key), true);
    }),
  };
}
