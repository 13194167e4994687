// The Datapath view's outline of a Graph, with no vscode import so it is unit-tested directly: entry
// programs grouped by attach point, and under each program the programs it tail-calls. A tail call often
// sits in a helper the program calls, so the children of a program are the tail targets reachable through
// plain calls to functions that are not programs themselves.
import type { Graph, GraphEdge, GraphProgram } from '../../language-server/src/core/graph-schema';

export interface OutlineGroup {
  label: string;
  programs: GraphProgram[];
}

export interface TailChild {
  program: GraphProgram;
  /** The edge that reaches it (slot, wrapper, file and line of the call site). */
  edge: GraphEdge;
}

export const UNATTACHED_GROUP = 'entry programs, attach point unknown';
export const UNREACHED_TAIL_GROUP = 'tail programs no entry reaches';
export const POLICY_GROUP = 'policy programs';

export function attachLabel(program: GraphProgram): string | undefined {
  return program.attach ? `${program.attach.device} · ${program.attach.hook}` : undefined;
}

/** A program's identity in the graph: the same name exists in several objects (tail_handle_ipv4 in bpf_lxc.c
 *  and bpf_overlay.c are different programs). */
export function programKey(p: { object: string; name: string }): string {
  return `${p.object}:${p.name}`;
}

export class GraphOutline {
  private readonly byName = new Map<string, GraphProgram[]>();
  private readonly outgoing = new Map<string, GraphEdge[]>();

  constructor(readonly graph: Graph) {
    for (const p of graph.programs) {
      const list = this.byName.get(p.name) ?? [];
      list.push(p);
      this.byName.set(p.name, list);
    }
    for (const e of graph.edges) {
      const list = this.outgoing.get(e.from) ?? [];
      list.push(e);
      this.outgoing.set(e.from, list);
    }
  }

  /** Entry programs grouped by attach point, then leftovers (tail programs nothing reaches, policy programs). */
  groups(): OutlineGroup[] {
    const byAttach = new Map<string, GraphProgram[]>();
    const unattached: GraphProgram[] = [];
    const policy: GraphProgram[] = [];
    for (const p of this.graph.programs) {
      if (p.kind === 'policy') policy.push(p);
      if (p.kind !== 'entry') continue;
      const label = attachLabel(p);
      if (!label) { unattached.push(p); continue; }
      const list = byAttach.get(label) ?? [];
      list.push(p);
      byAttach.set(label, list);
    }
    const groups: OutlineGroup[] = [...byAttach.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, programs]) => ({ label, programs: sortPrograms(programs) }));
    if (unattached.length) groups.push({ label: UNATTACHED_GROUP, programs: sortPrograms(unattached) });
    const reached = this.reachedFromEntries();
    const unreached = this.graph.programs.filter((p) => p.kind === 'tail' && !reached.has(programKey(p)));
    if (unreached.length) groups.push({ label: UNREACHED_TAIL_GROUP, programs: sortPrograms(unreached) });
    if (policy.length) groups.push({ label: POLICY_GROUP, programs: sortPrograms(policy) });
    return groups;
  }

  /** Programs `program` tail-calls, directly or from a helper function it calls; one entry per target. */
  tailChildren(program: GraphProgram): TailChild[] {
    const children = new Map<string, TailChild>();
    const visited = new Set<string>([program.name]);
    const queue = [program.name];
    while (queue.length) {
      const fn = queue.shift() as string;
      for (const edge of this.outgoing.get(fn) ?? []) {
        // A site in a shared header is listed once per object that includes it: keep this program's object.
        if (edge.object && edge.object !== program.object) continue;
        if (edge.kind === 'call') {
          // Calls into another program are not tail calls; follow only helpers.
          if (!this.byName.has(edge.to) && !visited.has(edge.to)) { visited.add(edge.to); queue.push(edge.to); }
          continue;
        }
        const target = this.resolve(edge.to, program.object);
        if (target && programKey(target) !== programKey(program) && !children.has(programKey(target))) children.set(programKey(target), { program: target, edge });
      }
    }
    return [...children.values()].sort((a, b) => a.program.name.localeCompare(b.program.name));
  }

  /** The program named `name`, preferring the one in `object` (tail targets live in the caller's object;
   *  dynamic-tail targets, the policy programs, may live in another). */
  private resolve(name: string, object: string): GraphProgram | undefined {
    const candidates = this.byName.get(name);
    return candidates?.find((p) => p.object === object) ?? candidates?.[0];
  }

  private reachedFromEntries(): Set<string> {
    const reached = new Set<string>();
    const queue = this.graph.programs.filter((p) => p.kind === 'entry');
    while (queue.length) {
      const program = queue.shift() as GraphProgram;
      for (const child of this.tailChildren(program)) {
        const key = programKey(child.program);
        if (!reached.has(key)) { reached.add(key); queue.push(child.program); }
      }
    }
    return reached;
  }
}

function sortPrograms(programs: GraphProgram[]): GraphProgram[] {
  return [...programs].sort((a, b) => a.name.localeCompare(b.name) || a.object.localeCompare(b.object));
}

export interface NearestModelled {
  /** The modelled function found. */
  name: string;
  /** How it relates to the start: it calls the start (directly or not), or the start calls it. */
  relation: 'caller' | 'callee';
  /** Number of call or tail-call edges between them. */
  distance: number;
}

/**
 * The modelled function closest to `start` in the graph's call and tail-call edges, looking both ways
 * (callers first at equal distance, since a caller's scenario passes through the start as well).
 */
export function nearestModelled(graph: Graph, start: string, isModelled: (name: string) => boolean, maxDistance = 6): NearestModelled | undefined {
  const callers = new Map<string, string[]>();
  const callees = new Map<string, string[]>();
  for (const e of graph.edges) {
    append(callees, e.from, e.to);
    append(callers, e.to, e.from);
  }
  const seen = new Set<string>([start]);
  let frontier: Array<{ name: string; relation: 'caller' | 'callee' }> = [
    ...(callers.get(start) ?? []).map((name) => ({ name, relation: 'caller' as const })),
    ...(callees.get(start) ?? []).map((name) => ({ name, relation: 'callee' as const })),
  ];
  for (let distance = 1; distance <= maxDistance && frontier.length; distance++) {
    const next: typeof frontier = [];
    for (const node of frontier) {
      if (seen.has(node.name)) continue;
      seen.add(node.name);
      if (isModelled(node.name)) return { name: node.name, relation: node.relation, distance };
      const further = node.relation === 'caller' ? callers.get(node.name) : callees.get(node.name);
      for (const name of further ?? []) next.push({ name, relation: node.relation });
    }
    frontier = next;
  }
  return undefined;
}

function append(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
