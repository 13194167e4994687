// Golden walk-throughs: device path and function chain written down by hand from the Cilium
// walk-throughs (native routing, VXLAN), plus the rewrites each hop must make.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinScenario, runScenario, type Trace, type Packet } from '../../../simulator/src/index';

function run(name: string, mode?: Parameters<typeof runScenario>[1] extends infer O ? O extends { mode?: infer M } ? M : never : never): Trace {
  const s = builtinScenario(name);
  assert.ok(s, `built-in scenario ${name}`);
  return runScenario(s, mode ? { mode } : {});
}

const devicePath = (t: Trace) => t.hops.map((h) => `${h.node}:${h.device}:${h.hook}${h.program ? `:${h.program}` : ''}`);
const functionChain = (t: Trace) => t.hops.flatMap((h) => h.steps.filter((s) => !s.kernel).map((s) => s.source.function)).filter((f, i, a) => f !== a[i - 1]);
const stepsOf = (t: Trace) => t.hops.flatMap((h) => h.steps);
const finalPacket = (t: Trace): Packet => { const s = stepsOf(t); return s[s.length - 1].packetAfter!; };

test('native routing: pod1 → lxc1 → host routing → NIC → node2 NIC → routing → cilium_host → policy tail call → lxc2 → pod2', () => {
  const t = run('pod-to-pod-native');
  assert.deepEqual(devicePath(t), [
    'node1:pod1/eth0:pod',
    'node1:lxc1:tc-ingress:cil_from_container',
    'node1:host stack:stack',
    'node1:enp0s8:tc-egress:cil_to_netdev',
    'node1:enp0s8:wire',
    'node2:enp0s8:tc-ingress:cil_from_netdev',
    'node2:host stack:stack',
    'node2:cilium_host:tc-egress:cil_from_host',
    'node2:lxc2:veth',
    'node2:pod2/eth0:pod',
  ]);
  assert.deepEqual(functionChain(t), [
    'cil_from_container', 'handle_ipv4_from_lxc', 'ipv4_forward_to_destination',
    'cil_to_netdev', 'cil_from_netdev', 'do_netdev', 'handle_ipv4_cont',
    'cil_from_host', 'do_netdev', 'handle_ipv4_cont', 'ipv4_local_delivery', 'local_delivery', 'cil_lxc_policy', 'ipv4_policy', 'tail_ipv4_policy', 'redirect_ep',
  ]);
  assert.deepEqual(t.disposition, { kind: 'delivered', to: 'pod', node: 'node2', target: 'pod2' });
  // pass-to-stack leaves the packet as the pod sent it
  const toStack = stepsOf(t).find((s) => s.notification?.observationPoint === 'to-stack')!;
  assert.equal(toStack.packetAfter!.ipv4!.ttl, 64);
  assert.equal(toStack.packetAfter!.eth.src, '0a:58:0a:00:00:01');
  assert.equal(toStack.returnCode!.value, 0);
  // on the wire: node MACs, no outer header
  const wire = t.hops.find((h) => h.hook === 'wire')!.steps[0].packetAfter!;
  assert.equal(wire.outer, undefined);
  assert.equal(wire.eth.src, '08:00:27:00:00:02');
  assert.equal(wire.eth.dst, '08:00:27:00:00:03');
  // two kernel forwards and the local delivery each take one from the TTL; MACs come from the endpoint entry
  const last = finalPacket(t);
  assert.equal(last.ipv4!.ttl, 61);
  assert.equal(last.eth.src, 'fe:54:00:00:00:02');
  assert.equal(last.eth.dst, '0a:58:0a:00:00:02');
  const redirect = stepsOf(t).find((s) => s.redirect && s.source.function === 'redirect_ep')!.redirect!;
  assert.deepEqual(redirect, { ifname: 'lxc2', ifindex: 12, direction: 'egress', helper: 'ctx_redirect' });
});

test('VXLAN: lxc1 → cilium_vxlan (encap, outer node IPs, UDP 8472, VNI = identity) → NIC → node2 → cilium_vxlan (from-overlay) → pod2', () => {
  const t = run('pod-to-pod-vxlan');
  assert.deepEqual(devicePath(t), [
    'node1:pod1/eth0:pod',
    'node1:lxc1:tc-ingress:cil_from_container',
    'node1:cilium_vxlan:tc-egress:cil_to_overlay',
    'node1:enp0s8:tc-egress:cil_to_netdev',
    'node1:enp0s8:wire',
    'node2:enp0s8:tc-ingress:cil_from_netdev',
    'node2:host stack:stack',
    'node2:cilium_vxlan:tc-ingress:cil_from_overlay',
    'node2:lxc2:veth',
    'node2:pod2/eth0:pod',
  ]);
  const steps = stepsOf(t);
  const points = steps.filter((s) => s.notification?.type === 'trace').map((s) => s.notification!.observationPoint);
  assert.deepEqual(points, ['from-endpoint', 'to-overlay', 'to-network', 'from-network', 'from-overlay', 'to-endpoint']);
  const toOverlay = steps.find((s) => s.notification?.observationPoint === 'to-overlay')!;
  assert.equal(toOverlay.returnCode!.value, 7);
  assert.deepEqual(toOverlay.redirect, { ifname: 'cilium_vxlan', ifindex: 6, direction: 'egress', helper: 'ctx_redirect' });
  // the tunnel redirect leaves the inner packet untouched
  assert.equal(toOverlay.packetAfter!.ipv4!.ttl, 64);
  assert.equal(toOverlay.packetAfter!.eth.dst, 'fe:54:00:00:00:01');
  const wire = t.hops.find((h) => h.hook === 'wire')!.steps[0].packetAfter!;
  assert.ok(wire.outer);
  assert.equal(wire.outer.ipv4.src, '192.168.56.2');
  assert.equal(wire.outer.ipv4.dst, '192.168.56.3');
  assert.equal(wire.outer.udp.dstPort, 8472);
  const pod1Identity = steps.find((s) => s.notification?.observationPoint === 'from-endpoint')!.notification!.srcIdentity;
  assert.equal(wire.outer.tunnel.vni, pod1Identity);
  assert.equal(wire.ipv4!.ttl, 64);
  const decap = steps.find((s) => s.kind === 'decap')!;
  assert.equal(decap.packetAfter!.outer, undefined);
  const last = finalPacket(t);
  assert.equal(last.ipv4!.ttl, 63);
  assert.equal(last.eth.dst, '0a:58:0a:00:00:02');
  const fromOverlay = steps.find((s) => s.notification?.observationPoint === 'from-overlay')!;
  assert.equal(fromOverlay.notification!.srcIdentity, pod1Identity);
});

test('BPF host routing: fib redirect out of node1, redirect_peer into pod2 (no veth hop, no cilium_host)', () => {
  const t = run('pod-to-pod-native-host-routing');
  assert.deepEqual(devicePath(t), [
    'node1:pod1/eth0:pod', 'node1:lxc1:tc-ingress:cil_from_container', 'node1:enp0s8:tc-egress:cil_to_netdev', 'node1:enp0s8:wire',
    'node2:enp0s8:tc-ingress:cil_from_netdev', 'node2:pod2/eth0:pod',
  ]);
  const peer = stepsOf(t).find((s) => s.redirect?.helper === 'ctx_redirect_peer');
  assert.ok(peer, 'redirect_ep uses ctx_redirect_peer');
  assert.equal(peer.source.call, 'ctx_redirect_peer');
  assert.equal(finalPacket(t).ipv4!.ttl, 62);
});

test('ARP for the gateway is answered by the lxc program with the lxc MAC', () => {
  const t = run('arp-gateway');
  assert.deepEqual(t.disposition, { kind: 'replied', node: 'node1', target: 'pod1' });
  assert.ok(functionChain(t).includes('tail_handle_arp'));
  const reply = finalPacket(t);
  assert.deepEqual(reply.arp, { op: 'reply', senderMac: 'fe:54:00:00:00:01', senderIp: '10.0.0.1', targetMac: '0a:58:0a:00:00:01', targetIp: '10.0.0.5' });
  assert.equal(reply.eth.src, 'fe:54:00:00:00:01');
  const redirect = stepsOf(t).find((s) => s.source.call === 'ctx_redirect')!;
  assert.equal(redirect.returnCode!.name, 'CTX_ACT_REDIRECT');
  assert.deepEqual(redirect.redirect, { ifname: 'lxc1', ifindex: 11, direction: 'egress', helper: 'ctx_redirect' });
});

test('pod to pod on one node: local delivery through the policy tail call, one TTL decrement', () => {
  const t = run('pod-to-pod-same-node');
  assert.deepEqual(devicePath(t), ['node1:pod1/eth0:pod', 'node1:lxc1:tc-ingress:cil_from_container', 'node1:lxc3:veth', 'node1:pod3/eth0:pod']);
  assert.equal(finalPacket(t).ipv4!.ttl, 63);
  assert.ok(functionChain(t).includes('cil_lxc_policy'));
  // LOCAL_DELIVERY_METRICS: egress forwarded at the source, ingress forwarded at to-endpoint
  const node1 = (t.metrics ?? []).filter((m) => m.node === 'node1' && m.reason === 0);
  assert.deepEqual(node1.map((m) => [m.direction, m.packets]).sort(), [['egress', 1], ['ingress', 1]]);
});

test('ingress deny rule drops on node2 with -181 Policy denied by denylist, counted as an ingress drop', () => {
  const t = run('pod-to-pod-ingress-deny');
  assert.equal(t.disposition.kind, 'dropped');
  if (t.disposition.kind !== 'dropped') return;
  assert.equal(t.disposition.node, 'node2');
  assert.deepEqual(t.disposition.reason, { name: 'Policy denied by denylist', code: -181 });
  const drop = stepsOf(t).find((s) => s.notification?.type === 'drop')!;
  assert.equal(drop.returnCode!.value, 2);
  assert.ok(t.metrics!.some((m) => m.node === 'node2' && m.reason === 181 && m.direction === 'ingress' && m.packets === 1));
});

test('egress policy without a matching allow drops at node1 with -133 Policy denied, in every mode', () => {
  for (const mode of ['native', 'vxlan', 'native-host-routing'] as const) {
    const t = run('pod-to-pod-egress-deny', mode);
    assert.equal(t.disposition.kind, 'dropped', mode);
    if (t.disposition.kind !== 'dropped') continue;
    assert.deepEqual(t.disposition.reason, { name: 'Policy denied', code: -133 });
    assert.equal(t.disposition.node, 'node1');
    assert.equal(t.disposition.at.function, 'tail_handle_ipv4');
    assert.ok(t.metrics!.some((m) => m.reason === 133 && m.direction === 'egress'));
  }
});

test('pod to host, host to pod, pod to world', () => {
  const toHost = run('pod-to-host');
  assert.deepEqual(toHost.disposition, { kind: 'delivered', to: 'host', node: 'node1', target: 'node1' });
  const hostToPod = run('host-to-pod');
  assert.deepEqual(devicePath(hostToPod), ['node1:host:host', 'node1:cilium_host:tc-egress:cil_from_host', 'node1:lxc1:veth', 'node1:pod1/eth0:pod']);
  const fromHost = stepsOf(hostToPod).find((s) => s.notification?.observationPoint === 'from-host')!;
  assert.equal(fromHost.notification!.srcIdentity, 1);
  const world = run('pod-to-world');
  assert.equal(world.disposition.kind, 'sent-to-world');
  const wire = world.hops.find((h) => h.hook === 'wire')!.steps[0].packetAfter!;
  assert.equal(wire.ipv4!.src, '192.168.56.2', 'masqueraded to the node IP');
  assert.equal(wire.ipv4!.dst, '8.8.8.8');
  const ipcache = stepsOf(world).find((s) => s.source.call === 'lookup_ip4_remote_endpoint')!;
  assert.equal(ipcache.lookups![0].result!.sec_identity, 2);
});

test('the mode option overrides the scenario mode', () => {
  const t = run('pod-to-pod-vxlan', 'native');
  assert.equal(t.mode, 'native');
  assert.ok(!t.hops.some((h) => h.device === 'cilium_vxlan'));
});

test('with BPF host routing the world-bound packet is masqueraded by cil_to_netdev, not iptables', () => {
  const t = run('pod-to-world', 'native-host-routing');
  assert.equal(t.disposition.kind, 'sent-to-world');
  const steps = stepsOf(t);
  assert.ok(!steps.some((s) => s.source.function === 'nf_nat_masquerade_ipv4'));
  const snat = steps.find((s) => s.source.function === 'cil_to_netdev' && s.source.call === 'handle_nat_fwd')!;
  assert.equal(snat.packetBefore!.ipv4!.src, '10.0.0.5');
  assert.equal(snat.packetAfter!.ipv4!.src, '192.168.56.2');
  // the pod's identity rides in skb->mark to the NIC
  const toNetwork = steps.filter((s) => s.notification?.observationPoint === 'to-network').pop()!;
  const fromEndpoint = steps.find((s) => s.notification?.observationPoint === 'from-endpoint')!;
  assert.equal(toNetwork.notification!.srcIdentity, fromEndpoint.notification!.srcIdentity);
});

test('an address in a pod CIDR that no endpoint owns is dropped at cilium_host as unroutable (-151), not looped', () => {
  for (const mode of ['native', 'vxlan', 'native-host-routing'] as const) {
    const s = builtinScenario('pod-to-pod-native')!;
    if (s.kind !== 'path') continue;
    const t = runScenario({ ...s, packet: { ...s.packet, to: '10.0.1.99' } }, { mode });
    assert.equal(t.disposition.kind, 'dropped', mode);
    if (t.disposition.kind !== 'dropped') continue;
    assert.deepEqual(t.disposition.reason, { name: 'Stale or unroutable IP', code: -151 });
    assert.equal(t.disposition.node, 'node2');
    assert.equal(t.hops[t.hops.length - 1].device, 'cilium_host');
  }
});
