// Malformed scenario files: a ScenarioError naming file, line:column, field path and what was expected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario, ScenarioError, builtinScenario, listScenarios, scenarioToText, runScenario } from '../../../simulator/src/index';

function errorOf(text: string, file = 'bad.yaml'): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected ScenarioError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the file to be rejected');
}

const NODE = `
  - name: n1
    nic: { name: eth0, ip: 192.168.56.2, mac: "08:00:27:00:00:02" }
    ciliumHost: { ip: 10.0.0.1, mac: "02:00:00:00:00:fe" }
    podCIDR: 10.0.0.0/24
    pods:
      - name: a
        ip: 10.0.0.5
        mac: "0a:58:0a:00:00:05"
        lxc: { name: lxc-a, ifindex: 10, mac: "fe:54:00:00:00:05" }
        endpointId: 11`;

test('a bad pod IP is reported at its line and column with the field path', () => {
  const text = `name: t\nkind: path\nnodes:${NODE.replace('ip: 10.0.0.5', 'ip: 10.0.0.300')}\npacket: { from: a, to: 8.8.8.8 }\n`;
  const e = errorOf(text);
  assert.equal(e.file, 'bad.yaml');
  assert.equal(e.fieldPath, 'nodes[0].pods[0].ip');
  assert.equal(e.line, 10);
  assert.equal(e.column, 13);
  assert.match(e.expected, /IPv4 address/);
  assert.match(e.message, /^bad\.yaml:10:13: nodes\[0\]\.pods\[0\]\.ip: expected an IPv4 address/);
});

test('unknown fields, missing fields, wrong kinds and dangling references are errors, not defaults', () => {
  const unknown = errorOf(`name: t\nkind: path\nnodes:${NODE}\npacket: { from: a, to: 8.8.8.8, colour: red }\n`);
  assert.equal(unknown.fieldPath, 'packet.colour');
  assert.equal(unknown.line, 14);
  const missing = errorOf(`name: t\nkind: path\nnodes:${NODE}\n`);
  assert.equal(missing.fieldPath, 'packet');
  const kind = errorOf('name: t\nkind: walk\n');
  assert.equal(kind.fieldPath, 'kind');
  assert.equal(kind.line, 2);
  assert.match(kind.expected, /path, program/);
  const dangling = errorOf(`name: t\nkind: path\nnodes:${NODE}\npacket: { from: nobody, to: a }\n`);
  assert.equal(dangling.fieldPath, 'packet.from');
  const port = errorOf(`name: t\nkind: path\nnodes:${NODE}\npolicies:\n  - name: p\n    endpointSelector: {}\n    ingress:\n      - toPorts: [ { ports: [ { port: "http" } ] } ]\npacket: { from: a, to: 8.8.8.8 }\n`);
  assert.equal(port.fieldPath, 'policies[0].ingress[0].toPorts[0].ports[0].port');
  const tcpNoPort = errorOf(`name: t\nkind: path\nnodes:${NODE}\npacket: { from: a, to: 8.8.8.8, protocol: TCP }\n`);
  assert.equal(tcpNoPort.fieldPath, 'packet.dstPort');
});

test('program scenarios: bad entry program, missing endpoint, bad drop reason in expect', () => {
  const entry = errorOf('name: t\nkind: program\nprogram:\n  entry: cil_from_nowhere\n');
  assert.equal(entry.fieldPath, 'program.entry');
  assert.equal(entry.line, 4);
  assert.equal(entry.column, 10);
  const noEp = errorOf('name: t\nkind: program\nprogram:\n  entry: cil_from_container\n  device: { name: l, ifindex: 3, mac: "02:00:00:00:00:01" }\n  packet: { eth: { src: "02:00:00:00:00:02", dst: "02:00:00:00:00:01" }, ipv4: { src: 1.1.1.1, dst: 2.2.2.2 }, l4: { protocol: ICMP } }\n');
  assert.equal(noEp.fieldPath, 'program.endpoint');
  const drop = errorOf('name: t\nkind: program\nexpect: { dropReason: DROP_BANANA }\nprogram: {}\n');
  assert.equal(drop.fieldPath, 'expect.dropReason');
  assert.equal(drop.line, 3);
});

test('syntax errors in JSON and YAML carry a position', () => {
  const json = errorOf('{ "name": "t" "kind": "path" }', 'bad.json');
  assert.equal(json.file, 'bad.json');
  assert.equal(json.line, 1);
  assert.match(json.expected, /JSON or YAML/);
  const yaml = errorOf('name: t\nkind: [path\n');
  assert.ok(yaml.line !== undefined);
});

test('scenarioToText round-trips every built-in through parseScenario and runs the same', () => {
  for (const { name } of listScenarios()) {
    const s = builtinScenario(name)!;
    const again = parseScenario(scenarioToText(s), `${name}.json`);
    assert.deepEqual(again, s, name);
    assert.deepEqual(runScenario(again).disposition, runScenario(s).disposition, name);
  }
});
