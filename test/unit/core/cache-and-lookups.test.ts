// The content-keyed cache (a warm start gives the same index without parsing) and the lookups a
// language server uses, on the legacy fixture tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatapathIndex } from '../../../language-server/src/core/index';
import { positionOf } from './helpers';

const LEGACY = path.join(__dirname, '..', '..', 'fixtures', 'legacy', 'bpf');

test('a warm start from the cache gives the same graph; an edited file misses the cache', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-cache-test-'));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-cache-tree-'));
  fs.cpSync(LEGACY, copy, { recursive: true });
  try {
    const cold = await DatapathIndex.open(copy, { cacheDir, workers: false });
    assert.equal(cold.stats.fromCache, false);
    const coldGraph = cold.graph();
    const warm = await DatapathIndex.open(copy, { cacheDir, workers: false });
    assert.equal(warm.stats.fromCache, true);
    assert.deepEqual(warm.graph(), coldGraph);
    assert.deepEqual(warm.callSites('handle_xgress'), cold.callSites('handle_xgress'));
    fs.appendFileSync(path.join(copy, 'lib/l3.h'), '\n/* edited */\n');
    const edited = await DatapathIndex.open(copy, { cacheDir, workers: false });
    assert.equal(edited.stats.fromCache, false);
  } finally {
    await DatapathIndex.flushCache();
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(copy, { recursive: true, force: true });
  }
});

test('lookups: symbols of a file, macro and map definitions, macro-expanded call sites', async () => {
  const index = await DatapathIndex.open(LEGACY, { cacheDir: false, workers: false });
  const lxc = index.text('bpf_lxc.c')!;
  const symbols = index.fileSymbols('bpf_lxc.c');
  const xgress = symbols.find((s) => s.name === 'handle_xgress');
  assert.equal(xgress?.kind, 'function');
  assert.deepEqual(xgress?.nameRange.start, positionOf(lxc, 'handle_xgress('));
  assert.equal(xgress?.programs?.[0]?.kind, 'entry');

  const slot = index.symbolAt('bpf_lxc.c', positionOf(lxc, 'CILIUM_CALL_IPV4_FROM_LXC);'));
  assert.equal(slot?.kind, 'slot');
  assert.deepEqual(slot?.programs?.map((p) => `${p.object}:${p.name}`), ['bpf_lxc.c:tail_handle_ipv4']);
  assert.ok(slot?.definitions.some((d) => d.kind === 'macro' && d.file === 'lib/common.h'), 'the #define is also offered');

  const policyMap = index.maps('POLICY_CALL_MAP');
  assert.equal(policyMap[0]?.file, 'lib/maps.h');

  const viaMacro = index.callSites('handle_ipv4_from_lxc').filter((s) => s.kind === 'macro');
  assert.ok(viaMacro.some((s) => s.callee === 'redirect_to_ifindex'), 'a call that exists only in a macro expansion');
  const callers = index.callers('handle_policy');
  assert.ok(callers.length > 0 && callers.every((c) => c.kind === 'dynamic-tail'));
});
