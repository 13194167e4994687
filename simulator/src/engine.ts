// Walks one packet through the World: kernel pieces between devices, the BPF program on each hook,
// and the wire between nodes, until it is delivered, leaves the cluster, is answered or dropped.
import { kernelAt } from './catalog';
import { CTX_ACT_DROP, CTX_ACT_OK, CTX_ACT_REDIRECT, GENEVE_PORT, HOST_ID, identityName, VXLAN_PORT } from './constants';
import type { Exec, ProgramInstance } from './exec';
import { formatRoute, isLocalAddress, routeLookup } from './kernel';
import { inPrefix, ipToInt, type NodeState, packetLength, type PodState, type World } from './model';
import { cil_from_container } from './programs/lxc';
import { cil_from_host, cil_from_netdev, cil_from_overlay, cil_to_host, cil_to_netdev, cil_to_overlay } from './programs/host';
import { Recorder } from './recorder';
import type { PathPacket } from './scenario';
import type { Disposition, Packet } from './trace';

type Place =
  | { at: 'pod-out'; node: NodeState; pod: PodState }
  | { at: 'host-out'; node: NodeState }
  | { at: 'ingress'; node: NodeState; dev: string }
  | { at: 'egress'; node: NodeState; dev: string }
  | { at: 'pod-in'; node: NodeState; pod: PodState; via: string }
  | { at: 'stack'; node: NodeState; from: string }
  | { at: 'wire'; node: NodeState };

const MAX_HOPS = 64;

export class PathError extends Error {}

export function lxcInstance(pod: PodState): ProgramInstance {
  return { lxcId: pod.endpointId, identity: pod.identity, ifindex: pod.lxc.ifindex, ifname: pod.lxc.name, mac: pod.lxc.mac, ip: pod.ip };
}

export function initialPacket(world: World, spec: PathPacket): { pkt: Packet; start: Place } {
  for (const node of world.nodes) {
    const pod = node.pods.find((p) => p.name === spec.from);
    if (pod) {
      if (spec.protocol === 'ARP') {
        const target = spec.arpTarget ?? node.ciliumHost.ip!;
        return { start: { at: 'pod-out', node, pod }, pkt: { eth: { src: pod.mac, dst: 'ff:ff:ff:ff:ff:ff', ethertype: 'ARP' }, arp: { op: 'request', senderMac: pod.mac, senderIp: pod.ip, targetMac: '00:00:00:00:00:00', targetIp: target }, length: 42 } };
      }
      return { start: { at: 'pod-out', node, pod }, pkt: ipPacket(world, spec, pod.ip, pod.mac) };
    }
    if (node.name === spec.from) return { start: { at: 'host-out', node }, pkt: ipPacket(world, spec, '0.0.0.0', node.nic.mac) };
  }
  throw new PathError(`packet.from: no pod or node named '${spec.from}'`);
}

function resolveAddress(world: World, name: string): string {
  for (const node of world.nodes) {
    if (node.name === name) return node.nic.ip!;
    const pod = node.pods.find((p) => p.name === name);
    if (pod) return pod.ip;
  }
  return name;
}

function ipPacket(world: World, spec: PathPacket, src: string, mac: string): Packet {
  const dst = resolveAddress(world, spec.to);
  const proto = spec.protocol === 'ARP' ? 'ICMP' : spec.protocol;
  const pkt: Packet = { eth: { src: mac, dst: '00:00:00:00:00:00', ethertype: 'IPv4' }, ipv4: { src, dst, ttl: spec.ttl, protocol: proto } };
  pkt.l4 = proto === 'ICMP' ? { protocol: 'ICMP', icmpType: 'echo-request' } : { protocol: proto, srcPort: spec.srcPort ?? 40000, dstPort: spec.dstPort ?? 80, ...(proto === 'TCP' && { tcpFlags: ['SYN'] }) };
  pkt.length = packetLength(pkt);
  return pkt;
}

export function walk(world: World, spec: PathPacket, rec: Recorder): Disposition {
  const { pkt, start } = initialPacket(world, spec);
  rec.before(pkt);
  const x: Exec = { world, node: start.node, pkt, rec, srcLabel: 0, fromHost: false, fromTunnel: false, tailCalls: [] };
  let place: Place = start;
  for (let hops = 0; hops < MAX_HOPS; hops++) {
    x.node = place.node;
    const next = move(x, place);
    if ('kind' in next) return next;
    place = next;
  }
  throw new PathError(`packet did not reach a destination within ${MAX_HOPS} hops (routing loop?)`);
}

function findPodByLxc(node: NodeState, ifname: string): PodState | undefined { return node.pods.find((p) => p.lxc.name === ifname); }

function deviceByIfindex(node: NodeState, ifindex: number): string | undefined {
  if (node.nic.ifindex === ifindex) return node.nic.name;
  if (node.ciliumHost.ifindex === ifindex) return 'cilium_host';
  if (node.tunnelDev.ifindex === ifindex) return node.tunnelDev.name;
  return node.pods.find((p) => p.lxc.ifindex === ifindex)?.lxc.name;
}

function runProgram(x: Exec, run: () => number): number {
  x.redirect = undefined;
  x.drop = undefined;
  return run();
}

function dropped(x: Exec): Disposition {
  return { kind: 'dropped', node: x.node.name, reason: { name: x.drop!.name, code: x.drop!.code }, at: x.dropAt! };
}

function afterRedirect(x: Exec): Place {
  const r = x.redirect!;
  const dev = deviceByIfindex(x.node, r.ifindex);
  if (!dev) throw new PathError(`redirect to unknown ifindex ${r.ifindex} on ${x.node.name}`);
  if (r.helper === 'ctx_redirect_peer') {
    const pod = findPodByLxc(x.node, dev);
    if (pod) return { at: 'pod-in', node: x.node, pod, via: 'bpf_redirect_peer' };
  }
  return r.direction === 'ingress' ? { at: 'ingress', node: x.node, dev } : { at: 'egress', node: x.node, dev };
}

function move(x: Exec, place: Place): Place | Disposition {
  const { rec, pkt } = x;
  const node = place.node;
  switch (place.at) {
    case 'pod-out': {
      const pod = place.pod;
      rec.hop(node.name, `${pod.name}/eth0`, 'pod');
      if (pkt.arp) {
        if (rec.on) rec.step('kernel', kernelAt('neigh_resolve_output'), `pod ${pod.name} has no neighbour entry for its gateway ${pkt.arp.targetIp}: ARP request (who has ${pkt.arp.targetIp}?) broadcast on eth0`, pkt);
      } else {
        if (rec.on) rec.step('route', kernelAt('ip_route_output'), `pod routing table: default via ${node.ciliumHost.ip} dev eth0 (the gateway is cilium_host's IP)`, pkt);
        pkt.eth.dst = pod.lxc.mac;
        rec.touch();
        if (rec.on) rec.step('kernel', kernelAt('neigh_resolve_output'), `neighbour ${node.ciliumHost.ip} is at ${pod.lxc.mac} (${pod.lxc.name}'s MAC, learned from the lxc program's ARP reply)`, pkt);
      }
      if (rec.on) rec.step('kernel', kernelAt('veth_xmit'), `veth_xmit: eth0 → peer ${pod.lxc.name} (ifindex ${pod.lxc.ifindex}) in the host namespace`, pkt);
      return { at: 'ingress', node, dev: pod.lxc.name };
    }
    case 'host-out': {
      const dst = pkt.ipv4!.dst;
      rec.hop(node.name, 'host', 'host');
      const route = routeLookup(node, dst);
      if (!route) throw new PathError(`${node.name}: no route to ${dst}`);
      pkt.ipv4!.src = route.src ?? node.nic.ip!;
      pkt.eth.src = route.dev === 'cilium_host' ? node.ciliumHost.mac : node.nic.mac;
      pkt.eth.dst = route.dev === 'cilium_host' ? node.ciliumHost.mac : (node.neighbours.get(route.via ?? dst) ?? x.world.externalGatewayMac);
      rec.touch();
      if (rec.on) rec.step('route', kernelAt('ip_route_output'), `host routing table: ${formatRoute(route)} — source address ${pkt.ipv4!.src}`, pkt);
      if (rec.on) rec.step('kernel', kernelAt('dev_queue_xmit'), `dev_queue_xmit on ${route.dev}`, pkt);
      return { at: 'egress', node, dev: route.dev };
    }
    case 'ingress': return ingress(x, node, place.dev);
    case 'egress': return egress(x, node, place.dev);
    case 'pod-in': {
      const pod = place.pod;
      rec.hop(node.name, `${pod.name}/eth0`, 'pod');
      if (rec.on) rec.step('kernel', kernelAt('netif_rx'), `${place.via}: packet arrives on ${pod.name}'s eth0`, pkt);
      if (pkt.arp) {
        if (rec.on) rec.step('kernel', kernelAt('arp_rcv'), `ARP reply: ${pkt.arp.senderIp} is at ${pkt.arp.senderMac} — the pod's neighbour table learns it`, pkt);
        return { kind: 'replied', node: node.name, target: pod.name };
      }
      if (rec.on) rec.step('kernel', kernelAt('ip_local_deliver'), `delivered to ${pod.name} (${pod.ip}) with TTL ${pkt.ipv4!.ttl}`, pkt);
      return { kind: 'delivered', to: 'pod', node: node.name, target: pod.name };
    }
    case 'stack': return stack(x, node, place.from);
    case 'wire': {
      rec.hop(node.name, node.nic.name, 'wire');
      const dstMac = pkt.outer ? pkt.outer.eth.dst : pkt.eth.dst;
      const peer = x.world.nodes.find((n) => n.nic.mac === dstMac);
      if (!peer) {
        if (rec.on) rec.step('link', kernelAt('wire'), `out of ${node.name}'s ${node.nic.name} towards ${dstMac} (outside the cluster)`, pkt);
        return { kind: 'sent-to-world', node: node.name, device: node.nic.name };
      }
      // skb metadata (mark) does not cross the wire.
      if (pkt.mark !== undefined) { delete pkt.mark; rec.touch(); }
      if (rec.on) rec.step('link', kernelAt('wire'), `physical link ${node.name} ${node.nic.name} → ${peer.name} ${peer.nic.name}`, pkt);
      return { at: 'ingress', node: peer, dev: peer.nic.name };
    }
  }
}

function ingress(x: Exec, node: NodeState, dev: string): Place | Disposition {
  const { rec, pkt } = x;
  const pod = findPodByLxc(node, dev);
  if (pod) {
    rec.hop(node.name, dev, 'tc-ingress', 'cil_from_container');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), `netif_rx on ${dev}, tc ingress hook runs cil_from_container`, pkt);
    const ret = runProgram(x, () => cil_from_container(x, lxcInstance(pod)));
    return afterProgram(x, ret, () => ({ at: 'stack', node, from: dev }));
  }
  if (dev === node.nic.name) {
    rec.hop(node.name, dev, 'tc-ingress', 'cil_from_netdev');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), `netif_receive_skb on ${dev}, tc ingress hook runs cil_from_netdev`, pkt);
    const ret = runProgram(x, () => cil_from_netdev(x));
    return afterProgram(x, ret, () => ({ at: 'stack', node, from: dev }));
  }
  if (dev === node.tunnelDev.name) {
    rec.hop(node.name, dev, 'tc-ingress', 'cil_from_overlay');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), `tc ingress hook on ${dev} runs cil_from_overlay`, pkt);
    const ret = runProgram(x, () => cil_from_overlay(x));
    return afterProgram(x, ret, () => ({ at: 'stack', node, from: dev }));
  }
  if (dev === 'cilium_host') {
    rec.hop(node.name, dev, 'tc-ingress', 'cil_to_host');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), 'tc ingress hook on cilium_host runs cil_to_host', pkt);
    const ret = runProgram(x, () => cil_to_host(x, x.srcLabel || HOST_ID));
    return afterProgram(x, ret, () => {
      if (rec.on) rec.step('kernel', kernelAt('ip_local_deliver'), `delivered to ${node.name}'s host stack`, pkt);
      return { kind: 'delivered', to: 'host', node: node.name, target: node.name };
    });
  }
  throw new PathError(`${node.name}: packet arrives on unknown device ${dev}`);
}

function egress(x: Exec, node: NodeState, dev: string): Place | Disposition {
  const { rec, pkt } = x;
  const pod = findPodByLxc(node, dev);
  if (pod) {
    rec.hop(node.name, dev, 'veth');
    if (rec.on) rec.step('kernel', kernelAt('veth_xmit'), `veth_xmit: ${dev} → peer eth0 in pod ${pod.name}`, pkt);
    return { at: 'pod-in', node, pod, via: 'veth' };
  }
  if (dev === 'cilium_host') {
    rec.hop(node.name, dev, 'tc-egress', 'cil_from_host');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_egress'), 'tc egress hook on cilium_host runs cil_from_host', pkt);
    const ret = runProgram(x, () => cil_from_host(x));
    return afterProgram(x, ret, () => {
      if (rec.on) rec.step('kernel', kernelAt('veth_xmit'), 'veth_xmit: cilium_host → cilium_net, back into the host stack', pkt);
      return { at: 'stack', node, from: 'cilium_net' };
    });
  }
  if (dev === node.tunnelDev.name) {
    rec.hop(node.name, dev, 'tc-egress', 'cil_to_overlay');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_egress'), `tc egress hook on ${dev} runs cil_to_overlay`, pkt);
    const ret = runProgram(x, () => cil_to_overlay(x));
    if (ret === CTX_ACT_DROP.value) return dropped(x);
    return encapsulate(x, node);
  }
  if (dev === node.nic.name) {
    rec.hop(node.name, dev, 'tc-egress', 'cil_to_netdev');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_egress'), `tc egress hook on ${dev} runs cil_to_netdev`, pkt);
    const ret = runProgram(x, () => cil_to_netdev(x));
    return afterProgram(x, ret, () => {
      if (rec.on) rec.step('kernel', kernelAt('dev_queue_xmit'), `dev_hard_start_xmit: ${dev} puts the frame on the wire`, pkt);
      return { at: 'wire', node };
    });
  }
  throw new PathError(`${node.name}: packet sent out of unknown device ${dev}`);
}

function afterProgram(x: Exec, ret: number, onOk: () => Place | Disposition): Place | Disposition {
  if (x.drop || ret === CTX_ACT_DROP.value) return dropped(x);
  if (ret === CTX_ACT_REDIRECT.value && x.redirect) return afterRedirect(x);
  if (ret === CTX_ACT_OK.value) return onOk();
  throw new PathError(`unexpected program return ${ret}`);
}

function encapsulate(x: Exec, node: NodeState): Place | Disposition {
  const { rec, pkt } = x;
  const key = x.tunnelKey;
  if (!key) throw new PathError(`${node.name}: packet on ${node.tunnelDev.name} without a tunnel key`);
  const route = routeLookup(node, key.remote);
  const peerMac = node.neighbours.get(route?.via ?? key.remote) ?? x.world.externalGatewayMac;
  const port = key.kind === 'geneve' ? GENEVE_PORT : VXLAN_PORT;
  pkt.outer = {
    eth: { src: node.nic.mac, dst: peerMac, ethertype: 'IPv4' },
    ipv4: { src: node.nic.ip!, dst: key.remote, ttl: 64, protocol: 'UDP' },
    udp: { srcPort: 32768 + (hashFlow(pkt) % 28000), dstPort: port },
    tunnel: { kind: key.kind, vni: key.vni, identity: key.vni },
  };
  pkt.length = packetLength(pkt);
  rec.touch();
  if (rec.on) rec.step('encap', kernelAt(key.kind === 'geneve' ? 'geneve_xmit' : 'vxlan_xmit'),
    `${key.kind} encapsulation: outer ${node.nic.ip} → ${key.remote} UDP ${port}, VNI ${key.vni} (source identity ${identityName(key.vni)}); inner packet unchanged`, pkt);
  if (rec.on) rec.step('route', kernelAt('ip_route_output'), `outer packet routed: ${route ? formatRoute(route) : 'no route'}; neighbour ${peerMac}`, pkt);
  x.tunnelKey = undefined;
  return { at: 'egress', node, dev: node.nic.name };
}

/** Source port of the outer UDP header: a hash of the inner flow, as the tunnel driver picks it. */
function hashFlow(pkt: Packet): number {
  const ip = pkt.ipv4;
  let h = ip ? (ipToInt(ip.src) ^ Math.imul(ipToInt(ip.dst), 31)) >>> 0 : 0;
  h = (Math.imul(h, 31) + (pkt.l4?.srcPort ?? 0)) >>> 0;
  h = (Math.imul(h, 31) + (pkt.l4?.dstPort ?? 0)) >>> 0;
  return h;
}

function stack(x: Exec, node: NodeState, from: string): Place | Disposition {
  const { rec, pkt } = x;
  rec.hop(node.name, 'host stack', 'stack');
  if (pkt.outer) {
    const o = pkt.outer;
    if (o.ipv4.dst !== node.nic.ip) throw new PathError(`${node.name}: encapsulated packet for ${o.ipv4.dst} arrived at the wrong node`);
    x.tunnelIdentity = o.tunnel.vni;
    delete pkt.outer;
    pkt.length = packetLength(pkt);
    rec.touch();
    if (rec.on) rec.step('decap', kernelAt(o.tunnel.kind === 'geneve' ? 'geneve_rx' : 'vxlan_rcv'),
      `UDP ${o.udp.dstPort} to ${o.ipv4.dst} is the ${o.tunnel.kind} socket: decapsulate, VNI ${o.tunnel.vni} kept as tunnel key, inner packet to ${node.tunnelDev.name}`, pkt);
    return { at: 'ingress', node, dev: node.tunnelDev.name };
  }
  if (pkt.arp) throw new PathError(`${node.name}: ARP reached the host stack`);
  const ip = pkt.ipv4!;
  if (isLocalAddress(node, ip.dst)) {
    if (rec.on) rec.step('kernel', kernelAt('ip_local_deliver'), `ip_rcv from ${from}: ${ip.dst} is a local address — delivered to the host`, pkt);
    return { kind: 'delivered', to: 'host', node: node.name, target: node.name };
  }
  const route = routeLookup(node, ip.dst);
  if (!route) throw new PathError(`${node.name}: no route to ${ip.dst}`);
  if (rec.on) rec.step('route', kernelAt('fib_lookup'), `ip_rcv from ${from}, host routing table: ${formatRoute(route)}${route.note ? ` (${route.note})` : ''}`, pkt);
  ip.ttl -= 1;
  rec.touch();
  if (rec.on) rec.step('kernel', kernelAt('ip_forward'), `ip_forward: TTL ${ip.ttl + 1} → ${ip.ttl}`, pkt);
  if (route.dev === 'cilium_host') {
    pkt.eth.src = node.ciliumHost.mac;
    pkt.eth.dst = node.ciliumHost.mac;
    rec.touch();
    if (rec.on) rec.step('kernel', kernelAt('neigh_resolve_output'), `next hop ${route.via} is cilium_host itself: MACs ${node.ciliumHost.mac}`, pkt);
    return { at: 'egress', node, dev: 'cilium_host' };
  }
  const nextHop = route.via ?? ip.dst;
  const mac = node.neighbours.get(nextHop) ?? x.world.externalGatewayMac;
  pkt.eth.src = node.nic.mac;
  pkt.eth.dst = mac;
  rec.touch();
  if (rec.on) rec.step('kernel', kernelAt('neigh_resolve_output'), `neighbour ${nextHop} is at ${mac}; source MAC ${node.nic.mac}`, pkt);
  const toWorld = !x.world.nodes.some((n) => inPrefix(ip.dst, n.podCIDR) || n.nic.ip === ip.dst);
  if (toWorld && x.world.config.masquerade && inPrefix(ip.src, node.podCIDR)) {
    const old = ip.src;
    ip.src = node.nic.ip!;
    rec.touch();
    if (rec.on) rec.step('kernel', kernelAt('nf_nat_masquerade'), `iptables MASQUERADE: source ${old} → ${ip.src} (leaving the cluster)`, pkt);
  }
  return { at: 'egress', node, dev: route.dev };
}
