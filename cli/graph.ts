// dpnav graph <bpf-dir> [--format json|dot|mermaid|svg] [--out FILE] [--no-cache] [--mode NAME [--compare B]]
// Prints the tail-call graph of a Cilium bpf/ tree. json is the full Graph (docs/graph-format.md);
// dot and mermaid draw the tail graph: entry/policy programs → tail programs, grouped per object.
// --mode keeps what a datapath mode compiles in (docs/modes.md); --compare B lists what differs.
import fs from 'node:fs';
import path from 'node:path';
import { DatapathIndex, type Graph } from '../language-server/src/core/index';
import { resolveModeArg, compareModes, formatComparison } from './graph-modes';
import { annotatedGraphText, readNotesArg } from './export';

const USAGE = 'usage: dpnav graph <bpf-dir> [--format json|dot|mermaid|svg] [--notes FILE] [--out FILE] [--no-cache] [--mode NAME|HEADER.h [--compare NAME|HEADER.h]]\n'
  + '  modes: vxlan, geneve, native, native-host-routing, or a node\'s generated config header (path ending in .h)';

interface Args { dir?: string; format: 'json' | 'dot' | 'mermaid' | 'svg'; notes?: string; out?: string; cache: boolean; mode?: string; compare?: string; formatGiven?: boolean }

const isFormat = (v: string | undefined): v is Args['format'] => v === 'json' || v === 'dot' || v === 'mermaid' || v === 'svg';

function parseArgs(argv: string[]): Args | string {
  const args: Args = { format: 'json', cache: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--format' || a === '-f') {
      const v = argv[++i];
      if (!isFormat(v)) return `unknown format '${v ?? ''}' (json, dot, mermaid or svg)`;
      args.format = v;
      args.formatGiven = true;
    } else if (a.startsWith('--format=')) {
      const v = a.slice('--format='.length);
      if (!isFormat(v)) return `unknown format '${v}' (json, dot, mermaid or svg)`;
      args.format = v;
      args.formatGiven = true;
    } else if (a === '--notes') {
      args.notes = argv[++i];
      if (!args.notes) return '--notes needs a notes file (docs/notes.md)';
    } else if (a === '--out' || a === '-o') {
      args.out = argv[++i];
      if (!args.out) return '--out needs a file name';
    } else if (a === '--mode' || a === '--compare') {
      const v = argv[++i];
      if (!v || v.startsWith('-')) return `${a} needs a mode name`;
      if (a === '--mode') args.mode = v; else args.compare = v;
    } else if (a.startsWith('--mode=')) args.mode = a.slice('--mode='.length);
    else if (a.startsWith('--compare=')) args.compare = a.slice('--compare='.length);
    else if (a === '--no-cache') args.cache = false;
    else if (a === '-h' || a === '--help') return '';
    else if (a.startsWith('-')) return `unknown option '${a}'`;
    else if (!args.dir) args.dir = a;
    else return `unexpected argument '${a}'`;
  }
  if (!args.dir) return 'missing <bpf-dir>';
  if (args.compare !== undefined && args.mode === undefined) return '--compare needs --mode';
  if (args.compare !== undefined && args.format !== 'json') return '--compare prints text, or json with --format json';
  return args;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args) console.error(`dpnav graph: ${args}`);
    console.error(USAGE);
    return args ? 2 : 0;
  }
  const dir = path.resolve(args.dir!);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    console.error(`dpnav graph: ${args.dir}: no such directory`);
    return 2;
  }
  const modeA = args.mode !== undefined ? resolveModeArg(args.mode) : undefined;
  const modeB = args.compare !== undefined ? resolveModeArg(args.compare) : undefined;
  for (const m of [modeA, modeB]) {
    if (typeof m === 'string') {
      console.error(`dpnav graph: ${m}`);
      return 2;
    }
  }
  // The notes file is checked before indexing: a malformed one is an error with its position, not an empty set.
  const notes = args.notes !== undefined ? readNotesArg(args.notes) : [];
  if (typeof notes === 'string') {
    console.error(`dpnav graph: ${notes}`);
    return 2;
  }
  let index: DatapathIndex;
  try {
    index = await DatapathIndex.open(dir, { cacheDir: args.cache ? undefined : false, searchDepth: 1 });
  } catch (err) {
    console.error(`dpnav graph: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  try {
    let graph = index.graph();
    let text: string;
    if (modeA && typeof modeA !== 'string' && modeB && typeof modeB !== 'string') {
      const comparison = compareModes(index, graph, modeA, modeB);
      text = args.formatGiven ? JSON.stringify(comparison.json, null, 2) + '\n' : formatComparison(comparison);
    } else {
      if (modeA && typeof modeA !== 'string') graph = compareModes(index, graph, modeA).graph;
      // JSON without --notes is the plain graph schema; every drawing goes through the one exporter.
      text = args.format === 'json' && args.notes === undefined ? toJson(graph) : annotatedGraphText(graph, notes, args.format);
    }
    if (args.out) fs.writeFileSync(args.out, text);
    else process.stdout.write(text);
    return 0;
  } finally {
    await index.close();
  }
}

export function toJson(graph: Graph): string {
  return JSON.stringify(graph, null, 2) + '\n';
}

