// The execution context of one packet and the datapath helpers every program uses: map lookups
// (recorded as MapLookup), trace/drop notifications and the metrics they bump, as Cilium's
// send_trace_notify / send_drop_notify / update_metrics do.
import type { MapLookup, Notification, Packet, SourceAnchor, Step } from './trace';
import type { EndpointEntry, IpcacheEntry, NodeState, PolicyEntry, World } from './model';
import { inPrefix, lpm, prefixLen, PROTO_NUMBER } from './model';
import type { Recorder, StepExtra } from './recorder';
import {
  CTX_ACT_DROP, type DropReason, dropReasonFrom, METRIC_EGRESS, METRIC_INGRESS, REASON_FORWARDED, REASON_PLAINTEXT,
  TRACE_POINTS, type TracePointMacro,
} from './constants';

/** Compile-time constants of the program instance (LXC_ID, SECLABEL, THIS_INTERFACE_*). */
export interface ProgramInstance { lxcId: number; identity: number; ifindex: number; ifname: string; mac: string; ip?: string }

export interface Exec {
  world: World;
  node: NodeState;
  pkt: Packet;
  rec: Recorder;
  /** skb->cb metadata carried across tail calls and redirects. */
  srcLabel: number;
  fromHost: boolean;
  fromTunnel: boolean;
  /** Identity from the tunnel key (VNI) after decapsulation. */
  tunnelIdentity?: number;
  /** Tail calls taken, for program runs (path walks leave it undefined: they report hops instead). */
  tailCalls?: string[];
  /** Tunnel key set by the program (skb tunnel metadata) for the tunnel device to encapsulate with. */
  tunnelKey?: { remote: string; vni: number; kind: 'vxlan' | 'geneve' };
  /** Set by the program that redirects. */
  redirect?: Step['redirect'];
  drop?: DropReason;
  /** The dropping step's anchor. */
  dropAt?: SourceAnchor;
}

/** A C return value: >= 0 is a TC action, < 0 a DROP_* code. */
export type Ret = number;

/** Stand-ins returned when nothing is being recorded, so verdict-only runs allocate no step data. */
const NO_LOOKUP: MapLookup = Object.freeze({ map: '', key: {}, result: null }) as MapLookup;
const NO_TRACE = Object.freeze({ notification: Object.freeze({ type: 'trace' }) as Notification, lookups: [] as MapLookup[] });

/** Which counter a trace event bumps, as _update_trace_metrics does. Verdict-only runs call this instead of traceStep. */
export function countTrace(x: Exec, point: TracePointMacro): MapLookup | undefined {
  switch (point) {
    case 'TRACE_TO_LXC': return updateMetrics(x, METRIC_INGRESS, REASON_FORWARDED);
    case 'TRACE_TO_HOST': case 'TRACE_TO_STACK': case 'TRACE_TO_OVERLAY': case 'TRACE_TO_NETWORK': return updateMetrics(x, METRIC_EGRESS, REASON_FORWARDED);
    case 'TRACE_FROM_HOST': case 'TRACE_FROM_STACK': case 'TRACE_FROM_OVERLAY': case 'TRACE_FROM_NETWORK': return updateMetrics(x, METRIC_INGRESS, REASON_PLAINTEXT);
    default: return undefined;
  }
}

export function dirName(dir: number): 'ingress' | 'egress' { return dir === METRIC_INGRESS ? 'ingress' : 'egress'; }

/** cilium_metrics key (reason, dir) as one number, so a bump builds no key string. */
export function metricsKey(reason: number, dir: number): number { return reason * 4 + dir; }
export function metricsKeyParts(key: number): { reason: number; dir: number } { return { reason: Math.floor(key / 4), dir: key % 4 }; }

export function updateMetrics(x: Exec, dir: number, reason: number): MapLookup {
  const key = metricsKey(reason, dir);
  const bytes = x.pkt.length ?? 0;
  let value = x.node.maps.metrics.get(key);
  if (!value) { value = { packets: 0, bytes: 0 }; x.node.maps.metrics.set(key, value); }
  value.packets++;
  value.bytes += bytes;
  if (!x.rec.on) return NO_LOOKUP;
  return { map: 'cilium_metrics', op: 'update', key: { reason, dir: dirName(dir) }, result: { packets: value.packets, bytes: value.bytes } };
}

export function traceNotify(x: Exec, point: TracePointMacro, srcIdentity: number, dstIdentity: number, ifindex?: number, endpointId?: number): { notification: Notification; lookups: MapLookup[] } {
  const metric = countTrace(x, point);
  if (!x.rec.on) return NO_TRACE;
  const notification: Notification = { type: 'trace', observationPoint: TRACE_POINTS[point].name, srcIdentity, dstIdentity };
  if (ifindex !== undefined) notification.ifindex = ifindex;
  if (endpointId !== undefined) notification.endpointId = endpointId;
  return { notification, lookups: metric ? [metric] : [] };
}

/**
 * Records a trace event as its own step (the send_trace_notify call). Only for recorded runs: callers
 * write `if (x.rec.on) traceStep(…) else countTrace(x, point)`, so a verdict-only run formats no summary.
 */
export function traceStep(x: Exec, source: SourceAnchor, point: TracePointMacro, src: number, dst: number, summary: string, extra?: StepExtra & { ifindex?: number; endpointId?: number }): void {
  const t = traceNotify(x, point, src, dst, extra?.ifindex, extra?.endpointId);
  x.rec.step('program', source, summary, x.pkt, { ...extra, notification: t.notification, lookups: [...(extra?.lookups ?? []), ...t.lookups] });
}

/** send_drop_notify: the drop event, the metrics bump keyed by the positive drop code, CTX_ACT_DROP. */
export function dropNotify(x: Exec, source: SourceAnchor, code: number, srcIdentity: number, dstIdentity: number, dir: number, endpointId?: number): Ret {
  const reason = dropReasonFrom(code) ?? { macro: 'DROP_UNKNOWN', code, name: `Unknown drop reason ${code}` };
  const metric = updateMetrics(x, dir, -code);
  x.drop = reason;
  x.dropAt = source;
  if (!x.rec.on) return CTX_ACT_DROP.value;
  const notification: Notification = { type: 'drop', dropReason: { name: reason.name, code: reason.code }, srcIdentity, dstIdentity };
  if (endpointId !== undefined) notification.endpointId = endpointId;
  x.rec.step('verdict', source, `drop: ${reason.name} (${reason.macro} ${reason.code}), ${dirName(dir)} — returns CTX_ACT_DROP`, x.pkt,
    { notification, returnCode: CTX_ACT_DROP, lookups: [metric] });
  return CTX_ACT_DROP.value;
}

// ---- map lookups ----

// Each lookup returns what the datapath acts on; its `…Record` twin builds the MapLookup a step shows,
// and is only called when steps are recorded, so a verdict-only run allocates nothing per lookup.

export function ipcacheLookup(x: Exec, ip: string): IpcacheEntry | undefined { return lpm(x.node.maps.ipcache, ip); }

export function ipcacheRecord(ip: string, entry: IpcacheEntry | undefined): MapLookup {
  const result = entry
    ? { sec_identity: entry.identity, tunnel_endpoint: entry.tunnelEndpoint ?? '0.0.0.0', flag_skip_tunnel: !!entry.skipTunnel, prefix: entry.prefix }
    : null;
  return { map: 'cilium_ipcache', op: 'lookup', key: { ip, prefixlen: 32 }, result, note: entry ? `longest prefix match ${entry.prefix}` : 'no match' };
}

/** cilium_tunnel_map (versions before the ipcache carried tunnel endpoints): longest prefix holding ip. */
export function tunnelMapLookup(x: Exec, ip: string): { endpoint: string | undefined; lookup: MapLookup } {
  let best: string | undefined;
  let bestLen = -1;
  let endpoint: string | undefined;
  for (const [prefix, ep] of x.node.maps.tunnel) {
    if (inPrefix(ip, prefix) && prefixLen(prefix) > bestLen) { best = prefix; bestLen = prefixLen(prefix); endpoint = ep; }
  }
  if (!x.rec.on) return { endpoint, lookup: NO_LOOKUP };
  return { endpoint, lookup: { map: 'cilium_tunnel_map', op: 'lookup', key: { ip }, result: endpoint ? { tunnel_endpoint: endpoint, prefix: best! } : null } };
}

export function endpointLookup(x: Exec, ip: string): EndpointEntry | undefined { return x.node.maps.endpoints.get(ip); }

export function endpointRecord(ip: string, entry: EndpointEntry | undefined): MapLookup {
  const result = entry
    ? { ifindex: entry.ifindex, lxc_id: entry.lxcId, mac: entry.mac, node_mac: entry.nodeMac, flags: entry.isHost ? 'ENDPOINT_F_HOST' : 0 }
    : null;
  return { map: 'cilium_lxc', op: 'lookup', key: { ip }, result };
}

export function policyMapName(endpointId: number): string { return `cilium_policy_${String(endpointId).padStart(5, '0')}`; }

const NO_POLICY_ENTRIES: PolicyEntry[] = [];

/**
 * Policy map lookup for (identity, proto, dport, direction): the entry that decides. Cilium tries the
 * L3+L4 entry, then L3-only, then L4-only, then the wildcard; a deny among the matching entries wins over
 * an allow (deny has precedence). Undefined: no entry matches (policy denied).
 */
export function policyLookup(x: Exec, endpointId: number, direction: 'ingress' | 'egress', identity: number): PolicyEntry | undefined {
  const entries = x.node.maps.policy.get(endpointId) ?? NO_POLICY_ENTRIES;
  const proto = x.pkt.l4 ? PROTO_NUMBER[x.pkt.l4.protocol] : 0;
  const dport = x.pkt.l4?.dstPort ?? 0;
  let allow: PolicyEntry | undefined;
  for (const e of entries) {
    if (e.direction !== direction) continue;
    if (e.identity !== 0 && e.identity !== identity) continue;
    if (e.protocol !== 0 && e.protocol !== proto) continue;
    if (e.port !== 0 && (e.endPort === undefined ? e.port !== dport : dport < e.port || dport > e.endPort)) continue;
    if (e.deny) return e;
    if (!allow || specificity(e) > specificity(allow)) allow = e;
  }
  return allow;
}

export function policyVerdict(hit: PolicyEntry | undefined): 'allow' | 'deny' | 'none' { return hit ? (hit.deny ? 'deny' : 'allow') : 'none'; }

export function policyRecord(x: Exec, endpointId: number, direction: 'ingress' | 'egress', identity: number, hit: PolicyEntry | undefined): MapLookup {
  const proto = x.pkt.l4 ? PROTO_NUMBER[x.pkt.l4.protocol] : 0;
  const dport = x.pkt.l4?.dstPort ?? 0;
  const key = { identity, dport, protocol: proto, direction };
  const result = hit ? { identity: hit.identity, dport: hit.endPort !== undefined ? portText(hit) : hit.port, protocol: hit.protocol, deny: hit.deny } : null;
  return { map: policyMapName(endpointId), op: 'lookup', key, result, note: hit ? (hit.note ?? describeEntry(hit)) : 'no matching entry' };
}

function specificity(e: PolicyEntry): number { return (e.identity ? 4 : 0) + (e.protocol ? 2 : 0) + (e.port ? 1 : 0); }

function portText(e: PolicyEntry): string { return e.endPort !== undefined ? `${e.port}-${e.endPort}` : String(e.port); }

export function describeEntry(e: PolicyEntry): string {
  const who = e.identity === 0 ? 'any identity' : `identity ${e.identity}`;
  const what = e.protocol === 0 ? (e.port === 0 ? 'any protocol' : `any protocol/${portText(e)}`) : e.port === 0 ? `${protoLabel(e.protocol)}/any` : `${protoLabel(e.protocol)}/${portText(e)}`;
  return `${e.deny ? 'deny' : 'allow'} ${e.direction} ${who} ${what}`;
}

function protoLabel(n: number): string { return n === 6 ? 'TCP' : n === 17 ? 'UDP' : n === 1 ? 'ICMP' : String(n); }

/** Conntrack tuple key as Cilium keys it (addresses, ports or ICMP id, protocol, direction flags). */
export function ctKey(pkt: Packet, dir: 'egress' | 'ingress'): Record<string, string | number> {
  const ip = pkt.ipv4!;
  const l4 = pkt.l4;
  return { saddr: ip.src, daddr: ip.dst, sport: l4?.srcPort ?? 0, dport: l4?.dstPort ?? 0, nexthdr: l4 ? PROTO_NUMBER[l4.protocol] : 0, flags: dir === 'egress' ? 'TUPLE_F_OUT' : 'TUPLE_F_IN' };
}

export function ctMapName(pkt: Packet): string { return pkt.l4?.protocol === 'TCP' ? 'cilium_ct4_global' : 'cilium_ct_any4_global'; }

export type CtStatus = 'CT_NEW' | 'CT_ESTABLISHED' | 'CT_REPLY';

/** ct_lookup4: NEW, ESTABLISHED or REPLY (an established entry counts the packet). */
export function ctLookup(x: Exec, dir: 'egress' | 'ingress'): CtStatus {
  const ip = x.pkt.ipv4!;
  const l4 = x.pkt.l4;
  const sport = l4?.srcPort ?? 0;
  const dport = l4?.dstPort ?? 0;
  const nexthdr = l4 ? PROTO_NUMBER[l4.protocol] : 0;
  const out = dir === 'egress';
  const fwd = x.node.maps.ct.get(ip.src, ip.dst, sport, dport, nexthdr, out);
  if (fwd) { fwd.packets++; return 'CT_ESTABLISHED'; }
  return x.node.maps.ct.get(ip.dst, ip.src, dport, sport, nexthdr, !out) ? 'CT_REPLY' : 'CT_NEW';
}

/** The MapLookup of a ctLookup that answered `status` (made after it, so counts include this packet). */
export function ctRecord(x: Exec, dir: 'egress' | 'ingress', status: CtStatus): MapLookup {
  const ip = x.pkt.ipv4!;
  const l4 = x.pkt.l4;
  const sport = l4?.srcPort ?? 0;
  const dport = l4?.dstPort ?? 0;
  const nexthdr = l4 ? PROTO_NUMBER[l4.protocol] : 0;
  const out = dir === 'egress';
  const entry = status === 'CT_ESTABLISHED' ? x.node.maps.ct.get(ip.src, ip.dst, sport, dport, nexthdr, out)
    : status === 'CT_REPLY' ? x.node.maps.ct.get(ip.dst, ip.src, dport, sport, nexthdr, !out) : undefined;
  return { map: ctMapName(x.pkt), op: 'lookup', key: ctKey(x.pkt, dir), result: entry ? { packets: entry.packets, src_sec_id: entry.srcIdentity, status } : null, note: status };
}

export function ctCreate(x: Exec, dir: 'egress' | 'ingress', srcIdentity: number): MapLookup {
  const ip = x.pkt.ipv4!;
  const l4 = x.pkt.l4;
  const entry = { created: 1, packets: 1, bytes: x.pkt.length ?? 0, srcIdentity };
  x.node.maps.ct.set(ip.src, ip.dst, l4?.srcPort ?? 0, l4?.dstPort ?? 0, l4 ? PROTO_NUMBER[l4.protocol] : 0, dir === 'egress', entry);
  if (!x.rec.on) return NO_LOOKUP;
  return { map: ctMapName(x.pkt), op: 'update', key: ctKey(x.pkt, dir), result: { packets: 1, src_sec_id: srcIdentity } };
}
