// Which part of the tail-call graph to draw for a trace: the programs the packet ran (in order), their
// direct tail-call neighbours for context, and which edges the packet actually took. Program names are
// not unique across objects (bpf_lxc.c and bpf_overlay.c both have tail_handle_ipv4), so nodes are keyed
// by object and name, and a name on the path resolves to the program in the object of the hop's entry
// program. Pure data; the layout and the SVG are in views/graph.ts.
import type { Graph, GraphEdge, GraphProgram } from '../../language-server/src/core/graph-schema';
import type { Trace } from '../../simulator/src/trace';

export interface PathNode {
  /** Unique id: "object/name" for graph programs, the bare name otherwise. */
  id: string;
  name: string;
  program?: GraphProgram;
  onPath: boolean;
  /** Position (0-based) of the first time the packet ran it. */
  order?: number;
}

export interface PathEdge {
  from: string;
  to: string;
  /** Graph edge kind, or 'hop' for the packet moving on to another device's program. */
  kind: GraphEdge['kind'] | 'hop';
  onPath: boolean;
  edge?: GraphEdge;
}

export interface PathGraph { nodes: PathNode[]; edges: PathEdge[]; path: string[]; programAtStep: Array<string | undefined> }

const MAX_NEIGHBOURS = 40;
export const programId = (p: GraphProgram): string => `${p.object}/${p.name}`;

class ProgramIndex {
  private readonly byName = new Map<string, GraphProgram[]>();
  private readonly edges: GraphEdge[];
  constructor(graph: Graph) {
    this.edges = graph.edges;
    for (const p of graph.programs) {
      const list = this.byName.get(p.name) ?? [];
      list.push(p);
      this.byName.set(p.name, list);
    }
  }
  /**
   * Where a tail call made by `from` lands: its only tail edge, or the edge whose target or slot the
   * step's summary names ("tail call CILIUM_CALL_IPV4_FROM_LXC → tail_handle_ipv4").
   */
  tailTarget(from: GraphProgram, summary: string): GraphProgram | undefined {
    const edges = this.edges.filter((e) => e.kind !== 'call' && e.from === from.name && (e.object === undefined || e.object === from.object));
    const mentions = (word: string | undefined) => word !== undefined && new RegExp(`(^|[^A-Za-z0-9_])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`).test(summary);
    const edge = edges.length === 1 ? edges[0] : edges.find((e) => mentions(e.to)) ?? edges.find((e) => mentions(e.slot));
    return edge ? this.resolve(edge.to, from.object) : undefined;
  }

  /** The program called `name`, preferring the one in `object`. */
  resolve(name: string | undefined, object?: string): GraphProgram | undefined {
    if (name === undefined) return undefined;
    const list = this.byName.get(name);
    return list?.find((p) => p.object === object) ?? list?.[0];
  }
}

/** The programs the packet ran, in order, repeats collapsed, as node ids. */
export function programsOnPath(trace: Trace, graph: Graph | undefined): { path: string[]; programs: Map<string, GraphProgram>; programAtStep: Array<string | undefined> } {
  const path: string[] = [];
  /** Node id of the program running at each step (by step index). */
  const programAtStep: Array<string | undefined> = [];
  const programs = new Map<string, GraphProgram>();
  const push = (id: string | undefined) => { if (id !== undefined && path[path.length - 1] !== id) path.push(id); };
  const index = graph ? new ProgramIndex(graph) : undefined;
  for (const hop of trace.hops) {
    if (!index) {
      // Without the graph: hop programs and the functions of program / tail-call steps.
      push(hop.program);
      let current = hop.program;
      for (const s of hop.steps) {
        if (!s.kernel && (s.kind === 'program' || s.kind === 'tail-call')) push(current = s.source.function);
        programAtStep[s.index] = current;
      }
      continue;
    }
    const entry = index.resolve(hop.program);
    const object = entry?.object;
    let current: string | undefined;
    const visit = (p: GraphProgram | undefined) => { if (p) { current = programId(p); programs.set(current, p); push(current); } };
    visit(entry);
    for (const s of hop.steps) {
      if (!s.kernel) {
        const names = [s.source.function, ...(s.source.aliases ?? [])];
        visit(names.map((n) => index.resolve(n, object)).find((p) => p !== undefined));
      }
      programAtStep[s.index] = current;
      // The trace names the caller of a tail call, not its target: take the target from the graph.
      if (s.kind === 'tail-call' && current) visit(index.tailTarget(programs.get(current)!, s.summary));
    }
  }
  return { path, programs, programAtStep };
}

export function pathGraph(trace: Trace, graph: Graph | undefined): PathGraph {
  const { path, programs, programAtStep } = programsOnPath(trace, graph);
  const nodes = new Map<string, PathNode>();
  path.forEach((id, i) => {
    if (!nodes.has(id)) nodes.set(id, { id, name: programs.get(id)?.name ?? id, program: programs.get(id), onPath: true, order: i });
  });
  const edges: PathEdge[] = [];
  const edgeKey = (a: string, b: string) => `${a}\u0000${b}`;
  const taken = new Set(path.slice(1).map((to, i) => edgeKey(path[i], to)));
  const seen = new Set<string>();
  if (graph) {
    const index = new ProgramIndex(graph);
    let neighbours = 0;
    for (const e of graph.edges) {
      if (e.kind === 'call') continue;
      const from = index.resolve(e.from, e.object), to = index.resolve(e.to, e.object ?? from?.object);
      if (!from || !to) continue;
      const fromId = programId(from), toId = programId(to);
      if (!nodes.get(fromId)?.onPath && !nodes.get(toId)?.onPath) continue;
      for (const p of [from, to]) {
        const id = programId(p);
        if (!nodes.has(id) && neighbours < MAX_NEIGHBOURS) { nodes.set(id, { id, name: p.name, program: p, onPath: false }); neighbours++; }
      }
      if (!nodes.has(fromId) || !nodes.has(toId) || seen.has(edgeKey(fromId, toId))) continue;
      seen.add(edgeKey(fromId, toId));
      edges.push({ from: fromId, to: toId, kind: e.kind, onPath: taken.has(edgeKey(fromId, toId)), edge: e });
    }
  }
  for (let i = 1; i < path.length; i++) {
    const key = edgeKey(path[i - 1], path[i]);
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ from: path[i - 1], to: path[i], kind: graph ? 'hop' : 'tail', onPath: true });
  }
  return { nodes: [...nodes.values()], edges, path, programAtStep };
}
