// dpnav trace / dpnav scenarios through their run() functions: exit status, messages, and each format.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { run as trace } from '../../../cli/trace';
import { run as scenarios } from '../../../cli/scenarios';
import { captureOutput as capture } from '../capture-output';


test('bad input exits 2 with a message naming the problem', async () => {
  const unknown = await capture(() => trace(['--scenario', 'no-such-scenario']));
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /'no-such-scenario' is neither a built-in scenario/);
  const mode = await capture(() => trace(['--scenario', 'pod-to-pod-vxlan', '--mode', 'ipip']));
  assert.equal(mode.code, 2);
  assert.match(mode.err, /--mode: expected one of vxlan, geneve, native, native-host-routing, got 'ipip'/);
  const missing = await capture(() => trace([]));
  assert.equal(missing.code, 2);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-')), 'bad.yaml');
  fs.writeFileSync(file, 'name: x\nkind: path\nnodes: 3\n');
  const bad = await capture(() => trace(['--scenario', file]));
  assert.equal(bad.code, 2);
  assert.ok(bad.err.includes(`${file}:3:8: nodes: expected a list`), bad.err);
});

test('text format: hops as headers, steps indented with map lookups and packet changes', async () => {
  const r = await capture(() => trace(['--scenario', 'pod-to-pod-vxlan']));
  assert.equal(r.code, 0);
  assert.match(r.out, /^== node1 lxc1 \[tc-ingress\] cil_from_container$/m);
  assert.match(r.out, /^ {2}#\d+ handle_ipv4_from_lxc → lookup_ip4_remote_endpoint: ipcache lookup of 10\.0\.1\.6/m);
  assert.match(r.out, /^ {7}map: lookup cilium_ipcache \[ip=10\.0\.1\.6/m);
  assert.match(r.out, /UDP \d+→8472 vxlan VNI/);
  assert.match(r.out, /^RESULT: delivered to pod pod2 on node2$/m);
});

test('monitor format: one line per trace/drop event in cilium monitor words', async () => {
  const r = await capture(() => trace(['--scenario', 'pod-to-pod-ingress-deny', '--format', 'monitor']));
  const lines = r.out.trim().split('\n');
  assert.match(lines[0], /^<- endpoint 1201 /);
  assert.match(lines[1], /^-> overlay /);
  assert.match(lines[lines.length - 1], /^xx drop \(Policy denied by denylist\) .*10\.0\.0\.5:40000 -> 10\.0\.1\.6:80 tcp SYN/);
});

test('hubble format: flow.Flow fields', async () => {
  const r = await capture(() => trace(['--scenario', 'pod-to-pod-ingress-deny', '--format', 'hubble']));
  const flows = r.out.trim().split('\n').map((l) => JSON.parse(l).flow);
  assert.equal(flows[0].trace_observation_point, 'FROM_ENDPOINT');
  const drop = flows[flows.length - 1];
  assert.equal(drop.verdict, 'DROPPED');
  assert.equal(drop.drop_reason, 181);
  assert.equal(drop.drop_reason_desc, 'POLICY_DENY');
  assert.equal(drop.l4.TCP.destination_port, 80);
  assert.equal(drop.IP.source, '10.0.0.5');
});

test('json format is the Trace; a failed expectation exits 1', async () => {
  const r = await capture(() => trace(['--scenario', 'arp-gateway', '--format', 'json']));
  const t = JSON.parse(r.out);
  assert.equal(t.disposition.kind, 'replied');
  assert.ok(t.hops[0].steps[0].packetBefore);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-'));
  const file = path.join(dir, 'wrong.yaml');
  const example = fs.readFileSync(path.join(__dirname, '../../../simulator/scenarios/examples/lxc-egress-deny.yaml'), 'utf8');
  fs.writeFileSync(file, example.replace('dropReason: DROP_POLICY_DENY', 'dropReason: DROP_POLICY'));
  const failed = await capture(() => trace(['--scenario', file]));
  assert.equal(failed.code, 1);
  assert.match(failed.out, /FAIL dropReason: expected Policy denied \(-133\), got Policy denied by denylist \(-181\)/);
});

test('dpnav scenarios lists the built-ins', async () => {
  const r = await capture(() => scenarios([]));
  assert.equal(r.code, 0);
  for (const name of ['pod-to-pod-native', 'pod-to-pod-vxlan', 'arp-gateway', 'pod-to-world']) assert.match(r.out, new RegExp(`^${name} `, 'm'));
  assert.equal((await capture(() => scenarios(['--bogus']))).code, 2);
});
