// Built-in scenarios: the walk-throughs' two-node topology (node IPs 192.168.56.2/.3, pod CIDRs
// 10.0.0.0/24 and 10.0.1.0/24) and the packets people trace through it.
import type { MapState, NodeSpec, PathPacket, PathScenario, PolicySpec, ProgramScenario, ProgramSpec } from './scenario';
import type { ModeName } from './model';

function pod(name: string, ip: string, n: number, endpointId: number, labels: Record<string, string>): NodeSpec['pods'][number] {
  const hex = n.toString(16).padStart(2, '0');
  return { name, ip, mac: `0a:58:0a:00:00:${hex}`, lxc: { name: `lxc${n}`, ifindex: 10 + n, mac: `fe:54:00:00:00:${hex}` }, endpointId, labels };
}

export function defaultNodes(): NodeSpec[] {
  return [
    { name: 'node1', nic: { name: 'enp0s8', ip: '192.168.56.2', mac: '08:00:27:00:00:02', ifindex: 3 }, ciliumHost: { ip: '10.0.0.1', mac: '02:00:00:00:01:fe', ifindex: 5 }, podCIDR: '10.0.0.0/24',
      pods: [pod('pod1', '10.0.0.5', 1, 1201, { app: 'client' }), pod('pod3', '10.0.0.7', 3, 1203, { app: 'server' })] },
    { name: 'node2', nic: { name: 'enp0s8', ip: '192.168.56.3', mac: '08:00:27:00:00:03', ifindex: 3 }, ciliumHost: { ip: '10.0.1.1', mac: '02:00:00:00:02:fe', ifindex: 5 }, podCIDR: '10.0.1.0/24',
      pods: [pod('pod2', '10.0.1.6', 2, 2302, { app: 'server' })] },
  ];
}

const denyFromClient: PolicySpec = {
  name: 'server-deny-client', endpointSelector: { matchLabels: { app: 'server' } },
  ingress: [{ fromEntities: ['cluster'] }], ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }],
};
const clientEgressOnlyWorld: PolicySpec = {
  name: 'client-egress-world-only', endpointSelector: { matchLabels: { app: 'client' } },
  egress: [{ toEntities: ['world'] }],
};

interface Builtin { name: string; title: string; description: string; mode: ModeName; packet: PathPacket; policies?: PolicySpec[] }

const BUILTINS: Builtin[] = [
  { name: 'pod-to-pod-native', mode: 'native', title: 'Pod to pod across nodes, native routing',
    description: 'ICMP echo from pod1 on node1 to pod2 on node2 with tunnel disabled and auto-direct-node-routes.', packet: { from: 'pod1', to: 'pod2', protocol: 'ICMP', ttl: 64 } },
  { name: 'pod-to-pod-vxlan', mode: 'vxlan', title: 'Pod to pod across nodes, VXLAN tunnel',
    description: 'ICMP echo from pod1 on node1 to pod2 on node2 through cilium_vxlan.', packet: { from: 'pod1', to: 'pod2', protocol: 'ICMP', ttl: 64 } },
  { name: 'pod-to-pod-native-host-routing', mode: 'native-host-routing', title: 'Pod to pod across nodes, native routing with BPF host routing',
    description: 'As pod-to-pod-native, with BPF host routing: fib redirect out of node1 and redirect_peer into pod2.', packet: { from: 'pod1', to: 'pod2', protocol: 'ICMP', ttl: 64 } },
  { name: 'arp-gateway', mode: 'vxlan', title: 'ARP for the gateway answered by the lxc program',
    description: "pod1 asks for its gateway (cilium_host's IP); cil_from_container answers with the lxc's MAC.", packet: { from: 'pod1', to: '', protocol: 'ARP', ttl: 64 } },
  { name: 'pod-to-pod-same-node', mode: 'vxlan', title: 'Pod to pod on one node',
    description: 'TCP SYN from pod1 to pod3, both on node1: local delivery through the policy tail call.', packet: { from: 'pod1', to: 'pod3', protocol: 'TCP', srcPort: 40000, dstPort: 80, ttl: 64 } },
  { name: 'pod-to-pod-ingress-deny', mode: 'vxlan', title: 'Pod to remote pod denied by an ingress policy',
    description: 'pod2 (app=server) has an ingress deny rule for app=client: dropped on node2 with Policy denied by denylist (-181).', policies: [denyFromClient],
    packet: { from: 'pod1', to: 'pod2', protocol: 'TCP', srcPort: 40000, dstPort: 80, ttl: 64 } },
  { name: 'pod-to-pod-egress-deny', mode: 'native', title: 'Pod to remote pod denied by an egress policy',
    description: 'pod1 (app=client) may only talk to the world: no allow matches pod2, dropped at node1 with Policy denied (-133).', policies: [clientEgressOnlyWorld],
    packet: { from: 'pod1', to: 'pod2', protocol: 'TCP', srcPort: 40000, dstPort: 80, ttl: 64 } },
  { name: 'pod-to-host', mode: 'vxlan', title: 'Pod to its own node', description: "ICMP echo from pod1 to node1's IP.", packet: { from: 'pod1', to: 'node1', protocol: 'ICMP', ttl: 64 } },
  { name: 'host-to-pod', mode: 'vxlan', title: 'Host to a local pod', description: "node1's host stack pings pod1 through cilium_host.", packet: { from: 'node1', to: 'pod1', protocol: 'ICMP', ttl: 64 } },
  { name: 'pod-to-world', mode: 'vxlan', title: 'Pod to the world', description: 'ICMP echo from pod1 to 8.8.8.8, masqueraded to the node IP.', packet: { from: 'pod1', to: '8.8.8.8', protocol: 'ICMP', ttl: 64 } },
];

// Single-program runs in the manner of bpf/tests: one endpoint (id 233, identity 1001, 10.0.0.5) on lxc ifindex 11.
const PROGRAM_NODE: ProgramSpec['node'] = { name: 'node1', ip: '192.168.56.2', mac: '08:00:27:00:00:02', nicName: 'eth0', nicIfindex: 2, routerIp: '10.0.0.1', routerMac: '02:00:00:00:00:fe', hostIfindex: 4, tunnelIfindex: 5 };
const LXC_DEVICE = { name: 'lxc0001', ifindex: 11, mac: 'de:ad:be:ef:00:01' };
const ENDPOINT = { id: 233, identity: 1001, ip: '10.0.0.5' };
const REMOTE_IPCACHE: MapState['ipcache'] = [{ prefix: '10.0.1.6/32', identity: 1230, tunnelEndpoint: '192.168.56.3' }, { prefix: '0.0.0.0/0', identity: 2 }];
const TCP_TO_REMOTE = { eth: { src: '0a:58:0a:00:00:05', dst: LXC_DEVICE.mac, ethertype: 'IPv4' }, ipv4: { src: '10.0.0.5', dst: '10.0.1.6', ttl: 64, protocol: 'TCP' }, l4: { protocol: 'TCP' as const, srcPort: 111, dstPort: 222, tcpFlags: ['SYN'] } };

function programScenarios(): ProgramScenario[] {
  const maps = (policy: MapState['policy']): MapState => ({ ipcache: REMOTE_IPCACHE.map((e) => ({ ...e })), endpoints: [], policy, tunnel: [], conntrack: [] });
  const lxc = (policy: MapState['policy']): ProgramSpec => ({ entry: 'cil_from_container', device: { ...LXC_DEVICE }, endpoint: { ...ENDPOINT }, node: { ...PROGRAM_NODE }, meta: {}, maps: maps(policy), packet: structuredClone(TCP_TO_REMOTE) });
  return [
    { kind: 'program', name: 'program-lxc-egress-deny', mode: 'vxlan', title: 'cil_from_container with an egress deny-all entry',
      description: 'Returns CTX_ACT_DROP, drop reason -181, metrics (181, egress) = 1.', program: lxc([{ endpointId: 233, direction: 'egress', identity: 0, protocol: 'ANY', port: 0, action: 'deny' }]),
      expect: { returnCode: 'CTX_ACT_DROP', dropReason: 'DROP_POLICY_DENY', metrics: [{ reason: 'DROP_POLICY_DENY', direction: 'egress', packets: 1 }] } },
    { kind: 'program', name: 'program-lxc-tunnel-redirect', mode: 'vxlan', title: 'cil_from_container redirecting to the tunnel',
      description: 'Egress allowed, ipcache has a tunnel endpoint: CTX_ACT_REDIRECT to cilium_vxlan, packet unchanged, (forwarded, egress) = 1.',
      program: lxc([{ endpointId: 233, direction: 'egress', identity: 0, protocol: 'ANY', port: 0, action: 'allow' }]),
      expect: { returnCode: 'CTX_ACT_REDIRECT', redirect: { ifindex: 5, direction: 'egress' }, packet: { ipv4: { ttl: 64 } }, metrics: [{ reason: 'forwarded', direction: 'egress', packets: 1 }] } },
  ];
}

export function builtinScenarios(): Array<PathScenario | ProgramScenario> {
  const paths: PathScenario[] = BUILTINS.map((b) => ({ kind: 'path', name: b.name, title: b.title, description: b.description, mode: b.mode, nodes: defaultNodes(), policies: b.policies ?? [], packet: b.packet }));
  return [...paths, ...programScenarios()];
}
