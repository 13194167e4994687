// The trace: what one packet did, hop by hop, in the vocabulary of Cilium's datapath.
// Shape follows Batfish traces: a Trace is Hops (node, device, hook), a Hop is Steps, and the
// trace ends in a Disposition. This file is the contract between the simulator, the CLI, the
// webview and the extension; it holds types only, and every field is plain JSON.

/** Where in the C source a step is: the modelled function and, inside it, the call it stands for. */
export interface SourceAnchor {
  /** C function this step models, as named in current Cilium (e.g. "handle_ipv4_from_lxc"). */
  function: string;
  /** Older or alternative C names of the same function, newest first (e.g. ["handle_xgress"]). */
  aliases?: string[];
  /** The call inside `function` this step stands for (e.g. "lookup_ip4_remote_endpoint"), if any. */
  call?: string;
  /** Older or alternative names of `call`. */
  callAliases?: string[];
  /** Where that function lives in a Cilium tree, relative to bpf/ (a hint; the language server resolves). */
  fileHint?: string;
}

export interface EthernetHeader { src: string; dst: string; ethertype: 'IPv4' | 'IPv6' | 'ARP' | string }
export interface IPv4Header { src: string; dst: string; ttl: number; protocol: 'ICMP' | 'TCP' | 'UDP' | string; id?: number }
export interface L4Header {
  protocol: 'ICMP' | 'TCP' | 'UDP';
  srcPort?: number;
  dstPort?: number;
  /** ICMP: "echo-request", "echo-reply", … */
  icmpType?: string;
  tcpFlags?: string[];
}
export interface ArpHeader { op: 'request' | 'reply'; senderMac: string; senderIp: string; targetMac: string; targetIp: string }
export interface TunnelHeader { kind: 'vxlan' | 'geneve'; vni: number; /** security identity carried in the VNI */ identity?: number }

/** A packet as seen at one instant. Outer headers exist only while encapsulated. */
export interface Packet {
  eth: EthernetHeader;
  ipv4?: IPv4Header;
  l4?: L4Header;
  arp?: ArpHeader;
  outer?: { eth: EthernetHeader; ipv4: IPv4Header; udp: { srcPort: number; dstPort: number }; tunnel: TunnelHeader };
  /** skb->mark / metadata the datapath carries between programs (e.g. identity in the mark). */
  mark?: number;
  length?: number;
}

export interface MapLookup {
  /** Map name as in Cilium (e.g. "cilium_ipcache", "cilium_lxc", "cilium_policy_00123", "cilium_ct4_global"). */
  map: string;
  /** Key as plain fields (e.g. { ip: "10.0.1.5", prefixlen: 32 }). */
  key: Record<string, string | number | boolean>;
  /** The value found, or null for a miss. */
  result: Record<string, string | number | boolean | null> | null;
  /** Optional human note ("longest prefix match 10.0.1.0/24"). */
  note?: string;
  op?: 'lookup' | 'update' | 'delete';
}

/** Return codes as Cilium's programs return them to the kernel. */
export type ReturnCode = { name: 'CTX_ACT_OK' | 'CTX_ACT_DROP' | 'CTX_ACT_REDIRECT' | 'CTX_ACT_TX' | string; value: number };

/** A trace or drop notification as a real node emits (cilium monitor / Hubble). */
export interface Notification {
  type: 'trace' | 'drop' | 'policy-verdict' | 'debug';
  /** Observation point for traces, in Cilium's words: "from-endpoint", "to-stack", "to-overlay", "from-overlay", "to-endpoint", "from-network", "to-network", "from-host", "to-host". */
  observationPoint?: string;
  /** Drop reason for drops: name and the (negative) code, e.g. { name: "Policy denied", code: -133 }. */
  dropReason?: { name: string; code: number };
  srcIdentity?: number;
  dstIdentity?: number;
  /** Ifindex / endpoint the event is reported for. */
  ifindex?: number;
  endpointId?: number;
  message?: string;
}

export type StepKind =
  | 'program'      // a BPF program or function inside it
  | 'tail-call'    // a tail call into another program
  | 'map'          // a step whose point is a map lookup/update
  | 'kernel'       // a kernel function: veth_xmit, netif_rx, sch_handle_ingress, fib lookup, neigh …
  | 'route'        // a routing table decision
  | 'encap' | 'decap'
  | 'link'         // the wire between nodes
  | 'verdict';

export interface Step {
  /** Index of this step in the whole trace (0-based, continuous across hops). */
  index: number;
  kind: StepKind;
  /** One line for people: "ipcache lookup of 10.0.1.5 → identity 5678, tunnel endpoint 192.168.56.3". */
  summary: string;
  /** The C code this step models; kernel steps name the kernel function (fileHint absent). */
  source: SourceAnchor;
  /** True for kernel steps (not in the Cilium tree). */
  kernel?: boolean;
  lookups?: MapLookup[];
  packetBefore?: Packet;
  packetAfter?: Packet;
  returnCode?: ReturnCode;
  notification?: Notification;
  /** Redirect decided at this step. */
  redirect?: { ifname: string; ifindex: number; direction: 'ingress' | 'egress'; helper: string };
}

export type Hook = 'tc-ingress' | 'tc-egress' | 'xdp' | 'veth' | 'stack' | 'wire' | 'pod' | 'host';

export interface Hop {
  node: string;
  /** Device name: "lxc1a2b", "cilium_host", "cilium_net", "cilium_vxlan", "enp0s8", "eth0" (inside a pod: "pod1/eth0"). */
  device: string;
  hook: Hook;
  /** BPF program attached here that ran, by program name in the tree (e.g. "cil_from_container"). */
  program?: string;
  steps: Step[];
}

export type Disposition =
  | { kind: 'delivered'; to: 'pod' | 'host'; node: string; target: string }
  | { kind: 'sent-to-world'; node: string; device: string }
  | { kind: 'dropped'; node: string; reason: { name: string; code: number }; at: SourceAnchor }
  | { kind: 'replied'; node: string; target: string }      // e.g. ARP answered by the lxc program
  | { kind: 'returned'; returnCode: ReturnCode };           // single-program runs

/** One counter of Cilium's metrics map (cilium_metrics) after the run: key (reason, direction) → packets, bytes. */
export interface MetricRecord {
  node: string;
  /** 0 = forwarded, 3 = plaintext ingress, or the positive drop code (133 = policy). */
  reason: number;
  /** "Policy denied", "Forwarded", … */
  reasonName: string;
  direction: 'ingress' | 'egress';
  packets: number;
  bytes: number;
}

/** What a single-program run returns, the way Cilium's BPF unit tests check it. */
export interface ProgramResult {
  program: string;
  returnCode: ReturnCode;
  /** The packet as the program left it. */
  packet: Packet;
  redirect?: { ifname: string; ifindex: number; direction: 'ingress' | 'egress'; helper: string };
  dropReason?: { name: string; code: number };
  /** Tail calls taken, in order (program names). */
  tailCalls: string[];
}

/** A scenario's `expect` block compared with the run. */
export interface ExpectationResult { field: string; expected: string; actual: string; ok: boolean }

export interface Trace {
  scenario: string;
  mode: string;
  hops: Hop[];
  disposition: Disposition;
  /** Metrics map counters per node after the run (only non-zero ones). */
  metrics?: MetricRecord[];
  /** Single-program runs only. */
  program?: ProgramResult;
  /** Present when the scenario had an `expect` block. */
  expectations?: ExpectationResult[];
}
