// Walks one packet through the World: kernel pieces between devices, the BPF program on each hook,
// and the wire between nodes, until it is delivered, leaves the cluster, is answered or dropped.
import { kernelAt } from './catalog';
import { CTX_ACT_DROP, CTX_ACT_OK, CTX_ACT_REDIRECT, GENEVE_PORT, HOST_ID, identityName, VXLAN_PORT } from './constants';
import type { Exec, ProgramInstance } from './exec';
import { formatRoute, isLocalAddress, routeLookup } from './kernel';
import { clonePacket, inPrefix, ipToInt, type NodeState, packetLength, type PodState, type World } from './model';
import { cil_from_container } from './programs/lxc';
import { cil_from_host, cil_from_netdev, cil_from_overlay, cil_to_host, cil_to_netdev, cil_to_overlay } from './programs/host';
import { Recorder } from './recorder';
import type { PathPacket } from './scenario';
import type { Disposition, Packet } from './trace';

/** Where the packet is. One mutable cursor per walk, so moving between devices allocates nothing. */
interface Place {
  at: 'pod-out' | 'host-out' | 'ingress' | 'egress' | 'pod-in' | 'stack' | 'wire';
  node: NodeState;
  /** The pod for pod-out / pod-in. */
  pod: PodState | undefined;
  /** The device for ingress / egress; the device the packet came from for stack; how it got in for pod-in. */
  dev: string;
}

/** A move either reaches an end (a Disposition) or updates the Place and returns undefined. */
type Moved = Disposition | undefined;

function goTo(place: Place, at: Place['at'], node: NodeState, dev: string, pod?: PodState): undefined {
  place.at = at;
  place.node = node;
  place.dev = dev;
  place.pod = pod;
  return undefined;
}

const MAX_HOPS = 64;

export class PathError extends Error {}

/** The lxc program's compile-time constants for a pod; made once per pod, not per packet. */
const lxcInstances = new WeakMap<PodState, ProgramInstance>();
export function lxcInstance(pod: PodState): ProgramInstance {
  let inst = lxcInstances.get(pod);
  if (!inst) {
    inst = { lxcId: pod.endpointId, identity: pod.identity, ifindex: pod.lxc.ifindex, ifname: pod.lxc.name, mac: pod.lxc.mac, ip: pod.ip };
    lxcInstances.set(pod, inst);
  }
  return inst;
}

/** Where a path scenario's packet starts and the packet as it leaves its sender (cloned for every run). */
export interface PathStart { node: NodeState; pod: PodState | undefined; packet: Packet }

function podNamed(node: NodeState, name: string): PodState | undefined {
  for (const pod of node.pods) if (pod.name === name) return pod;
  return undefined;
}

export function pathStart(world: World, spec: PathPacket): PathStart {
  for (const node of world.nodes) {
    const pod = podNamed(node, spec.from);
    if (pod) {
      if (spec.protocol === 'ARP') {
        const target = spec.arpTarget ?? node.ciliumHost.ip!;
        return { node, pod, packet: { eth: { src: pod.mac, dst: 'ff:ff:ff:ff:ff:ff', ethertype: 'ARP' }, arp: { op: 'request', senderMac: pod.mac, senderIp: pod.ip, targetMac: '00:00:00:00:00:00', targetIp: target }, length: 42 } };
      }
      return { node, pod, packet: ipPacket(world, spec, pod.ip, pod.mac) };
    }
    if (node.name === spec.from) return { node, pod: undefined, packet: ipPacket(world, spec, '0.0.0.0', node.nic.mac) };
  }
  throw new PathError(`packet.from: no pod or node named '${spec.from}'`);
}

function resolveAddress(world: World, name: string): string {
  for (const node of world.nodes) {
    if (node.name === name) return node.nic.ip!;
    const pod = podNamed(node, name);
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

export function walk(world: World, start: PathStart, rec: Recorder): Disposition {
  const pkt = clonePacket(start.packet);
  rec.before(pkt);
  const x: Exec = { world, node: start.node, pkt, rec, srcLabel: 0, fromHost: false, fromTunnel: false };
  const place: Place = start.pod ? { at: 'pod-out', node: start.node, pod: start.pod, dev: '' } : { at: 'host-out', node: start.node, pod: undefined, dev: '' };
  for (let hops = 0; hops < MAX_HOPS; hops++) {
    x.node = place.node;
    const end = move(x, place);
    if (end) return end;
  }
  throw new PathError(`packet did not reach a destination within ${MAX_HOPS} hops (routing loop?)`);
}

function findPodByLxc(node: NodeState, ifname: string): PodState | undefined {
  for (const pod of node.pods) if (pod.lxc.name === ifname) return pod;
  return undefined;
}

function deviceByIfindex(node: NodeState, ifindex: number): string | undefined {
  if (node.nic.ifindex === ifindex) return node.nic.name;
  if (node.ciliumHost.ifindex === ifindex) return 'cilium_host';
  if (node.tunnelDev.ifindex === ifindex) return node.tunnelDev.name;
  for (const pod of node.pods) if (pod.lxc.ifindex === ifindex) return pod.lxc.name;
  return undefined;
}

/** Clears what the previous program left in the context before the next one runs. */
function beforeProgram(x: Exec): void {
  x.redirect = undefined;
  x.drop = undefined;
}

function dropped(x: Exec): Disposition {
  return { kind: 'dropped', node: x.node.name, reason: { name: x.drop!.name, code: x.drop!.code }, at: x.dropAt! };
}

function afterRedirect(x: Exec, place: Place): undefined {
  const r = x.redirect!;
  const dev = deviceByIfindex(x.node, r.ifindex);
  if (!dev) throw new PathError(`redirect to unknown ifindex ${r.ifindex} on ${x.node.name}`);
  if (r.helper === 'ctx_redirect_peer') {
    const pod = findPodByLxc(x.node, dev);
    if (pod) return goTo(place, 'pod-in', x.node, 'bpf_redirect_peer', pod);
  }
  return goTo(place, r.direction === 'ingress' ? 'ingress' : 'egress', x.node, dev);
}

/**
 * What a tc program's return means for the walk: a drop ends it, a redirect moves the packet (the Place
 * is updated), CTX_ACT_OK lets the caller continue along the kernel path.
 */
function afterProgram(x: Exec, ret: number, place: Place): Disposition | 'redirected' | 'ok' {
  if (x.drop || ret === CTX_ACT_DROP.value) return dropped(x);
  if (ret === CTX_ACT_REDIRECT.value && x.redirect) { afterRedirect(x, place); return 'redirected'; }
  if (ret === CTX_ACT_OK.value) return 'ok';
  throw new PathError(`unexpected program return ${ret}`);
}

function move(x: Exec, place: Place): Moved {
  const { rec, pkt } = x;
  const node = place.node;
  switch (place.at) {
    case 'pod-out': {
      const pod = place.pod!;
      if (rec.on) rec.hop(node.name, `${pod.name}/eth0`, 'pod');
      if (pkt.arp) {
        if (rec.on) rec.step('kernel', kernelAt('neigh_resolve_output'), `pod ${pod.name} has no neighbour entry for its gateway ${pkt.arp.targetIp}: ARP request (who has ${pkt.arp.targetIp}?) broadcast on eth0`, pkt);
      } else {
        if (rec.on) rec.step('route', kernelAt('ip_route_output'), `pod routing table: default via ${node.ciliumHost.ip} dev eth0 (the gateway is cilium_host's IP)`, pkt);
        pkt.eth.dst = pod.lxc.mac;
        rec.touch();
        if (rec.on) rec.step('kernel', kernelAt('neigh_resolve_output'), `neighbour ${node.ciliumHost.ip} is at ${pod.lxc.mac} (${pod.lxc.name}'s MAC, learned from the lxc program's ARP reply)`, pkt);
      }
      if (rec.on) rec.step('kernel', kernelAt('veth_xmit'), `veth_xmit: eth0 → peer ${pod.lxc.name} (ifindex ${pod.lxc.ifindex}) in the host namespace`, pkt);
      return goTo(place, 'ingress', node, pod.lxc.name);
    }
    case 'host-out': {
      const dst = pkt.ipv4!.dst;
      if (rec.on) rec.hop(node.name, 'host', 'host');
      const route = routeLookup(node, dst);
      if (!route) throw new PathError(`${node.name}: no route to ${dst}`);
      pkt.ipv4!.src = route.src ?? node.nic.ip!;
      pkt.eth.src = route.dev === 'cilium_host' ? node.ciliumHost.mac : node.nic.mac;
      pkt.eth.dst = route.dev === 'cilium_host' ? node.ciliumHost.mac : (node.neighbours.get(route.via ?? dst) ?? x.world.externalGatewayMac);
      rec.touch();
      if (rec.on) rec.step('route', kernelAt('ip_route_output'), `host routing table: ${formatRoute(route)} — source address ${pkt.ipv4!.src}`, pkt);
      if (rec.on) rec.step('kernel', kernelAt('dev_queue_xmit'), `dev_queue_xmit on ${route.dev}`, pkt);
      return goTo(place, 'egress', node, route.dev);
    }
    case 'ingress': return ingress(x, node, place.dev, place);
    case 'egress': return egress(x, node, place.dev, place);
    case 'pod-in': {
      const pod = place.pod!;
      if (rec.on) rec.hop(node.name, `${pod.name}/eth0`, 'pod');
      if (rec.on) rec.step('kernel', kernelAt('netif_rx'), `${place.dev}: packet arrives on ${pod.name}'s eth0`, pkt);
      if (pkt.arp) {
        if (rec.on) rec.step('kernel', kernelAt('arp_rcv'), `ARP reply: ${pkt.arp.senderIp} is at ${pkt.arp.senderMac} — the pod's neighbour table learns it`, pkt);
        return { kind: 'replied', node: node.name, target: pod.name };
      }
      if (rec.on) rec.step('kernel', kernelAt('ip_local_deliver'), `delivered to ${pod.name} (${pod.ip}) with TTL ${pkt.ipv4!.ttl}`, pkt);
      return { kind: 'delivered', to: 'pod', node: node.name, target: pod.name };
    }
    case 'stack': return stack(x, node, place.dev, place);
    case 'wire': {
      if (rec.on) rec.hop(node.name, node.nic.name, 'wire');
      const dstMac = pkt.outer ? pkt.outer.eth.dst : pkt.eth.dst;
      let peer: NodeState | undefined;
      for (const n of x.world.nodes) if (n.nic.mac === dstMac) { peer = n; break; }
      if (!peer) {
        if (rec.on) rec.step('link', kernelAt('wire'), `out of ${node.name}'s ${node.nic.name} towards ${dstMac} (outside the cluster)`, pkt);
        return { kind: 'sent-to-world', node: node.name, device: node.nic.name };
      }
      // skb metadata (mark) does not cross the wire. (Assigned undefined, not deleted: `delete` would turn the
      // live packet into a slow dictionary object for the rest of the walk; snapshots copy only defined fields.)
      if (pkt.mark !== undefined) { pkt.mark = undefined; rec.touch(); }
      if (rec.on) rec.step('link', kernelAt('wire'), `physical link ${node.name} ${node.nic.name} → ${peer.name} ${peer.nic.name}`, pkt);
      return goTo(place, 'ingress', peer, peer.nic.name);
    }
  }
}

function ingress(x: Exec, node: NodeState, dev: string, place: Place): Moved {
  const { rec, pkt } = x;
  const pod = findPodByLxc(node, dev);
  if (pod) {
    if (rec.on) rec.hop(node.name, dev, 'tc-ingress', 'cil_from_container');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), `netif_rx on ${dev}, tc ingress hook runs cil_from_container`, pkt);
    beforeProgram(x);
    const out = afterProgram(x, cil_from_container(x, lxcInstance(pod)), place);
    if (out !== 'ok') return out === 'redirected' ? undefined : out;
    return goTo(place, 'stack', node, dev);
  }
  if (dev === node.nic.name) {
    if (rec.on) rec.hop(node.name, dev, 'tc-ingress', 'cil_from_netdev');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), `netif_receive_skb on ${dev}, tc ingress hook runs cil_from_netdev`, pkt);
    beforeProgram(x);
    const out = afterProgram(x, cil_from_netdev(x), place);
    if (out !== 'ok') return out === 'redirected' ? undefined : out;
    return goTo(place, 'stack', node, dev);
  }
  if (dev === node.tunnelDev.name) {
    if (rec.on) rec.hop(node.name, dev, 'tc-ingress', 'cil_from_overlay');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), `tc ingress hook on ${dev} runs cil_from_overlay`, pkt);
    beforeProgram(x);
    const out = afterProgram(x, cil_from_overlay(x), place);
    if (out !== 'ok') return out === 'redirected' ? undefined : out;
    return goTo(place, 'stack', node, dev);
  }
  if (dev === 'cilium_host') {
    if (rec.on) rec.hop(node.name, dev, 'tc-ingress', 'cil_to_host');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_ingress'), 'tc ingress hook on cilium_host runs cil_to_host', pkt);
    beforeProgram(x);
    const out = afterProgram(x, cil_to_host(x, x.srcLabel || HOST_ID), place);
    if (out !== 'ok') return out === 'redirected' ? undefined : out;
    if (rec.on) rec.step('kernel', kernelAt('ip_local_deliver'), `delivered to ${node.name}'s host stack`, pkt);
    return { kind: 'delivered', to: 'host', node: node.name, target: node.name };
  }
  throw new PathError(`${node.name}: packet arrives on unknown device ${dev}`);
}

function egress(x: Exec, node: NodeState, dev: string, place: Place): Moved {
  const { rec, pkt } = x;
  const pod = findPodByLxc(node, dev);
  if (pod) {
    if (rec.on) rec.hop(node.name, dev, 'veth');
    if (rec.on) rec.step('kernel', kernelAt('veth_xmit'), `veth_xmit: ${dev} → peer eth0 in pod ${pod.name}`, pkt);
    return goTo(place, 'pod-in', node, 'veth', pod);
  }
  if (dev === 'cilium_host') {
    if (rec.on) rec.hop(node.name, dev, 'tc-egress', 'cil_from_host');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_egress'), 'tc egress hook on cilium_host runs cil_from_host', pkt);
    beforeProgram(x);
    const out = afterProgram(x, cil_from_host(x), place);
    if (out !== 'ok') return out === 'redirected' ? undefined : out;
    if (rec.on) rec.step('kernel', kernelAt('veth_xmit'), 'veth_xmit: cilium_host → cilium_net, back into the host stack', pkt);
    return goTo(place, 'stack', node, 'cilium_net');
  }
  if (dev === node.tunnelDev.name) {
    if (rec.on) rec.hop(node.name, dev, 'tc-egress', 'cil_to_overlay');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_egress'), `tc egress hook on ${dev} runs cil_to_overlay`, pkt);
    beforeProgram(x);
    const ret = cil_to_overlay(x);
    if (ret === CTX_ACT_DROP.value) return dropped(x);
    return encapsulate(x, node, place);
  }
  if (dev === node.nic.name) {
    if (rec.on) rec.hop(node.name, dev, 'tc-egress', 'cil_to_netdev');
    if (rec.on) rec.step('kernel', kernelAt('sch_handle_egress'), `tc egress hook on ${dev} runs cil_to_netdev`, pkt);
    beforeProgram(x);
    const out = afterProgram(x, cil_to_netdev(x), place);
    if (out !== 'ok') return out === 'redirected' ? undefined : out;
    if (rec.on) rec.step('kernel', kernelAt('dev_queue_xmit'), `dev_hard_start_xmit: ${dev} puts the frame on the wire`, pkt);
    return goTo(place, 'wire', node, dev);
  }
  throw new PathError(`${node.name}: packet sent out of unknown device ${dev}`);
}

function encapsulate(x: Exec, node: NodeState, place: Place): Moved {
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
  return goTo(place, 'egress', node, node.nic.name);
}

/** Source port of the outer UDP header: a hash of the inner flow, as the tunnel driver picks it. */
function hashFlow(pkt: Packet): number {
  const ip = pkt.ipv4;
  let h = ip ? (ipToInt(ip.src) ^ Math.imul(ipToInt(ip.dst), 31)) >>> 0 : 0;
  h = (Math.imul(h, 31) + (pkt.l4?.srcPort ?? 0)) >>> 0;
  h = (Math.imul(h, 31) + (pkt.l4?.dstPort ?? 0)) >>> 0;
  return h;
}

function stack(x: Exec, node: NodeState, from: string, place: Place): Moved {
  const { rec, pkt } = x;
  if (rec.on) rec.hop(node.name, 'host stack', 'stack');
  if (pkt.outer) {
    const o = pkt.outer;
    if (o.ipv4.dst !== node.nic.ip) throw new PathError(`${node.name}: encapsulated packet for ${o.ipv4.dst} arrived at the wrong node`);
    x.tunnelIdentity = o.tunnel.vni;
    pkt.outer = undefined;
    pkt.length = packetLength(pkt);
    rec.touch();
    if (rec.on) rec.step('decap', kernelAt(o.tunnel.kind === 'geneve' ? 'geneve_rx' : 'vxlan_rcv'),
      `UDP ${o.udp.dstPort} to ${o.ipv4.dst} is the ${o.tunnel.kind} socket: decapsulate, VNI ${o.tunnel.vni} kept as tunnel key, inner packet to ${node.tunnelDev.name}`, pkt);
    return goTo(place, 'ingress', node, node.tunnelDev.name);
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
    return goTo(place, 'egress', node, 'cilium_host');
  }
  const nextHop = route.via ?? ip.dst;
  const mac = node.neighbours.get(nextHop) ?? x.world.externalGatewayMac;
  pkt.eth.src = node.nic.mac;
  pkt.eth.dst = mac;
  rec.touch();
  if (rec.on) rec.step('kernel', kernelAt('neigh_resolve_output'), `neighbour ${nextHop} is at ${mac}; source MAC ${node.nic.mac}`, pkt);
  let toWorld = true;
  for (const n of x.world.nodes) if (inPrefix(ip.dst, n.podCIDR) || n.nic.ip === ip.dst) { toWorld = false; break; }
  if (toWorld && x.world.config.masquerade && inPrefix(ip.src, node.podCIDR)) {
    const old = ip.src;
    ip.src = node.nic.ip!;
    rec.touch();
    if (rec.on) rec.step('kernel', kernelAt('nf_nat_masquerade'), `iptables MASQUERADE: source ${old} → ${ip.src} (leaving the cluster)`, pkt);
  }
  return goTo(place, 'egress', node, route.dev);
}
