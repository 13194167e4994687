// Numbers and names of Cilium's datapath vocabulary, as the C headers and the monitor/Hubble
// decoders spell them. Values checked against bpf/lib/drop_reasons.h (drop codes), bpf/lib/notify.h
// (trace points), bpf/lib/common.h (metric directions, REASON_*), include/linux/pkt_cls.h (TC_ACT_*).
import type { ReturnCode } from './trace';

export const CTX_ACT_OK: ReturnCode = { name: 'CTX_ACT_OK', value: 0 };
export const CTX_ACT_DROP: ReturnCode = { name: 'CTX_ACT_DROP', value: 2 };
export const CTX_ACT_REDIRECT: ReturnCode = { name: 'CTX_ACT_REDIRECT', value: 7 };
export const CTX_ACT_TX: ReturnCode = { name: 'CTX_ACT_TX', value: 3 };

export interface DropReason { name: string; code: number; macro: string }

// Drop codes (negative, as returned by the C functions) and the monitor's human names.
const DROP_TABLE: Array<[string, number, string]> = [
  ['DROP_INVALID_SMAC', -130, 'Invalid source mac'],
  ['DROP_INVALID_DMAC', -131, 'Invalid destination mac'],
  ['DROP_INVALID_SIP', -132, 'Invalid source ip'],
  ['DROP_POLICY', -133, 'Policy denied'],
  ['DROP_INVALID', -134, 'Invalid packet'],
  ['DROP_CT_INVALID_HDR', -135, 'CT: Truncated or invalid header'],
  ['DROP_FRAG_NEEDED', -136, 'Fragmentation needed'],
  ['DROP_CT_UNKNOWN_PROTO', -137, 'CT: Unknown L4 protocol'],
  ['DROP_UNKNOWN_L3', -139, 'Unsupported L3 protocol'],
  ['DROP_MISSED_TAIL_CALL', -140, 'Missed tail call'],
  ['DROP_WRITE_ERROR', -141, 'Error writing to packet'],
  ['DROP_UNKNOWN_L4', -142, 'Unknown L4 protocol'],
  ['DROP_UNKNOWN_ICMP4_CODE', -143, 'Unknown ICMPv4 code'],
  ['DROP_UNKNOWN_ICMP4_TYPE', -144, 'Unknown ICMPv4 type'],
  ['DROP_NO_TUNNEL_KEY', -147, 'Error retrieving tunnel key'],
  ['DROP_UNKNOWN_TARGET', -150, 'Unknown L3 target address'],
  ['DROP_UNROUTABLE', -151, 'Stale or unroutable IP'],
  ['DROP_CSUM_L3', -153, 'Error while correcting L3 checksum'],
  ['DROP_CSUM_L4', -154, 'Error while correcting L4 checksum'],
  ['DROP_CT_CREATE_FAILED', -155, 'CT: Map insertion failed'],
  ['DROP_FRAG_NOSUPPORT', -157, 'IP fragmentation not supported'],
  ['DROP_NO_SERVICE', -158, 'Service backend not found'],
  ['DROP_NO_TUNNEL_ENDPOINT', -160, 'No tunnel/encapsulation endpoint (datapath BUG!)'],
  ['DROP_UNKNOWN_CT', -163, 'Unknown connection tracking state'],
  ['DROP_HOST_UNREACHABLE', -164, 'Local host is unreachable'],
  ['DROP_NO_CONFIG', -165, 'No configuration available to perform policy decision'],
  ['DROP_UNSUPPORTED_L2', -166, 'Unsupported L2 protocol'],
  ['DROP_NAT_NO_MAPPING', -167, 'No mapping for NAT masquerade'],
  ['DROP_NO_FIB', -169, 'FIB lookup failed'],
  ['DROP_INVALID_IDENTITY', -171, 'Invalid identity'],
  ['DROP_UNKNOWN_SENDER', -172, 'Unknown sender'],
  ['DROP_POLICY_DENY', -181, 'Policy denied by denylist'],
  ['DROP_INVALID_VNI', -183, 'Incorrect VNI from VTEP'],
  ['DROP_INVALID_TC_BUFFER', -184, 'Failed to update or lookup TC buffer'],
  ['DROP_POLICY_AUTH_REQUIRED', -189, 'Authentication required'],
  ['DROP_TTL_EXCEEDED', -196, 'TTL exceeded'],
  ['DROP_EP_NOT_READY', -203, 'Endpoint policy program not available'],
];

export const DROP: Record<string, DropReason> = {};
const DROP_BY_CODE = new Map<number, DropReason>();
for (const [macro, code, name] of DROP_TABLE) {
  const reason = { macro, code, name };
  DROP[macro] = reason;
  DROP_BY_CODE.set(code, reason);
}

/** Drop reason by macro name ("DROP_POLICY"), code (-133 or 133) or monitor name ("Policy denied"). */
export function dropReasonFrom(value: string | number): DropReason | undefined {
  if (typeof value === 'number') return DROP_BY_CODE.get(value > 0 ? -value : value);
  return DROP[value] ?? DROP_TABLE.map(([macro]) => DROP[macro]).find((r) => r.name === value);
}

export function dropReasonMacros(): string[] { return DROP_TABLE.map(([macro]) => macro); }

/** Trace observation points, by enum trace_point order, with the monitor/Hubble spellings. */
export const TRACE_POINTS = {
  TRACE_TO_LXC: { value: 0, name: 'to-endpoint', hubble: 'TO_ENDPOINT', monitor: '-> endpoint' },
  TRACE_TO_PROXY: { value: 1, name: 'to-proxy', hubble: 'TO_PROXY', monitor: '-> proxy' },
  TRACE_TO_HOST: { value: 2, name: 'to-host', hubble: 'TO_HOST', monitor: '-> host' },
  TRACE_TO_STACK: { value: 3, name: 'to-stack', hubble: 'TO_STACK', monitor: '-> stack' },
  TRACE_TO_OVERLAY: { value: 4, name: 'to-overlay', hubble: 'TO_OVERLAY', monitor: '-> overlay' },
  TRACE_FROM_LXC: { value: 5, name: 'from-endpoint', hubble: 'FROM_ENDPOINT', monitor: '<- endpoint' },
  TRACE_FROM_PROXY: { value: 6, name: 'from-proxy', hubble: 'FROM_PROXY', monitor: '<- proxy' },
  TRACE_FROM_HOST: { value: 7, name: 'from-host', hubble: 'FROM_HOST', monitor: '<- host' },
  TRACE_FROM_STACK: { value: 8, name: 'from-stack', hubble: 'FROM_STACK', monitor: '<- stack' },
  TRACE_FROM_OVERLAY: { value: 9, name: 'from-overlay', hubble: 'FROM_OVERLAY', monitor: '<- overlay' },
  TRACE_FROM_NETWORK: { value: 10, name: 'from-network', hubble: 'FROM_NETWORK', monitor: '<- network' },
  TRACE_TO_NETWORK: { value: 11, name: 'to-network', hubble: 'TO_NETWORK', monitor: '-> network' },
} as const;
export type TracePointMacro = keyof typeof TRACE_POINTS;

export function tracePointByName(name: string): (typeof TRACE_POINTS)[TracePointMacro] | undefined {
  return Object.values(TRACE_POINTS).find((p) => p.name === name);
}

/** enum metric_dir */
export const METRIC_INGRESS = 1;
export const METRIC_EGRESS = 2;
/** Metric reasons for forwarded traffic (bpf/lib/common.h); drops use -code. */
export const REASON_FORWARDED = 0;
export const REASON_PLAINTEXT = 3;

/** Reserved security identities (pkg/identity numericidentity.go). */
export const RESERVED_IDENTITY: Record<string, number> = {
  unknown: 0, host: 1, world: 2, unmanaged: 3, health: 4, init: 5, 'remote-node': 6, 'kube-apiserver': 7, ingress: 8,
};
export const HOST_ID = 1;
export const WORLD_ID = 2;
export const REMOTE_NODE_ID = 6;
/** First identity the agent allocates for labels (cluster-local numbering starts here). */
export const FIRST_ALLOCATED_IDENTITY = 256;

const RESERVED_NAMES = new Map(Object.entries(RESERVED_IDENTITY).map(([name, id]) => [id, name]));

export function identityName(id: number): string {
  return RESERVED_NAMES.get(id) ?? String(id);
}

export const VXLAN_PORT = 8472;
export const GENEVE_PORT = 6081;

/** Endpoint map flag: the entry is one of the node's own addresses (ENDPOINT_F_HOST). */
export const ENDPOINT_F_HOST = 1;

/** skb->mark magic values (bpf/lib/common.h): the identity rides in the upper 16 bits. */
export const MARK_MAGIC_HOST_MASK = 0x0f00;
export const MARK_MAGIC_IDENTITY = 0x0f00;
export const MARK_MAGIC_OVERLAY = 0x0400;

export function identityMark(identity: number): number { return (((identity & 0xffff) << 16) | MARK_MAGIC_IDENTITY) >>> 0; }
