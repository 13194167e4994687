// The graph of the two hand-written fixture trees, edge by edge, against their hand-derived
// expected-graph.json (rules in test/fixtures/README.md: every key of an expected entry must match;
// a missing `condition` means unguarded; programs and tail/dynamic-tail edges are complete, call
// edges a selection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DatapathIndex } from '../../../language-server/src/core/index';
import type { Graph, GraphEdge, GraphProgram } from '../../../language-server/src/core/graph-schema';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');

function matches(expected: object, actual: object): boolean {
  for (const [k, v] of Object.entries(expected)) {
    const a = (actual as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object') {
      if (a === null || typeof a !== 'object' || !matches(v, a)) return false;
    } else if (a !== v) return false;
  }
  if ('condition' in actual && !('condition' in expected)) return false;
  return true;
}

const label = (x: GraphEdge | GraphProgram) => {
  const e = x as Partial<GraphEdge & GraphProgram>;
  return `${e.object ?? ''} ${e.kind} ${e.from ?? e.name}${e.to ? ` -> ${e.to}` : ''} @${e.file}:${e.line}${e.slot ? ` [${e.slot}]` : ''}`;
};

for (const tree of ['legacy', 'modern']) {
  const expectedPath = path.join(FIXTURES, tree, 'expected-graph.json');
  if (!fs.existsSync(expectedPath)) continue;
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8')) as Graph;

  test(`${tree} fixture: graph matches expected-graph.json`, async (t) => {
    const index = await DatapathIndex.open(path.join(FIXTURES, tree, 'bpf'), { cacheDir: false, workers: false });
    const graph = index.graph();

    await t.test('every expected program is found', () => {
      const missing = expected.programs.filter((p) => !graph.programs.some((a) => matches(p, a)));
      assert.deepEqual(missing.map(label), []);
    });
    await t.test('no unexpected programs', () => {
      const extra = graph.programs.filter((a) => !expected.programs.some((p) => p.name === a.name && p.object === a.object));
      assert.deepEqual(extra.map(label), []);
    });
    await t.test('every expected edge is found', () => {
      const missing = expected.edges.filter((e) => !graph.edges.some((a) => matches(e, a)));
      assert.deepEqual(missing.map(label), []);
    });
    await t.test('no unexpected tail or dynamic-tail edges', () => {
      const extra = graph.edges.filter((a) => a.kind !== 'call'
        && !expected.edges.some((e) => e.kind === a.kind && e.from === a.from && e.to === a.to && e.file === a.file && e.line === a.line && e.object === a.object));
      assert.deepEqual(extra.map(label), []);
    });
    await index.close();
  });
}

// A large tree is extracted by parse workers and this thread together (each scans its own files'
// directives; the macro roles come from a quick #define pass): it must index exactly as one thread does.
for (const tree of ['legacy', 'modern']) {
  test(`${tree} fixture: parse workers give the same facts and graph as one thread`, async () => {
    const dir = path.join(FIXTURES, tree, 'bpf');
    const one = await DatapathIndex.open(dir, { cacheDir: false, workers: false });
    const pooled = await DatapathIndex.open(dir, { cacheDir: false, workers: true });
    try {
      assert.deepEqual(pooled.files(), one.files());
      for (const f of one.files()) assert.deepEqual(pooled.facts(f), one.facts(f), f);
      assert.deepEqual(pooled.graph(), one.graph());
      assert.deepEqual(pooled.wrappers(), one.wrappers());
    } finally {
      await one.close();
      await pooled.close();
    }
  });
}
