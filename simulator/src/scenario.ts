// Scenario: the input of a run. Either a whole path through a cluster (topology, policies, one packet)
// or one program on its own (entry program, device, config, map state, packet), as Cilium's BPF unit
// tests exercise a program. docs/scenario-format.md documents the file form.
import type { Packet } from './trace';
import type { DatapathConfig, ModeName } from './model';

export interface Selector { matchLabels: Record<string, string> }
export interface PortSpec { port: number; endPort?: number; protocol: 'TCP' | 'UDP' | 'ICMP' | 'ANY' }
export interface PolicyRule {
  fromEndpoints?: Selector[];
  toEndpoints?: Selector[];
  /** Reserved entities: world, host, remote-node, cluster, all. */
  fromEntities?: string[];
  toEntities?: string[];
  toPorts?: PortSpec[];
}
/** A CiliumNetworkPolicy, reduced to L3/L4. */
export interface PolicySpec {
  name: string;
  endpointSelector: Selector;
  ingress?: PolicyRule[];
  ingressDeny?: PolicyRule[];
  egress?: PolicyRule[];
  egressDeny?: PolicyRule[];
}

export interface PodSpec {
  name: string;
  ip: string;
  mac: string;
  lxc: { name: string; ifindex: number; mac: string };
  endpointId: number;
  labels: Record<string, string>;
  identity?: number;
}

export interface NodeSpec {
  name: string;
  nic: { name: string; ip: string; mac: string; ifindex: number };
  ciliumHost: { ip: string; mac: string; ifindex: number };
  podCIDR: string;
  gateway?: string;
  pods: PodSpec[];
}

export interface PathPacket {
  /** Pod name or node name (the node's host stack). */
  from: string;
  /** Pod name, node name, or an IPv4 address. */
  to: string;
  protocol: 'ICMP' | 'TCP' | 'UDP' | 'ARP';
  srcPort?: number;
  dstPort?: number;
  ttl: number;
  /** ARP only: the address asked for (default: the pod's gateway). */
  arpTarget?: string;
}

export type EntryProgram = 'cil_from_container' | 'cil_lxc_policy' | 'cil_from_netdev' | 'cil_from_host' | 'cil_to_netdev' | 'cil_to_host' | 'cil_from_overlay';

export interface MapState {
  ipcache: Array<{ prefix: string; identity: number; tunnelEndpoint?: string; skipTunnel?: boolean }>;
  endpoints: Array<{ ip: string; ifindex: number; endpointId: number; mac: string; nodeMac: string; host: boolean; identity?: number }>;
  /** Per endpoint id. */
  policy: Array<{ endpointId: number; direction: 'ingress' | 'egress'; identity: number; protocol: 'TCP' | 'UDP' | 'ICMP' | 'ANY'; port: number; endPort?: number; action: 'allow' | 'deny' }>;
  /** cilium_tunnel_map of versions that have one: pod CIDR → node IP, used when the ipcache has no tunnel endpoint. */
  tunnel: Array<{ prefix: string; endpoint: string }>;
  conntrack: Array<{ src: string; dst: string; protocol: 'TCP' | 'UDP' | 'ICMP'; srcPort: number; dstPort: number; direction: 'ingress' | 'egress'; srcIdentity: number }>;
}

export interface ProgramSpec {
  entry: EntryProgram;
  /** The device the program is attached to. */
  device: { name: string; ifindex: number; mac: string };
  /** The endpoint the program was compiled for (bpf_lxc programs: LXC_ID, SECLABEL, endpoint IP). */
  endpoint?: { id: number; identity: number; ip?: string };
  /** The node the program runs on. */
  node: { name: string; ip: string; mac: string; nicName: string; nicIfindex: number; routerIp: string; routerMac: string; hostIfindex: number; tunnelIfindex: number };
  /** skb metadata on entry: source identity (policy program, to-host), tunnel VNI (from-overlay), from-host flag. */
  meta: { srcIdentity?: number; tunnelIdentity?: number; fromHost?: boolean };
  maps: MapState;
  packet: Packet;
}

export interface Expectation {
  returnCode?: string | number;
  dropReason?: string | number;
  redirect?: { ifindex?: number; direction?: 'ingress' | 'egress' };
  packet?: { eth?: { src?: string; dst?: string }; ipv4?: { src?: string; dst?: string; ttl?: number } };
  metrics?: Array<{ reason: string | number; direction: 'ingress' | 'egress'; packets: number; bytes?: number; node?: string }>;
  disposition?: 'delivered' | 'sent-to-world' | 'dropped' | 'replied' | 'returned';
}

interface ScenarioBase { name: string; title: string; description?: string; expect?: Expectation }

export interface PathScenario extends ScenarioBase {
  kind: 'path';
  mode?: ModeName;
  config?: Partial<DatapathConfig>;
  nodes: NodeSpec[];
  policies: PolicySpec[];
  packet: PathPacket;
}

export interface ProgramScenario extends ScenarioBase {
  kind: 'program';
  mode?: ModeName;
  config?: Partial<DatapathConfig>;
  program: ProgramSpec;
}

export type Scenario = PathScenario | ProgramScenario;
