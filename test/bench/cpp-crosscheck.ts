// Cross-checks the index against gcc's preprocessor on a real tree (not a test; needs `cpp`):
//   node --import tsx test/bench/cpp-crosscheck.ts <bpf-dir> [-DENABLE_X ...]
//   node --import tsx test/bench/cpp-crosscheck.ts <bpf-dir> --union [--functions] [--verbose]
// For each object it preprocesses bpf_*.c with the given flags, then lists the programs (functions
// carrying a section attribute) and the tail-call sites (calls of the index's derived wrappers and the
// primitives with a numeric slot after expansion, both arms of `c ? A : B`), and prints recall/precision of the index's programs
// and of its tail edges (function, slot value) against them. The index keeps every #if branch, so its
// precision against one configuration is expected to be below 1; recall should be 1.
// --union takes the tree's own compile-tested configurations instead of flags: every permutation of the
// Makefile's *_OPTIONS lists, each MAX_*_OPTIONS set, each complexity-tests/<kernel>/<object>/*.txt for
// its object, and no flags at all; the reference is the union over them. Programs and tail edges the
// index has and no configuration has are listed with the condition the index gives them.
// --functions also compares, per object, the functions defined (with a body) in each file the
// preprocessor reads against the index's functions of that file (generated ones included); a function
// whose name is not written in its file is counted as macro-generated.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DatapathIndex } from '../../language-server/src/core/index';
import { PRIMITIVES } from '../../language-server/src/core/resolver';

interface Fn { name: string; head: string; body: string; at: number }

function functionsWithBodies(src: string): Fn[] {
  const out: Fn[] = [];
  // Parameters may nest parentheses three deep (`int x __attribute__((unused))`).
  const re = /\b(\w+)\s*\((?:[^;{}()]|\((?:[^;{}()]|\((?:[^;{}()]|\([^;{}()]*\))*\))*\))*\)\s*\{/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (/^(if|while|for|switch|sizeof|return)$/.test(m[1])) continue;
    let depth = 1;
    let i = re.lastIndex;
    while (depth && i < src.length) { const c = src[i++]; if (c === '{') depth++; else if (c === '}') depth--; }
    const headStart = Math.max(src.lastIndexOf(';', m.index), src.lastIndexOf('}', m.index)) + 1;
    out.push({ name: m[1], head: src.slice(headStart, m.index), body: src.slice(re.lastIndex, i), at: m.index });
    re.lastIndex = i;
  }
  return out;
}

/** The tree's compile-tested configurations: Makefile permutations, MAX_* sets, complexity-tests files. */
function treeConfigs(root: string, objects: string[]): Map<string, string[][]> {
  const all: string[][] = [[]];
  const perObject = new Map<string, string[][]>(objects.map((o) => [o, []]));
  let text = '';
  try { text = fs.readFileSync(path.join(root, 'Makefile'), 'utf8'); } catch { /* no Makefile */ }
  const vars = new Map<string, string>();
  const expand = (s: string): string => s.replace(/\$[({](\w+)[)}]/g, (_, v: string) => vars.get(v) ?? '');
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^\s*(\w+_OPTIONS)\s*(\+=|\?=|:=|=)\s*(.*)$/.exec(line);
    if (!m) continue;
    const value = expand(m[3].replace(/#.*$/, ''));
    vars.set(m[1], m[2] === '+=' ? `${vars.get(m[1]) ?? ''} ${value}` : value);
  }
  for (const [name, value] of vars) {
    const tokens = value.split(/\s+/).filter((t) => t.startsWith('-D'));
    if (/^MAX_|BASE|SIMPLE/.test(name)) all.push(tokens);
    else for (const t of tokens) all.push(t.split(':').filter(Boolean));
  }
  const ct = path.join(root, 'complexity-tests');
  for (const kernel of fs.existsSync(ct) ? fs.readdirSync(ct) : []) {
    for (const obj of objects) {
      const dir = path.join(ct, kernel, obj.replace(/\.c$/, ''));
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
        perObject.get(obj)!.push(fs.readFileSync(path.join(dir, f), 'utf8').split(/\s+/).filter((t) => t.startsWith('-D')));
      }
    }
  }
  const out = new Map<string, string[][]>();
  for (const obj of objects) {
    const seen = new Set<string>();
    out.set(obj, [...all, ...perObject.get(obj)!].filter((c) => { const k = c.join(' '); return seen.has(k) ? false : (seen.add(k), true); }));
  }
  return out;
}

/** Splits cpp output (with line markers) into the text and, per offset, the file and line it came from. */
function withFiles(out: string, root: string): { text: string; origin: (at: number) => { file: string; line: number } } {
  const marks: { at: number; file: string; line: number; nl: number }[] = [];
  const nlAt: number[] = []; // offsets of newlines in text
  let text = '';
  for (const line of out.split('\n')) {
    const m = /^# (\d+) "([^"]*)"/.exec(line);
    if (m) { nlAt.push(text.length); text += '\n'; marks.push({ at: text.length, file: m[2], line: Number(m[1]), nl: nlAt.length }); continue; }
    text += line; nlAt.push(text.length); text += '\n';
  }
  const norm = new Map<string, string>();
  const lastLE = <T>(arr: T[], at: number, get: (t: T) => number) => {
    let lo = 0, hi = arr.length - 1, best = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (get(arr[mid]) <= at) { best = mid; lo = mid + 1; } else hi = mid - 1; }
    return best;
  };
  const origin = (at: number) => {
    const best = lastLE(marks, at, (m) => m.at);
    if (best < 0) return { file: '', line: 0 };
    const mk = marks[best];
    if (!norm.has(mk.file)) {
      const rel = path.relative(root, path.resolve(root, mk.file));
      norm.set(mk.file, rel.startsWith('..') || path.isAbsolute(rel) || mk.file.startsWith('<') ? '' : rel.split(path.sep).join('/'));
    }
    const nls = lastLE(nlAt, at - 1, (x) => x) + 1; // newlines before `at`
    return { file: norm.get(mk.file)!, line: mk.line + (nls - mk.nl) };
  };
  return { text, origin };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const union = argv.includes('--union');
  const withFunctions = argv.includes('--functions');
  const verbose = argv.includes('--verbose');
  const [dir, ...flags] = argv.filter((a) => !/^--(union|functions|verbose)$/.test(a));
  if (!dir) { console.error('usage: cpp-crosscheck.ts <bpf-dir> [-DFLAG ...] | --union [--functions] [--verbose]'); process.exitCode = 2; return; }
  const index = await DatapathIndex.open(dir, { cacheDir: false });
  const graph = index.graph();
  const callees = [...Object.keys(PRIMITIVES), ...index.wrappers().map((w) => w.name)];
  const slotIndex = new Map<string, number>([...Object.entries(PRIMITIVES).map(([k, v]) => [k, v.slot] as const), ...index.wrappers().map((w) => [w.name, w.slotIndex] as const)]);
  const configs = union ? treeConfigs(index.root, index.objects()) : new Map(index.objects().map((o) => [o, [flags]]));
  const sum = { refP: 0, hitP: 0, ourP: 0, refE: 0, hitE: 0, precE: 0, ourE: 0, refF: 0, hitF: 0, ourF: 0, extraF: 0, genF: 0, hitGenF: 0 };
  const lines = new Map<string, string[]>();
  const linesOf = (rel: string) => {
    if (!lines.has(rel)) { try { lines.set(rel, fs.readFileSync(path.join(index.root, rel), 'utf8').split('\n')); } catch { lines.set(rel, []); } }
    return lines.get(rel)!;
  };
  const generatedSeen = new Map<string, boolean>();
  for (const object of index.objects()) {
    const refPrograms = new Set<string>();
    const refEdges = new Set<string>();
    const refFns = new Map<string, Set<string>>(); // file → names
    const refGenerated = new Set<string>(); // file:name of functions whose name is not written with its parameters
    let runs = 0, failed = 0, firstError = '';
    for (const config of configs.get(object)!) {
      const r = spawnSync('cpp', [...(withFunctions ? [] : ['-P']), '-w', '-Iinclude', '-I.', '-D__BPF__', '-D__NR_CPUS__=2', ...config, object],
        { cwd: index.root, encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) { failed++; firstError ||= `${config.join(' ')}: ${r.stderr.split('\n').find((l) => /error/.test(l)) ?? r.stderr.split('\n')[0]}`; continue; }
      runs++;
      const { text, origin } = withFiles(r.stdout, index.root);
      const fns = functionsWithBodies(text);
      for (const f of fns) {
        if (/section\s*\(/.test(f.head)) refPrograms.add(f.name);
        if (withFunctions) {
          const { file, line } = origin(f.at);
          if (file) {
            if (!refFns.has(file)) refFns.set(file, new Set());
            refFns.get(file)!.add(f.name);
            // A macro-generated function sits on its invocation's line, where its name is not followed by `(`.
            const k = `${file}:${line}:${f.name}`;
            if (!generatedSeen.has(k)) generatedSeen.set(k, !new RegExp(`\\b${f.name}\\s*\\(`).test(linesOf(file)[line - 1] ?? ''));
            if (generatedSeen.get(k)) refGenerated.add(`${file}:${f.name}`);
          }
        }
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
            // The slot after expansion: a number, possibly cast or parenthesised, or `c ? A : B` (both arms).
            const slot = args[slotIndex.get(callee)!]?.replace(/^\(\s*\w+\s*\)\s*/, '').replace(/^\((\d+)\)$/, '$1');
            const arms = slot && /^[^?]+\?\s*\(?(\d+)\)?\s*:\s*\(?(\d+)\)?$/.exec(slot);
            for (const v of arms ? [arms[1], arms[2]] : [slot]) if (v && /^\d+$/.test(v)) refEdges.add(`${f.name}>${Number(v)}`);
          }
        }
      }
    }
    const ourProgramList = graph.programs.filter((p) => p.object === object);
    const ourPrograms = new Set(ourProgramList.map((p) => p.name));
    const filledSlots = new Set(ourProgramList.filter((p) => p.kind === 'tail').map((p) => p.slotValue));
    const ourEdgeList = graph.edges.filter((e) => e.kind === 'tail' && e.object === object);
    const ourEdges = new Set(ourEdgeList.map((e) => `${e.from}>${e.slotValue}`));
    const hitP = [...refPrograms].filter((p) => ourPrograms.has(p)).length;
    const hitE = [...refEdges].filter((e) => ourEdges.has(e)).length;
    const missP = [...refPrograms].filter((p) => !ourPrograms.has(p));
    const missE = [...refEdges].filter((e) => !ourEdges.has(e));
    const precE = [...ourEdges].filter((e) => refEdges.has(e)).length;
    console.log(`${object.padEnd(18)} programs recall ${hitP}/${refPrograms.size} precision ${hitP}/${ourPrograms.size}   tail sites recall ${hitE}/${refEdges.size} precision ${precE}/${ourEdges.size}`
      + (union ? `   (${runs} configurations${failed ? `, ${failed} failed: ${firstError}` : ''})` : '')
      + (missP.length ? `\n    missing programs: ${missP.join(' ')}` : '') + (missE.length ? `\n    missing tail sites: ${missE.slice(0, verbose ? Infinity : 12).map((e) => (filledSlots.has(Number(e.split('>')[1])) ? e : `${e} (no program in that slot in this object)`)).join(' ')}` : ''));
    if (union) {
      for (const p of ourProgramList.filter((p) => !refPrograms.has(p.name))) console.log(`    extra program: ${p.name} (${p.file}:${p.line}) if ${p.condition ?? '-'}`);
      const extra = new Map<string, typeof ourEdgeList>();
      for (const e of ourEdgeList) { const k = `${e.from}>${e.slotValue}`; if (!refEdges.has(k)) extra.set(k, [...(extra.get(k) ?? []), e]); }
      for (const [k, es] of extra) console.log(`    extra tail edge: ${k} [${es[0].slot}] ${es.map((e) => `${e.file}:${e.line}`).join(',')} if ${es[0].condition ?? '-'}`);
    }
    if (withFunctions) {
      let refF = 0, hitF = 0, ourF = 0, genF = 0, hitGenF = 0;
      const missF: string[] = [], extraF: string[] = [];
      for (const [file, names] of refFns) {
        const ours = new Set(index.facts(file)?.functions.map((f) => f.name) ?? []);
        for (const n of names) {
          const generated = refGenerated.has(`${file}:${n}`);
          refF++; if (generated) genF++;
          if (ours.has(n)) { hitF++; if (generated) hitGenF++; } else missF.push(`${file}:${n}${generated ? ' (generated)' : ''}`);
        }
        for (const n of ours) { ourF++; if (!names.has(n)) extraF.push(`${file}:${n}`); }
      }
      console.log(`    functions recall ${hitF}/${refF} (generated ${hitGenF}/${genF}) precision ${ourF - extraF.length}/${ourF} over ${refFns.size} files`);
      if (missF.length) console.log(`    missing functions: ${missF.slice(0, verbose ? Infinity : 20).join(' ')}`);
      if (extraF.length && verbose) console.log(`    extra functions: ${extraF.join(' ')}`);
      sum.refF += refF; sum.hitF += hitF; sum.ourF += ourF; sum.extraF += extraF.length; sum.genF += genF; sum.hitGenF += hitGenF;
    }
    sum.refP += refPrograms.size; sum.hitP += hitP; sum.ourP += ourPrograms.size;
    sum.refE += refEdges.size; sum.hitE += hitE; sum.precE += precE; sum.ourE += ourEdges.size;
  }
  console.log(`total              programs recall ${(sum.hitP / Math.max(1, sum.refP)).toFixed(3)} precision ${(sum.hitP / Math.max(1, sum.ourP)).toFixed(3)}`
    + `   tail sites recall ${(sum.hitE / Math.max(1, sum.refE)).toFixed(3)} precision ${(sum.precE / Math.max(1, sum.ourE)).toFixed(3)}`
    + (withFunctions ? `   functions recall ${(sum.hitF / Math.max(1, sum.refF)).toFixed(3)} (generated ${sum.hitGenF}/${sum.genF}) precision ${((sum.ourF - sum.extraF) / Math.max(1, sum.ourF)).toFixed(3)}` : '')
    + `  (${path.basename(path.dirname(index.root))})`);
  await index.close();
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
