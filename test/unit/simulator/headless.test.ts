// The verdict-only path (steps: false) skips every step, string and snapshot, so it is a separate way
// through the programs: it must reach the same verdicts and leave the world (conntrack, metrics) in
// exactly the state a recorded run leaves it in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinScenario, listScenarios, prepareScenario, runScenario, type ModeName } from '../../../simulator/src/index';

const MODES: ModeName[] = ['native', 'vxlan', 'native-host-routing', 'geneve'];

function pathScenarios() {
  return listScenarios().filter((s) => s.kind === 'path').map((s) => builtinScenario(s.name)! as Extract<ReturnType<typeof builtinScenario>, { kind: 'path' }>);
}

test('a verdict-only run reaches the disposition of a recorded run and records no hops', () => {
  let compared = 0;
  for (const scenario of pathScenarios()) for (const mode of MODES) {
    const recorded = runScenario(scenario, { mode, snapshots: false });
    const quiet = runScenario(scenario, { mode, steps: false });
    assert.deepEqual(quiet.disposition, recorded.disposition, `${scenario.name} (${mode})`);
    assert.equal(quiet.hops.length, 0);
    assert.equal(quiet.metrics, undefined, 'verdict-only runs gather no metrics');
    compared++;
  }
  assert.ok(compared >= 20, `only ${compared} runs compared`);
});

test('packets sent verdict-only leave conntrack and metrics as recorded packets do', () => {
  // Third packet through one world: after two recorded packets, and after two verdict-only ones. Its
  // trace shows conntrack entries (packet counts) and the cilium_metrics counters, so any bump the quiet
  // path misses or doubles shows up as a difference.
  for (const scenario of pathScenarios()) for (const mode of ['vxlan', 'native-host-routing'] as const) {
    const loud = prepareScenario(scenario, { mode });
    loud.run({ snapshots: false });
    loud.run({ snapshots: false });
    const afterLoud = loud.run({ snapshots: false });
    const quiet = prepareScenario(scenario, { mode });
    quiet.run({ steps: false });
    quiet.run({ steps: false });
    const afterQuiet = quiet.run({ snapshots: false });
    assert.deepEqual(afterQuiet, afterLoud, `${scenario.name} (${mode})`);
    // Each packet bumps the same counters, so every counter holds three packets' worth. (The ARP exchange
    // bumps none: the lxc program answers before any trace point that counts.)
    if (scenario.packet.protocol !== 'ARP') assert.ok(afterLoud.metrics!.length > 0, `${scenario.name} (${mode}): no counters`);
    for (const m of afterLoud.metrics!) assert.ok(m.packets > 0 && m.packets % 3 === 0, `${scenario.name} (${mode}): ${JSON.stringify(m)}`);
  }
});

test('the verdict-only hop list cannot be written to by a caller', () => {
  const scenario = builtinScenario('pod-to-pod-vxlan')!;
  const quiet = runScenario(scenario, { steps: false });
  assert.throws(() => (quiet.hops as unknown[]).push({}), TypeError);
  // …and the next verdict-only run is unaffected.
  assert.equal(runScenario(scenario, { steps: false }).hops.length, 0);
});
