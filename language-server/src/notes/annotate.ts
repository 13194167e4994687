// The program tail graph (program-graph.ts) with the notes that belong on it: a node note on a program's
// function, an edge note on the program edge P → Q whose site (in P or a function P reaches by plain
// calls) it names. Notes on other functions stay in `elsewhere`; orphaned notes in `orphaned`.
import type { Graph } from '../core/graph-schema';
import { programTailGraph, type ProgramEdge, type ProgramNode } from '../core/program-graph';
import { resolveNotes, subjectsFromGraph, type ResolvedNote } from './resolve';
import type { Note } from './schema';

export interface AnnotatedNode extends ProgramNode { notes: Note[] }
export interface AnnotatedEdge extends ProgramEdge { notes: Note[] }
export interface AnnotatedGraph {
  objects: Array<{ object: string; nodes: AnnotatedNode[] }>;
  edges: AnnotatedEdge[];
  /** Attached notes not drawn on the program graph (on helper functions, plain calls …). */
  elsewhere: ResolvedNote[];
  orphaned: ResolvedNote[];
}

export function annotateGraph(graph: Graph, notes: Note[]): AnnotatedGraph {
  const g = programTailGraph(graph);
  const resolved = resolveNotes(notes, subjectsFromGraph(graph));
  const fileOf = new Map(graph.programs.map((p) => [`${p.object}::${p.name}`, p.file]));
  const calls = new Map<string, string[]>();
  for (const e of graph.edges) if (e.kind === 'call') calls.set(e.from, [...(calls.get(e.from) ?? []), e.to]);
  const reachCache = new Map<string, Set<string>>();
  const reach = (fn: string): Set<string> => {
    let seen = reachCache.get(fn);
    if (seen) return seen;
    seen = new Set([fn]);
    const queue = [fn];
    while (queue.length) for (const next of calls.get(queue.pop()!) ?? []) if (!seen.has(next)) { seen.add(next); queue.push(next); }
    reachCache.set(fn, seen);
    return seen;
  };
  const objects = g.objects.map((o) => ({ object: o.object, nodes: o.nodes.map((n) => ({ ...n, notes: [] as Note[] })) }));
  const nodeById = new Map(objects.flatMap((o) => o.nodes.map((n) => [n.id, n] as const)));
  const edges = g.edges.map((e) => ({ ...e, notes: [] as Note[] }));
  const elsewhere: ResolvedNote[] = [];
  const orphaned: ResolvedNote[] = [];
  for (const r of resolved) {
    if (r.status === 'orphaned') { orphaned.push(r); continue; }
    const t = r.note.target;
    let drawn = false;
    if (t.kind === 'node') {
      for (const n of nodeById.values()) {
        if (n.name === t.function && fileOf.get(n.id) === t.file) { n.notes.push(r.note); drawn = true; }
      }
    } else {
      for (const e of edges) {
        const from = nodeById.get(e.from);
        const to = nodeById.get(e.to);
        if (!from || !to || to.name !== t.callee || (t.object && t.object !== e.object)) continue;
        if (reach(from.name).has(t.caller)) { e.notes.push(r.note); drawn = true; }
      }
    }
    if (!drawn) elsewhere.push(r);
  }
  return { objects, edges, elsewhere, orphaned };
}
