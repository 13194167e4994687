// Cross-checks the index against gcc's preprocessor on a real tree (not a test; needs `cpp`):
//   node --import tsx test/bench/cpp-crosscheck.ts <bpf-dir> [-DENABLE_X ...]
// For each object it preprocesses bpf_*.c with the given flags, then lists the programs (functions
// carrying a section attribute) and the tail-call sites (calls of the index's derived wrappers and the
// primitives with a numeric slot after expansion), and prints recall/precision of the index's programs
// and of its tail edges (function, slot value) against them. The index keeps every #if branch, so its
// precision against one configuration is expected to be below 1; recall should be 1.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DatapathIndex } from '../../language-server/src/core/index';
import { PRIMITIVES } from '../../language-server/src/core/resolver';

function functionsWithBodies(src: string): { name: string; head: string; body: string }[] {
  const out: { name: string; head: string; body: string }[] = [];
  const re = /\b(\w+)\s*\(([^;{}()]|\([^;{}()]*\))*\)\s*\{/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (/^(if|while|for|switch|sizeof|return)$/.test(m[1])) continue;
    let depth = 1;
    let i = re.lastIndex;
    while (depth && i < src.length) { const c = src[i++]; if (c === '{') depth++; else if (c === '}') depth--; }
    const headStart = Math.max(src.lastIndexOf(';', m.index), src.lastIndexOf('}', m.index)) + 1;
    out.push({ name: m[1], head: src.slice(headStart, m.index), body: src.slice(re.lastIndex, i) });
    re.lastIndex = i;
  }
  return out;
}

async function main(): Promise<void> {
  const [dir, ...flags] = process.argv.slice(2);
  if (!dir) { console.error('usage: cpp-crosscheck.ts <bpf-dir> [-DFLAG ...]'); process.exitCode = 2; return; }
  const index = await DatapathIndex.open(dir, { cacheDir: false });
  const graph = index.graph();
  const callees = [...Object.keys(PRIMITIVES), ...index.wrappers().map((w) => w.name)];
  const slotIndex = new Map<string, number>([...Object.entries(PRIMITIVES).map(([k, v]) => [k, v.slot] as const), ...index.wrappers().map((w) => [w.name, w.slotIndex] as const)]);
  let sum = { refP: 0, hitP: 0, ourP: 0, refE: 0, hitE: 0, ourE: 0 };
  for (const object of index.objects()) {
    const r = spawnSync('cpp', ['-P', '-w', '-Iinclude', '-I.', '-D__BPF__', ...flags, object], { cwd: index.root, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) { console.log(`${object}: cpp failed: ${r.stderr.split('\n')[0]}`); continue; }
    const fns = functionsWithBodies(r.stdout);
    const refPrograms = new Set(fns.filter((f) => /section\s*\(/.test(f.head)).map((f) => f.name));
    const refEdges = new Set<string>();
    for (const f of fns) {
      for (const callee of callees) {
        const re = new RegExp(`\\b${callee}\\s*\\(`, 'g');
        for (let m = re.exec(f.body); m; m = re.exec(f.body)) {
          const args: string[] = [];
          let depth = 1, cur = '', i = re.lastIndex;
          for (; i < f.body.length && depth; i++) {
            const c = f.body[i];
            if (c === '(') depth++;
            if (c === ')') { depth--; if (!depth) break; }
            if (c === ',' && depth === 1) { args.push(cur.trim()); cur = ''; } else cur += c;
          }
          args.push(cur.trim());
          const slot = args[slotIndex.get(callee)!]?.replace(/^\(\s*\w+\s*\)\s*/, '');
          if (slot && /^\d+$/.test(slot)) refEdges.add(`${f.name}>${Number(slot)}`);
        }
      }
    }
    const ourPrograms = new Set(graph.programs.filter((p) => p.object === object).map((p) => p.name));
    const ourEdges = new Set(graph.edges.filter((e) => e.kind === 'tail' && e.object === object).map((e) => `${e.from}>${e.slotValue}`));
    const hitP = [...refPrograms].filter((p) => ourPrograms.has(p)).length;
    const hitE = [...refEdges].filter((e) => ourEdges.has(e)).length;
    const missP = [...refPrograms].filter((p) => !ourPrograms.has(p));
    const missE = [...refEdges].filter((e) => !ourEdges.has(e));
    console.log(`${object.padEnd(18)} programs recall ${hitP}/${refPrograms.size} precision ${hitP}/${ourPrograms.size}   tail sites recall ${hitE}/${refEdges.size} precision ${[...ourEdges].filter((e) => refEdges.has(e)).length}/${ourEdges.size}`
      + (missP.length ? `\n    missing programs: ${missP.join(' ')}` : '') + (missE.length ? `\n    missing tail sites: ${missE.slice(0, 12).join(' ')}` : ''));
    sum = { refP: sum.refP + refPrograms.size, hitP: sum.hitP + hitP, ourP: sum.ourP + ourPrograms.size, refE: sum.refE + refEdges.size, hitE: sum.hitE + hitE, ourE: sum.ourE + ourEdges.size };
  }
  console.log(`total              programs recall ${(sum.hitP / Math.max(1, sum.refP)).toFixed(3)}   tail sites recall ${(sum.hitE / Math.max(1, sum.refE)).toFixed(3)}  (${path.basename(path.dirname(index.root))})`);
  await index.close();
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
