// Edit storm benchmark: 100 000 didChange on bpf_lxc.c through a real LSP client, mixed with definition,
// hover and call-hierarchy requests; prints the server's RSS growth (target ≤ 1.2×) and request latencies.
// Usage: npx tsx test/bench/edit-storm-bench.ts [bpf-dir] [--edits N] [--batch N]
// (default tree: test/fixtures/legacy/bpf, copied to a temp dir; a given tree is copied too, never edited).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../unit/lsp/harness';
import { runEditStorm } from './edit-storm';

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const source = argv[0] && !argv[0].startsWith('--') ? path.resolve(argv[0]) : path.join(repoRoot, 'test/fixtures/legacy/bpf');
  const edits = option(argv, '--edits', 100_000);
  const batch = option(argv, '--batch', 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-storm-bench-'));
  try {
    fs.cpSync(source, path.join(dir, 'bpf'), { recursive: true });
    const t0 = performance.now();
    const r = await runEditStorm({ workspace: dir, file: 'bpf/bpf_lxc.c', edits, batch, log: (l) => console.log(l) });
    const ratio = r.rssEndMb / r.rssAfterIndexMb;
    console.log(`\n${edits} edits in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${r.rounds} request rounds`);
    console.log(`RSS after first index ${r.rssAfterIndexMb.toFixed(1)} MB, at end ${r.rssEndMb.toFixed(1)} MB: ${ratio.toFixed(3)}× (target ≤ 1.2×) ${ratio <= 1.2 ? 'OK' : 'OVER'}`);
    const afterFirst = r.rssEndMb / r.rssAfterFirstBatchMb;
    console.log(`RSS after the first ${batch} edits ${r.rssAfterFirstBatchMb.toFixed(1)} MB: end is ${afterFirst.toFixed(3)}× that; `
      + `per-round range ${Math.min(...r.rssSamplesMb).toFixed(0)}–${Math.max(...r.rssSamplesMb).toFixed(0)} MB`);
    for (const [kind, ms] of Object.entries(r.latencies)) {
      console.log(`${kind.padEnd(14)} p50 ${percentile(ms, 0.5).toFixed(1)} ms  p95 ${percentile(ms, 0.95).toFixed(1)} ms  max ${Math.max(...ms).toFixed(1)} ms`);
    }
    console.log(r.wrong.length ? `WRONG ANSWERS (${r.wrong.length}):\n${r.wrong.slice(0, 20).join('\n')}` : 'all answers right');
    return r.wrong.length || ratio > 1.2 ? 1 : 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(2); });
