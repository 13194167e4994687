// The tail graph between programs, as the dot/mermaid output and the webview draw it: for each object,
// an edge P → Q when program P reaches (through plain calls) a site that tail-calls Q. Derived from the
// Graph alone, so any consumer of the JSON can compute the same.
import type { Graph } from './graph-schema';

export interface ProgramNode { id: string; name: string; object: string; kind: 'entry' | 'tail' | 'policy'; slot?: string; attach?: string }
export interface ProgramEdge { from: string; to: string; kind: 'tail' | 'dynamic-tail'; object: string }
export interface ProgramTailGraph { objects: { object: string; nodes: ProgramNode[] }[]; edges: ProgramEdge[] }

export const programId = (object: string, name: string) => `${object}::${name}`;

export function programTailGraph(graph: Graph): ProgramTailGraph {
  const calls = new Map<string, Set<string>>();
  for (const e of graph.edges) {
    if (e.kind !== 'call') continue;
    let s = calls.get(e.from);
    if (!s) { s = new Set(); calls.set(e.from, s); }
    s.add(e.to);
  }
  const tailsByObject = new Map<string, Map<string, { to: string; kind: 'tail' | 'dynamic-tail' }[]>>();
  for (const e of graph.edges) {
    if (e.kind === 'call' || !e.object) continue;
    let m = tailsByObject.get(e.object);
    if (!m) { m = new Map(); tailsByObject.set(e.object, m); }
    const list = m.get(e.from) ?? [];
    list.push({ to: e.to, kind: e.kind });
    m.set(e.from, list);
  }
  const byObject = new Map<string, ProgramNode[]>();
  const programObject = new Map<string, string[]>(); // program name → objects defining it
  for (const p of graph.programs) {
    const nodes = byObject.get(p.object) ?? [];
    if (nodes.some((n) => n.name === p.name)) continue;
    nodes.push({
      id: programId(p.object, p.name), name: p.name, object: p.object, kind: p.kind,
      ...(p.slot ? { slot: p.slot } : {}), ...(p.attach ? { attach: `${p.attach.device} ${p.attach.hook}` } : {}),
    });
    byObject.set(p.object, nodes);
    programObject.set(p.name, [...(programObject.get(p.name) ?? []), p.object]);
  }
  const edges: ProgramEdge[] = [];
  const seen = new Set<string>();
  for (const [object, nodes] of byObject) {
    const tails = tailsByObject.get(object) ?? new Map();
    for (const n of nodes) {
      // Functions reachable from the program by plain calls (a tail call ends the program).
      const reached = new Set<string>([n.name]);
      const queue = [n.name];
      while (queue.length) {
        const f = queue.pop()!;
        for (const g of calls.get(f) ?? []) if (!reached.has(g)) { reached.add(g); queue.push(g); }
      }
      for (const f of reached) {
        for (const t of tails.get(f) ?? []) {
          // A tail target lives in this object; a policy program may live in another one (bpf_lxc.c).
          const targetObject = programObject.get(t.to)?.includes(object) ? object : programObject.get(t.to)?.[0];
          if (!targetObject) continue;
          const e: ProgramEdge = { from: n.id, to: programId(targetObject, t.to), kind: t.kind, object };
          const key = `${e.from}>${e.to}>${e.kind}`;
          if (seen.has(key)) continue;
          seen.add(key);
          edges.push(e);
        }
      }
    }
  }
  const objects = [...byObject.keys()].sort().map((object) => ({
    object,
    nodes: byObject.get(object)!.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'entry' ? -1 : b.kind === 'entry' ? 1 : a.kind.localeCompare(b.kind))),
  }));
  return { objects, edges };
}
