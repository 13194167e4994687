// `dpnav graph --mode A [--compare B]`: the graph as compiled in a datapath mode, and what differs
// between two modes (edges and programs only in A, only in B). Modes: the built-in names, or a path to
// a node's generated config header(s) (comma-separated) whose #defines make the mode.
import fs from 'node:fs';
import path from 'node:path';
import type { DatapathIndex, Graph } from '../language-server/src/core/index';
import type { GraphEdge, GraphProgram } from '../language-server/src/core/graph-schema';
import { ModeEvaluation, edgesOnlyIn, programsOnlyIn } from '../language-server/src/modes/evaluate';
import { BUILTIN_MODES, builtinMode, modeFromHeaders, ModeError, type DatapathMode } from '../language-server/src/modes/modes';

/** A built-in mode by name, or a mode read from header file(s); an error message otherwise. */
export function resolveModeArg(arg: string): DatapathMode | string {
  const builtin = builtinMode(arg);
  if (builtin) return builtin;
  if (arg.endsWith('.h') || arg.includes('/')) {
    const paths = arg.split(',').map((p) => path.resolve(p));
    const missing = paths.find((p) => !fs.existsSync(p));
    if (missing) return `mode header ${missing}: no such file`;
    try {
      return modeFromHeaders(path.basename(paths[0]), paths);
    } catch (e) {
      return e instanceof ModeError ? e.message : String(e);
    }
  }
  return `unknown mode '${arg}' (${BUILTIN_MODES.map((m) => m.name).join(', ')}, or a config header path ending in .h)`;
}

export interface ModeComparison {
  graph: Graph;
  a: DatapathMode;
  b?: DatapathMode;
  onlyInA: { programs: GraphProgram[]; edges: GraphEdge[] };
  onlyInB: { programs: GraphProgram[]; edges: GraphEdge[] };
  unknown: string[];
  json: unknown;
}

export function compareModes(index: DatapathIndex, full: Graph, a: DatapathMode, b?: DatapathMode): ModeComparison {
  const evalA = new ModeEvaluation(index, a);
  const graphA = evalA.filterGraph(full);
  const unknown = evalA.unknownSymbols().map((u) => u.name);
  if (!b) return { graph: graphA, a, onlyInA: { programs: [], edges: [] }, onlyInB: { programs: [], edges: [] }, unknown, json: graphA };
  const evalB = new ModeEvaluation(index, b);
  const graphB = evalB.filterGraph(full);
  const onlyInA = { programs: programsOnlyIn(graphA, graphB), edges: edgesOnlyIn(graphA, graphB) };
  const onlyInB = { programs: programsOnlyIn(graphB, graphA), edges: edgesOnlyIn(graphB, graphA) };
  for (const u of evalB.unknownSymbols()) if (!unknown.includes(u.name)) unknown.push(u.name);
  unknown.sort();
  const json = { root: full.root, modeA: a.name, modeB: b.name, onlyInA, onlyInB, unknownSymbols: unknown };
  return { graph: graphA, a, b, onlyInA, onlyInB, unknown, json };
}

function edgeLine(e: GraphEdge): string {
  const kind = e.kind === 'call' ? 'call        ' : e.kind === 'tail' ? 'tail        ' : 'dynamic-tail';
  const where = `${e.file}:${e.line}`;
  const extra = [e.object ? `in ${e.object}` : '', e.slot ? `[${e.slot}]` : '', e.condition ? `if ${e.condition}` : ''].filter(Boolean).join(' ');
  return `  ${kind} ${e.from} → ${e.to}  ${where}${extra ? '  ' + extra : ''}`;
}

function programLine(p: GraphProgram): string {
  return `  ${p.kind.padEnd(6)} ${p.name} in ${p.object}  ${p.file}:${p.line}${p.condition ? `  if ${p.condition}` : ''}`;
}

export function formatComparison(c: ModeComparison): string {
  const out: string[] = [];
  const side = (mode: DatapathMode, other: DatapathMode, part: ModeComparison['onlyInA']) => {
    out.push(`only in ${mode.name} (not in ${other.name}): ${part.programs.length} programs, ${part.edges.length} edges`);
    for (const p of part.programs) out.push(programLine(p));
    for (const e of part.edges) out.push(edgeLine(e));
    out.push('');
  };
  side(c.a, c.b!, c.onlyInA);
  side(c.b!, c.a, c.onlyInB);
  if (c.unknown.length) out.push(`symbols neither the modes nor the tree define (taken as undefined): ${c.unknown.join(', ')}`);
  return out.join('\n') + '\n';
}
