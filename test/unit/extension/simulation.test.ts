import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelledNameIndex, pickHitsPerScenario, runBuiltin, runText, scenarioSummaries, scenariosThrough, type ScenarioHit } from '../../../extension/src/simulation';

test('an unknown built-in scenario is an error naming it, not an exception', () => {
  const r = runBuiltin('no-such-scenario', 'vxlan');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /no-such-scenario/);
});

test('a what-if text that does not parse comes back with the file label and a position', () => {
  const r = runText('name: x\nkind: path\nnodes: [\n', 'vxlan', 'what-if scenario');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.file, 'what-if scenario');
  assert.equal(typeof r.line, 'number');
  assert.match(r.message, /what-if scenario/);
});

test('a built-in scenario round-trips through its text (what-if editor starting point)', () => {
  const first = scenarioSummaries()[0];
  const builtin = runBuiltin(first.name, 'vxlan');
  assert.ok(builtin.ok);
  const again = runText(builtin.scenarioText, 'vxlan', 'what-if scenario');
  assert.ok(again.ok, again.ok ? '' : again.message);
  assert.deepEqual(again.trace, builtin.trace);
});

test('scenariosThrough accepts an older name of a modelled function', () => {
  const withAlias = [...modelledNameIndex()].find(([name, current]) => name !== current);
  if (!withAlias) return; // the model lists no renamed functions
  const [alias, current] = withAlias;
  assert.deepEqual(scenariosThrough(alias), scenariosThrough(current));
});

test('pickHitsPerScenario keeps one hit per scenario, the active mode first and preferred', () => {
  const hits: ScenarioHit[] = [
    { scenario: 'a', mode: 'native', stepIndex: 3 },
    { scenario: 'a', mode: 'vxlan', stepIndex: 4 },
    { scenario: 'b', mode: 'native', stepIndex: 7 },
    { scenario: 'c', mode: 'vxlan', stepIndex: 1 },
  ];
  assert.deepEqual(pickHitsPerScenario(hits, 'vxlan'), [
    { scenario: 'a', mode: 'vxlan', stepIndex: 4 },
    { scenario: 'c', mode: 'vxlan', stepIndex: 1 },
    { scenario: 'b', mode: 'native', stepIndex: 7 },
  ]);
});

test('pickHitsPerScenario puts the walk-through written for the active mode first', () => {
  const hits: ScenarioHit[] = [
    { scenario: 'pod-to-pod-native', mode: 'vxlan', stepIndex: 4 },
    { scenario: 'pod-to-pod-vxlan', mode: 'vxlan', stepIndex: 4 },
    { scenario: 'pod-to-pod-vxlan', mode: 'native', stepIndex: 4 },
  ];
  assert.deepEqual(pickHitsPerScenario(hits, 'vxlan').map((h) => h.scenario), ['pod-to-pod-vxlan', 'pod-to-pod-native']);
  assert.deepEqual(pickHitsPerScenario(hits, 'native').map((h) => `${h.scenario}/${h.mode}`), ['pod-to-pod-vxlan/native', 'pod-to-pod-native/vxlan']);
});
