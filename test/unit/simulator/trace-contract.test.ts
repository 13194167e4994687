// Properties of every trace: step indices continuous, stepping back reproduces what stepping forward
// showed, every step names a C function the catalogue knows, and scenariosThrough finds real steps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinScenario, listScenarios, modelledFunctions, runScenario, scenariosThrough } from '../../../simulator/src/index';

const MODES = ['native', 'vxlan', 'native-host-routing', 'geneve'] as const;

test('step back == step forward: each step starts from the packet the previous one left', () => {
  for (const { name } of listScenarios()) for (const mode of MODES) {
    const steps = runScenario(builtinScenario(name)!, { mode }).hops.flatMap((h) => h.steps);
    steps.forEach((s, i) => assert.equal(s.index, i, `${name}/${mode} index`));
    for (let i = 1; i < steps.length; i++) {
      assert.deepEqual(steps[i].packetBefore, steps[i - 1].packetAfter, `${name}/${mode}: step ${i} before != step ${i - 1} after`);
    }
    // walking backwards from the end gives back the first packet
    let p = steps[steps.length - 1].packetAfter;
    for (let i = steps.length - 1; i >= 0; i--) { assert.deepEqual(steps[i].packetAfter, p); p = steps[i].packetBefore; }
    assert.deepEqual(p, steps[0].packetBefore);
  }
});

test('snapshots are copies: mutating one does not change another step', () => {
  const steps = runScenario(builtinScenario('pod-to-pod-vxlan')!).hops.flatMap((h) => h.steps);
  const ttls = steps.map((s) => s.packetAfter!.ipv4!.ttl);
  steps[0].packetAfter!.ipv4!.ttl = 1;
  const again = runScenario(builtinScenario('pod-to-pod-vxlan')!).hops.flatMap((h) => h.steps).map((s) => s.packetAfter!.ipv4!.ttl);
  assert.deepEqual(again, ttls);
});

test('headless runs (no snapshots) reach the same disposition with the same steps', () => {
  for (const { name } of listScenarios()) {
    const full = runScenario(builtinScenario(name)!);
    const bare = runScenario(builtinScenario(name)!, { snapshots: false });
    assert.deepEqual(bare.disposition, full.disposition, name);
    assert.equal(bare.hops.flatMap((h) => h.steps).length, full.hops.flatMap((h) => h.steps).length, name);
    assert.equal(bare.hops[0].steps[0].packetBefore, undefined);
  }
});

test('every non-kernel step names a modelled function; modelled functions carry the real names', () => {
  const known = new Set(modelledFunctions().flatMap((f) => [f.name, ...f.aliases]));
  for (const { name } of listScenarios()) for (const s of runScenario(builtinScenario(name)!).hops.flatMap((h) => h.steps)) {
    if (s.kernel) continue;
    assert.ok(known.has(s.source.function), `${name}: ${s.source.function}`);
    assert.ok(s.source.fileHint, `${name}: ${s.source.function} has a file hint`);
  }
  const byName = new Map(modelledFunctions().map((f) => [f.name, f]));
  assert.deepEqual(byName.get('cil_from_container')!.aliases, ['handle_xgress']);
  assert.ok(byName.get('handle_ipv4_from_lxc')!.calls.includes('lookup_ip4_remote_endpoint'));
  assert.ok(byName.get('cil_lxc_policy')!.aliases.includes('handle_policy'));
  assert.equal(byName.get('arp_respond')!.fileHint, 'lib/arp.h');
});

test('scenariosThrough finds the walk-throughs that pass a function, by name or alias', () => {
  const overlay = scenariosThrough('cil_from_overlay');
  assert.ok(overlay.some((r) => r.scenario === 'pod-to-pod-vxlan' && r.mode === 'vxlan'));
  assert.ok(!overlay.some((r) => r.mode === 'native'));
  const hit = overlay.find((r) => r.scenario === 'pod-to-pod-vxlan' && r.mode === 'vxlan')!;
  const step = runScenario(builtinScenario('pod-to-pod-vxlan')!, { mode: 'vxlan' }).hops.flatMap((h) => h.steps)[hit.stepIndex];
  assert.equal(step.source.function, 'cil_from_overlay');
  assert.deepEqual(scenariosThrough('handle_xgress').length, scenariosThrough('cil_from_container').length);
  assert.deepEqual(scenariosThrough('no_such_function'), []);
});

test('built-in scenarios that carry expectations meet them', () => {
  const withExpect = listScenarios().map((s) => builtinScenario(s.name)!).filter((s) => s.expect);
  assert.ok(withExpect.length >= 2);
  for (const s of withExpect) for (const e of runScenario(s).expectations!) assert.ok(e.ok, `${s.name}: ${e.field} expected ${e.expected}, got ${e.actual}`);
});
