// A warm start reads only the graph half of a cache entry; per-file facts (and the sites lookups use)
// are read on the first query that needs them. Lookups must then answer as a cold index does, also
// when the facts half of the entry has gone missing (it is re-extracted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatapathIndex } from '../../../language-server/src/core/index';
import { positionOf } from './helpers';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'legacy', 'bpf');

function answers(index: DatapathIndex) {
  const lxc = fs.readFileSync(path.join(index.root, 'bpf_lxc.c'), 'utf8');
  const programs = index.programs();
  return {
    graph: index.graph().edges,
    files: index.files(),
    symbols: index.files().map((f) => index.fileSymbols(f)),
    diagnostics: index.diagnostics(),
    callers: programs.map((p) => index.callers(p.name)),
    callSites: programs.map((p) => index.callSites(p.name)),
    slotAtSite: index.symbolAt('bpf_lxc.c', positionOf(lxc, 'CILIUM_CALL_IPV4_FROM_LXC', 1)),
  };
}

test('lookups after a warm start equal a cold index, with or without the facts half of the cache', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-warm-cache-'));
  try {
    const cold = await DatapathIndex.open(FIXTURE, { cacheDir, workers: false });
    const expected = answers(cold);
    await cold.close();
    await DatapathIndex.flushCache();
    assert.ok(expected.slotAtSite?.programs?.length, 'the fixture has a tail call through CILIUM_CALL_IPV4_FROM_LXC');

    const warm = await DatapathIndex.open(FIXTURE, { cacheDir, workers: false });
    assert.equal(warm.stats.fromCache, true);
    assert.deepEqual(answers(warm), expected);
    await warm.close();

    const factsFiles = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.facts.json'));
    assert.equal(factsFiles.length, 1);
    fs.rmSync(path.join(cacheDir, factsFiles[0]));
    const partial = await DatapathIndex.open(FIXTURE, { cacheDir, workers: false });
    assert.equal(partial.stats.fromCache, true);
    assert.deepEqual(answers(partial), expected);
    await partial.close();
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('after a one-file change the previous entry\'s facts are reused for the other files, with the same answers as a cold index', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-reuse-cache-'));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-reuse-tree-'));
  try {
    fs.cpSync(FIXTURE, copy, { recursive: true });
    const first = await DatapathIndex.open(copy, { cacheDir, workers: false });
    await first.close();
    await DatapathIndex.flushCache();

    const lxc = path.join(copy, 'bpf_lxc.c');
    fs.writeFileSync(lxc, fs.readFileSync(lxc, 'utf8') + '\nstatic int probe_reuse(int x) { return x; }\n');
    const second = await DatapathIndex.open(copy, { cacheDir, workers: false });
    assert.equal(second.stats.fromCache, false);
    assert.equal(second.stats.reusedFiles, second.files().length - 1, 'every file but the changed one is reused');
    const cold = await DatapathIndex.open(copy, { cacheDir: false, workers: false });
    assert.deepEqual(answers(second), answers(cold));
    assert.equal(second.functions('probe_reuse').length, 1);
    await second.close();
    await cold.close();
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(copy, { recursive: true, force: true });
  }
});

test('the idle-time graph warm-up after a warm start keeps every answer, runs once, and edits after it match a cold index', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-warmup-cache-'));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-warmup-tree-'));
  try {
    fs.cpSync(FIXTURE, copy, { recursive: true });
    const cold = await DatapathIndex.open(copy, { cacheDir, workers: false });
    const expected = answers(cold);
    assert.equal(cold.warmGraphCaches(), false, 'a cold index built its caches already: nothing to warm');
    await cold.close();
    await DatapathIndex.flushCache();

    const warm = await DatapathIndex.open(copy, { cacheDir, workers: false });
    assert.equal(warm.stats.fromCache, true);
    assert.equal(warm.warmGraphCaches(), true, 'a warm start has a cached graph and empty resolver caches');
    assert.equal(warm.warmGraphCaches(), false, 'once is enough');
    assert.deepEqual(answers(warm), expected);

    // The same edit on the warmed index and on a fresh cold index of the edited text: same answers.
    const lxc = fs.readFileSync(path.join(copy, 'bpf_lxc.c'), 'utf8');
    const edited = lxc.replace('int handle_xgress(', '\n\nint handle_xgress(');
    assert.notEqual(edited, lxc);
    warm.updateFile('bpf_lxc.c', edited);
    const afterEdit = answers(warm);
    await warm.close();
    fs.writeFileSync(path.join(copy, 'bpf_lxc.c'), edited);
    const fresh = await DatapathIndex.open(copy, { cacheDir: false, workers: false });
    assert.deepEqual(afterEdit.graph, fresh.graph().edges);
    assert.deepEqual(afterEdit.callers, fresh.programs().map((p) => fresh.callers(p.name)));
    await fresh.close();
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
