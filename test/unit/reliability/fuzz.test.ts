// Fuzzes the indexer with garbled and hostile C: whatever one file holds, indexing it ends in bounded
// time without throwing, graph() and lookups still answer, and the rest of the tree stays indexed.
// Fixed seed and a short budget so CI is repeatable; see docs/reliability.md to reproduce a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DatapathIndex } from '../../../language-server/src/core/index';
import { PRELUDE } from '../core/helpers';
import { KNOWN_GOOD, ENTRY, TAILCALL_H, ciliumFile, garbledFile, adversarialFiles, regressionInputs } from './fuzz-inputs';

const SEED = Number(process.env.DPNAV_FUZZ_SEED ?? 20261124);
const RUNS = Number(process.env.DPNAV_FUZZ_RUNS ?? 150);
/** Generous: a file takes milliseconds; this only catches hangs and blow-ups on a loaded CI machine. */
const PER_FILE_MS = 15_000;
const REGRESSIONS = path.join(__dirname, '../../fixtures/fuzz-regressions');

function writeTree(extra: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-fuzz-'));
  const files: Record<string, string | Buffer> = {
    'lib/prelude.h': PRELUDE, 'lib/tailcall.h': TAILCALL_H, 'lib/good.h': KNOWN_GOOD, 'lib/fuzz.h': '', 'bpf_lxc.c': ENTRY, ...extra,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** The tree's invariant part still answers: the known-good helper is found and called from the program. */
function assertHealthy(index: DatapathIndex, context: string, entryIntact = true): void {
  const graph = index.graph();
  assert.ok(Array.isArray(graph.edges) && Array.isArray(graph.programs), `${context}: graph() answers`);
  const [def] = index.functions('known_good_helper');
  assert.equal(def?.file, 'lib/good.h', `${context}: known_good_helper still indexed`);
  if (entryIntact) {
    assert.ok(graph.programs.some((p) => p.name === 'handle_xgress'), `${context}: entry program still found`);
    assert.ok(graph.edges.some((e) => e.kind === 'call' && e.from === 'handle_xgress' && e.to === 'known_good_helper'),
      `${context}: call into the known-good file still resolved`);
  }
}

/** Indexes `text` as lib/fuzz.h in place, timing it, and exercises the lookups over it. */
function indexHostile(index: DatapathIndex, name: string, text: string): void {
  const t0 = performance.now();
  index.updateFile('lib/fuzz.h', text);
  index.graph();
  index.diagnostics('lib/fuzz.h');
  const symbols = index.fileSymbols('lib/fuzz.h');
  for (const s of symbols.slice(0, 5)) index.symbolAt('lib/fuzz.h', s.nameRange.start);
  index.symbolAt('lib/fuzz.h', { line: 0, character: 0 });
  const ms = performance.now() - t0;
  if (process.env.DPNAV_FUZZ_VERBOSE) console.log(`${name}: ${Math.round(ms)} ms`);
  assert.ok(ms < PER_FILE_MS, `${name}: indexed in ${Math.round(ms)} ms, over ${PER_FILE_MS} ms`);
  assertHealthy(index, name);
}

let dir: string;
let index: DatapathIndex;
before(async () => {
  dir = writeTree();
  index = await DatapathIndex.open(dir, { cacheDir: false, workers: false });
  assertHealthy(index, 'baseline');
});
after(async () => { await index.close(); fs.rmSync(dir, { recursive: true, force: true }); });

test('hostile files (deep nesting, 5 MB line, binary, CRLF, recursive macros, cyclic tails) are indexed in bounded time', () => {
  for (const [name, text] of Object.entries(adversarialFiles())) indexHostile(index, name, text);
  index.updateFile('lib/fuzz.h', adversarialFiles()['cyclic-tails.h']);
  const tails = index.graph().edges.filter((e) => e.kind === 'tail' && e.from.startsWith('cyc_'));
  assert.ok(tails.some((e) => e.from === 'cyc_a' && e.to === 'cyc_b'), 'a cycle of tail calls is a graph like any other');
  assert.ok(tails.some((e) => e.from === 'cyc_self' && e.to === 'cyc_self'));
});

test('a file over the size limit is skipped with a diagnostic naming it', () => {
  index.updateFile('lib/fuzz.h', adversarialFiles()['long-line.h']);
  const diags = index.diagnostics('lib/fuzz.h');
  assert.ok(diags.some((d) => /lib\/fuzz\.h not indexed: 5\.0 M characters/.test(d.message)), JSON.stringify(diags));
  index.updateFile('lib/fuzz.h', adversarialFiles()['deep-if.h']);
  assert.ok(index.diagnostics('lib/fuzz.h').some((d) => /#if nesting deeper than/.test(d.message)));
});

test('every input that once failed (test/fixtures/fuzz-regressions) still indexes', () => {
  const inputs = regressionInputs(REGRESSIONS);
  assert.ok(Object.keys(inputs).length >= 3);
  for (const [name, text] of Object.entries(inputs)) indexHostile(index, name, text);
});

test('garbled Cilium-style headers: no throw, bounded time, the rest of the tree intact (property, fixed seed)', () => {
  fc.assert(fc.property(garbledFile, (text) => { indexHostile(index, 'garbled', text); }), { seed: SEED, numRuns: RUNS });
});

test('a garbled program file leaves the other files indexed (property, fixed seed)', () => {
  fc.assert(fc.property(garbledFile, (text) => {
    const t0 = performance.now();
    index.updateFile('bpf_lxc.c', ENTRY + text);
    index.graph();
    index.diagnostics();
    assert.ok(performance.now() - t0 < PER_FILE_MS);
    assertHealthy(index, 'garbled bpf_lxc.c', false);
  }), { seed: SEED, numRuns: Math.ceil(RUNS / 2) });
  index.updateFile('bpf_lxc.c', ENTRY);
  assertHealthy(index, 'restored bpf_lxc.c');
});

test('a whole tree of garbled files opens from disk (Latin-1 and binary bytes included)', async () => {
  const files = fc.sample(fc.tuple(ciliumFile, garbledFile), { seed: SEED, numRuns: 6 });
  const extra: Record<string, string | Buffer> = {};
  files.forEach(([good, bad], i) => {
    extra[`lib/gen${i}.h`] = good;
    extra[`lib/bad${i}.h`] = Buffer.from(bad, 'latin1');
  });
  extra['lib/latin1.h'] = Buffer.from('/* caf\xe9 \xff\xfe */\nint latin(void) { return 0; }\n', 'latin1');
  const tree = writeTree(extra);
  try {
    const t0 = performance.now();
    const opened = await DatapathIndex.open(tree, { cacheDir: false, workers: false });
    try {
      assert.ok(performance.now() - t0 < PER_FILE_MS * 2);
      assert.equal(opened.files().length, Object.keys(extra).length + 5);
      assertHealthy(opened, 'garbled tree');
      assert.equal(opened.functions('latin')[0]?.file, 'lib/latin1.h');
    } finally { await opened.close(); }
  } finally { fs.rmSync(tree, { recursive: true, force: true }); }
});
