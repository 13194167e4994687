// Resolving notes against the current tree: a note is attached when its target (function name + file,
// or caller/callee/slot/object) exists now, wherever it moved inside the file; otherwise it is orphaned,
// keeps its last known place, and comes with candidates for re-attachment (the same function in another
// file, the same edge in another object or slot). Nothing is ever dropped here.
import type { Graph } from '../core/graph-schema';
import type { EdgeTarget, Note, NotePlace, NoteTarget } from './schema';

export interface FunctionPlace { name: string; file: string; line: number }
export interface EdgePlace { caller: string; callee: string; slot?: string; object?: string; file: string; line: number }

/** What the tree has now, as the resolver needs it (1-based lines). */
export interface NoteSubjects {
  functionsNamed(name: string): FunctionPlace[];
  /** Tail / dynamic-tail / call edges leaving a function. */
  edgesFrom(caller: string): EdgePlace[];
  /** Edges reaching a function. */
  edgesTo(callee: string): EdgePlace[];
}

export interface ReattachCandidate { target: NoteTarget; place: NotePlace; reason: string }

export type ResolvedNote =
  | { note: Note; status: 'attached'; place: NotePlace }
  | { note: Note; status: 'orphaned'; lastKnown?: NotePlace; candidates: ReattachCandidate[] };

export function resolveNotes(notes: Note[], subjects: NoteSubjects): ResolvedNote[] {
  return notes.map((note) => (note.target.kind === 'node' ? resolveNode(note, note.target, subjects) : resolveEdge(note, note.target, subjects)));
}

function resolveNode(note: Note, t: { function: string; file: string }, s: NoteSubjects): ResolvedNote {
  const defs = s.functionsNamed(t.function);
  const here = defs.find((d) => d.file === t.file);
  if (here) return { note, status: 'attached', place: { file: here.file, line: here.line } };
  const candidates = defs.map((d) => ({
    target: { kind: 'node' as const, function: d.name, file: d.file },
    place: { file: d.file, line: d.line },
    reason: `${d.name} is now defined in ${d.file}`,
  }));
  return orphan(note, candidates);
}

function resolveEdge(note: Note, t: EdgeTarget, s: NoteSubjects): ResolvedNote {
  const out = s.edgesFrom(t.caller);
  const exact = out.find((e) => e.callee === t.callee && e.slot === t.slot && e.object === t.object);
  if (exact) return { note, status: 'attached', place: { file: exact.file, line: exact.line } };
  const seen = new Set<string>();
  const candidates: ReattachCandidate[] = [];
  const offer = (e: EdgePlace, reason: string) => {
    const key = `${e.caller}>${e.callee}>${e.slot ?? ''}>${e.object ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    candidates.push({ target: edgeTarget(e), place: { file: e.file, line: e.line }, reason });
  };
  for (const e of out) if (e.callee === t.callee) offer(e, `${t.caller} still reaches ${t.callee}${e.slot ? ` through ${e.slot}` : ''}${e.object ? ` in ${e.object}` : ''}`);
  if (t.slot) {
    for (const e of s.edgesTo(t.callee)) if (e.slot === t.slot) offer(e, `${t.slot} → ${t.callee} is now tail-called from ${e.caller}`);
    for (const e of out) if (e.slot === t.slot && (!t.object || e.object === t.object)) offer(e, `${t.caller} now reaches ${e.callee} through ${t.slot}`);
  }
  return orphan(note, candidates);
}

function orphan(note: Note, candidates: ReattachCandidate[]): ResolvedNote {
  return { note, status: 'orphaned', ...(note.lastKnown ? { lastKnown: note.lastKnown } : {}), candidates };
}

export function edgeTarget(e: { caller: string; callee: string; slot?: string; object?: string }): EdgeTarget {
  return { kind: 'edge', caller: e.caller, callee: e.callee, ...(e.slot ? { slot: e.slot } : {}), ...(e.object ? { object: e.object } : {}) };
}

/** Subjects from the Graph JSON alone (the CLI, the webview's host): functions are known only when they
 *  are programs or edge endpoints with a site; that is what a graph export can show anyway. */
export function subjectsFromGraph(graph: Graph): NoteSubjects {
  const functions = new Map<string, FunctionPlace[]>();
  for (const p of graph.programs) {
    const list = functions.get(p.name) ?? [];
    if (!list.some((f) => f.file === p.file)) list.push({ name: p.name, file: p.file, line: p.line });
    functions.set(p.name, list);
  }
  const from = new Map<string, EdgePlace[]>();
  const to = new Map<string, EdgePlace[]>();
  for (const e of graph.edges) {
    const place: EdgePlace = { caller: e.from, callee: e.to, file: e.file, line: e.line, ...(e.slot ? { slot: e.slot } : {}), ...(e.object ? { object: e.object } : {}) };
    from.set(e.from, [...(from.get(e.from) ?? []), place]);
    to.set(e.to, [...(to.get(e.to) ?? []), place]);
  }
  return {
    functionsNamed: (name) => functions.get(name) ?? [],
    edgesFrom: (caller) => from.get(caller) ?? [],
    edgesTo: (callee) => to.get(callee) ?? [],
  };
}
