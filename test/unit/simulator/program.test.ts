// Single-program runs in the style of Cilium's BPF unit tests: one entry program, a device, map state
// and a packet in; return code, output packet, redirect, drop reason and metrics out.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseScenario, runScenario } from '../../../simulator/src/index';

const LXC = `
kind: program
mode: MODE
program:
  entry: cil_from_container
  device: { name: lxc0001, ifindex: 11, mac: "de:ad:be:ef:00:01" }
  endpoint: { id: 233, identity: 1001, ip: 10.0.0.5 }
  maps:
    ipcache:
      - { prefix: 10.0.1.6/32, identity: 1230, tunnelEndpoint: 192.168.56.3 SKIP }
      - { prefix: 0.0.0.0/0, identity: 2 }
    policy: POLICY
  packet:
    eth: { src: "0a:58:0a:00:00:05", dst: "de:ad:be:ef:00:01" }
    ipv4: { src: 10.0.0.5, dst: 10.0.1.6, ttl: 64 }
    l4: { protocol: UDP, srcPort: 111, dstPort: 80 }
`;

function lxc(name: string, opts: { mode?: string; policy?: string; skipTunnel?: boolean }) {
  const text = `name: ${name}\n` + LXC.replace('MODE', opts.mode ?? 'vxlan').replace('POLICY', opts.policy ?? '[]').replace(' SKIP', opts.skipTunnel ? ', skipTunnel: true' : '');
  return runScenario(parseScenario(text, `${name}.yaml`));
}

const allowAllEgress = '[ { endpointId: 233, direction: egress, action: allow } ]';

test('from-container, tunnel mode: CTX_ACT_REDIRECT to the tunnel device, packet untouched, egress forwarded metric', () => {
  const t = lxc('tunnel', { policy: allowAllEgress });
  const p = t.program!;
  assert.equal(p.returnCode.value, 7);
  assert.equal(p.redirect?.ifname, 'cilium_vxlan');
  assert.equal(p.redirect?.direction, 'egress');
  assert.equal(p.packet.eth.src, '0a:58:0a:00:00:05');
  assert.equal(p.packet.eth.dst, 'de:ad:be:ef:00:01');
  assert.equal(p.packet.ipv4!.ttl, 64);
  assert.deepEqual(t.metrics!.map((m) => [m.reason, m.direction, m.packets]), [[0, 'egress', 1]]);
  assert.deepEqual(p.tailCalls, ['tail_handle_ipv4']);
});

test('from-container with skip-tunnel ipcache flag: CTX_ACT_OK to the stack, packet untouched', () => {
  const t = lxc('skip', { policy: allowAllEgress, skipTunnel: true });
  assert.equal(t.program!.returnCode.name, 'CTX_ACT_OK');
  assert.equal(t.program!.redirect, undefined);
  assert.equal(t.program!.packet.ipv4!.ttl, 64);
  assert.deepEqual(t.metrics!.map((m) => [m.reason, m.direction, m.packets]), [[0, 'egress', 1]]);
});

test('empty policy map: DROP_POLICY (-133); L4 allow on another port: still -133; on this port: allowed', () => {
  const none = lxc('none', {});
  assert.equal(none.program!.returnCode.value, 2);
  assert.deepEqual(none.program!.dropReason, { name: 'Policy denied', code: -133 });
  assert.deepEqual(none.metrics!.map((m) => [m.reason, m.direction]), [[133, 'egress']]);
  const other = lxc('other', { policy: '[ { endpointId: 233, direction: egress, identity: 1230, protocol: UDP, port: 53, action: allow } ]' });
  assert.equal(other.program!.dropReason?.code, -133);
  const match = lxc('match', { policy: '[ { endpointId: 233, direction: egress, identity: 1230, protocol: UDP, port: 80, action: allow } ]' });
  assert.equal(match.program!.returnCode.value, 7);
});

test('a deny entry wins over an allow: DROP_POLICY_DENY (-181)', () => {
  const t = lxc('deny', { policy: '[ { endpointId: 233, direction: egress, action: allow }, { endpointId: 233, direction: egress, identity: 1230, action: deny } ]' });
  assert.deepEqual(t.program!.dropReason, { name: 'Policy denied by denylist', code: -181 });
  assert.deepEqual(t.metrics!.map((m) => [m.reason, m.direction, m.packets]), [[181, 'egress', 1]]);
});

test('native routing without host routing passes to the stack; with host routing redirects to the NIC', () => {
  assert.equal(lxc('native', { policy: allowAllEgress, mode: 'native' }).program!.returnCode.value, 0);
  const hr = lxc('hr', { policy: allowAllEgress, mode: 'native-host-routing' }).program!;
  assert.equal(hr.returnCode.value, 7);
  assert.equal(hr.redirect?.helper, 'redirect_neigh');
  assert.equal(hr.packet.ipv4!.ttl, 63);
});

test('policy program (cil_lxc_policy): ingress allow → to-endpoint and redirect to the lxc; no entry → -133 ingress', () => {
  const base = (policy: string) => `
name: pol
kind: program
program:
  entry: cil_lxc_policy
  device: { name: lxc0002, ifindex: 12, mac: "de:ad:be:ef:00:02" }
  endpoint: { id: 300, identity: 2000, ip: 10.0.0.9 }
  meta: { srcIdentity: 1001 }
  maps:
    endpoints: [ { ip: 10.0.0.9, ifindex: 12, endpointId: 300, mac: "0a:58:0a:00:00:09", nodeMac: "de:ad:be:ef:00:02", identity: 2000 } ]
    policy: ${policy}
  packet:
    eth: { src: "de:ad:be:ef:00:02", dst: "0a:58:0a:00:00:09" }
    ipv4: { src: 10.0.0.5, dst: 10.0.0.9, ttl: 63 }
    l4: { protocol: TCP, srcPort: 40000, dstPort: 8080 }
`;
  const ok = runScenario(parseScenario(base('[ { endpointId: 300, direction: ingress, identity: 1001, protocol: TCP, port: 8080, action: allow } ]'), 'pol.yaml'));
  assert.equal(ok.program!.returnCode.value, 7);
  assert.deepEqual(ok.program!.redirect, { ifname: 'lxc0002', ifindex: 12, direction: 'egress', helper: 'ctx_redirect' });
  assert.deepEqual(ok.metrics!.map((m) => [m.reason, m.direction, m.packets]), [[0, 'ingress', 1]]);
  const denied = runScenario(parseScenario(base('[]'), 'pol.yaml'));
  assert.deepEqual(denied.program!.dropReason, { name: 'Policy denied', code: -133 });
  assert.deepEqual(denied.metrics!.map((m) => [m.reason, m.direction]), [[133, 'ingress']]);
});

test('ARP request to the lxc program: reply redirected back out of the same interface', () => {
  const t = runScenario(parseScenario(`
name: arp
kind: program
program:
  entry: cil_from_container
  device: { name: lxc0001, ifindex: 11, mac: "de:ad:be:ef:00:01" }
  endpoint: { id: 233, identity: 1001, ip: 10.0.0.5 }
  packet:
    eth: { src: "0a:58:0a:00:00:05", dst: "ff:ff:ff:ff:ff:ff" }
    arp: { op: request, senderMac: "0a:58:0a:00:00:05", senderIp: 10.0.0.5, targetIp: 10.0.0.1 }
`, 'arp.yaml'));
  const p = t.program!;
  assert.equal(p.returnCode.value, 7);
  assert.deepEqual(p.redirect, { ifname: 'lxc0001', ifindex: 11, direction: 'egress', helper: 'ctx_redirect' });
  assert.deepEqual(p.packet.arp, { op: 'reply', senderMac: 'de:ad:be:ef:00:01', senderIp: '10.0.0.1', targetMac: '0a:58:0a:00:00:05', targetIp: '10.0.0.5' });
  assert.equal(p.packet.eth.dst, '0a:58:0a:00:00:05');
});

test('from-overlay delivers to a local endpoint with the VNI as source identity, TTL and MACs rewritten', () => {
  const t = runScenario(parseScenario(`
name: overlay
kind: program
program:
  entry: cil_from_overlay
  device: { name: cilium_vxlan, ifindex: 5, mac: "aa:bb:cc:00:00:05" }
  meta: { tunnelIdentity: 1001 }
  maps:
    endpoints: [ { ip: 10.0.1.6, ifindex: 12, endpointId: 300, mac: "0a:58:0a:00:01:06", nodeMac: "fe:54:00:00:00:0c", identity: 2000 } ]
    policy: [ { endpointId: 300, direction: ingress, identity: 1001, action: allow } ]
  packet:
    eth: { src: "0a:58:0a:00:00:05", dst: "fe:54:00:00:00:01" }
    ipv4: { src: 10.0.0.5, dst: 10.0.1.6, ttl: 64 }
    l4: { protocol: ICMP }
`, 'overlay.yaml'));
  const p = t.program!;
  assert.equal(p.returnCode.value, 7);
  assert.equal(p.redirect?.ifindex, 12);
  assert.equal(p.packet.ipv4!.ttl, 63);
  assert.equal(p.packet.eth.src, 'fe:54:00:00:00:0c');
  assert.equal(p.packet.eth.dst, '0a:58:0a:00:01:06');
  const toEp = t.hops[0].steps.find((s) => s.notification?.observationPoint === 'to-endpoint')!;
  assert.equal(toEp.notification!.srcIdentity, 1001);
  assert.ok(t.metrics!.some((m) => m.reason === 3 && m.direction === 'ingress'), 'from-overlay counts ingress plaintext');
});

test('the example scenario files parse, run and meet their own expectations', () => {
  const dir = path.join(__dirname, '../../../simulator/scenarios/examples');
  const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const t = runScenario(parseScenario(fs.readFileSync(path.join(dir, f), 'utf8'), f));
    assert.ok(t.expectations?.length, `${f} has expectations`);
    for (const e of t.expectations!) assert.ok(e.ok, `${f}: ${e.field} expected ${e.expected}, got ${e.actual}`);
  }
});

test('tunnel map: an ipcache entry without tunnel endpoint is encapsulated to the node the tunnel map names', () => {
  const t = runScenario(parseScenario(`
name: tunnel-map
kind: program
mode: vxlan
program:
  entry: cil_from_container
  device: { name: lxc0001, ifindex: 11, mac: "de:ad:be:ef:00:01" }
  endpoint: { id: 233, identity: 1001, ip: 10.0.0.5 }
  maps:
    ipcache: [ { prefix: 0.0.0.0/0, identity: 2 } ]
    tunnel: [ { prefix: 10.0.1.0/24, endpoint: 192.168.56.3 } ]
    policy: [ { endpointId: 233, direction: egress, action: allow } ]
  packet:
    eth: { src: "0a:58:0a:00:00:05", dst: "de:ad:be:ef:00:01" }
    ipv4: { src: 10.0.0.5, dst: 10.0.1.6 }
    l4: { protocol: ICMP }
`, 'tunnel-map.yaml'));
  assert.equal(t.program!.returnCode.value, 7);
  assert.equal(t.program!.redirect?.ifname, 'cilium_vxlan');
  const lookup = t.hops[0].steps.flatMap((s) => s.lookups ?? []).find((l) => l.map === 'cilium_tunnel_map')!;
  assert.equal(lookup.result!.tunnel_endpoint, '192.168.56.3');
});

test('port ranges (port..endPort), as policy entries with wildcarded low port bits: 80-83 allowed, 79 and 84 not', () => {
  const range = '[ { endpointId: 233, direction: egress, identity: 1230, protocol: UDP, port: 80, endPort: 83, action: allow } ]';
  const verdict = (dport: number) => {
    const text = `name: range\n` + LXC.replace('MODE', 'vxlan').replace('POLICY', range).replace(' SKIP', '').replace('dstPort: 80', `dstPort: ${dport}`);
    return runScenario(parseScenario(text, 'range.yaml')).program!.returnCode.name;
  };
  assert.deepEqual([79, 80, 81, 82, 83, 84].map(verdict), ['CTX_ACT_DROP', 'CTX_ACT_REDIRECT', 'CTX_ACT_REDIRECT', 'CTX_ACT_REDIRECT', 'CTX_ACT_REDIRECT', 'CTX_ACT_DROP']);
});
