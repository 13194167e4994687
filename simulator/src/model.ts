// The world a packet moves through: nodes with their devices, routes, neighbours and BPF maps.
// Maps hold what the agent would have written (see topology.ts) or what a program scenario states.
import type { Packet } from './trace';

export type ModeName = 'vxlan' | 'geneve' | 'native' | 'native-host-routing';

export interface DatapathConfig {
  tunnel: 'vxlan' | 'geneve' | 'disabled';
  autoDirectNodeRoutes: boolean;
  ipv4NativeRoutingCIDR?: string;
  /** BPF host routing (bpf_redirect_neigh / bpf_redirect_peer instead of the host stack). */
  bpfHostRouting: boolean;
  /** iptables MASQUERADE of pod traffic leaving the node for the world. */
  masquerade: boolean;
}

export function configForMode(mode: ModeName): DatapathConfig {
  switch (mode) {
    case 'vxlan': return { tunnel: 'vxlan', autoDirectNodeRoutes: false, bpfHostRouting: false, masquerade: true };
    case 'geneve': return { tunnel: 'geneve', autoDirectNodeRoutes: false, bpfHostRouting: false, masquerade: true };
    case 'native': return { tunnel: 'disabled', autoDirectNodeRoutes: true, ipv4NativeRoutingCIDR: '10.0.0.0/16', bpfHostRouting: false, masquerade: true };
    case 'native-host-routing': return { tunnel: 'disabled', autoDirectNodeRoutes: true, ipv4NativeRoutingCIDR: '10.0.0.0/16', bpfHostRouting: true, masquerade: true };
  }
}

export function modeOfConfig(c: DatapathConfig): ModeName {
  if (c.tunnel !== 'disabled') return c.tunnel;
  return c.bpfHostRouting ? 'native-host-routing' : 'native';
}

export interface Device { name: string; ifindex: number; mac: string; ip?: string }

export interface PodState {
  name: string;
  ip: string;
  /** The pod's eth0 (inside its netns). */
  mac: string;
  /** Host side of the veth pair. */
  lxc: Device;
  endpointId: number;
  identity: number;
  labels: Record<string, string>;
}

export interface Route { prefix: string; via?: string; dev: string; src?: string; note?: string }

export interface IpcacheEntry { prefix: string; identity: number; tunnelEndpoint?: string; skipTunnel?: boolean }
export interface EndpointEntry { ip: string; ifindex: number; lxcId: number; mac: string; nodeMac: string; isHost: boolean; identity?: number }
/** port 0 = any port; with endPort, the inclusive range port..endPort. */
export interface PolicyEntry { direction: 'ingress' | 'egress'; identity: number; protocol: number; port: number; endPort?: number; deny: boolean; note?: string }
export interface CtEntry { created: number; packets: number; bytes: number; srcIdentity: number }
export interface MetricValue { packets: number; bytes: number }

export interface NodeMaps {
  /** Sorted longest prefix first, so the first containing prefix is the LPM answer. */
  ipcache: IpcacheEntry[];
  endpoints: Map<string, EndpointEntry>;
  /** Tunnel map (cilium_tunnel_map) of versions that have one: pod CIDR → node IP. */
  tunnel: Map<string, string>;
  policy: Map<number, PolicyEntry[]>;
  ct: CtTable;
  /** Keyed by metricsKey(reason, dir) (exec.ts). */
  metrics: Map<number, MetricValue>;
}

export interface NodeState {
  name: string;
  nic: Device;
  ciliumHost: Device;
  ciliumNet: Device;
  tunnelDev: Device;
  podCIDR: string;
  gateway?: string;
  pods: PodState[];
  routes: Route[];
  /** IP → MAC of neighbours reachable on the NIC's link. */
  neighbours: Map<string, string>;
  maps: NodeMaps;
}

export interface World {
  config: DatapathConfig;
  nodes: NodeState[];
  /** Addresses outside the cluster that answer (e.g. the NIC gateway). */
  externalGatewayMac: string;
}

export function emptyMaps(): NodeMaps {
  return { ipcache: [], endpoints: new Map(), tunnel: new Map(), policy: new Map(), ct: new CtTable(), metrics: new Map() };
}

/**
 * Conntrack entries keyed by tuple (addresses, ports, protocol, direction). Nested maps on numbers, so a
 * lookup builds no key string (the bulk benchmark makes several per packet). Addresses are keyed by value,
 * not text, so "10.0.0.05" in a scenario's conntrack state matches a packet from 10.0.0.5.
 */
export class CtTable {
  private readonly bySrc = new Map<number, Map<number, Map<number, CtEntry>>>();

  private static rest(sport: number, dport: number, proto: number, out: boolean): number {
    return ((sport * 65536 + dport) * 256 + proto) * 2 + (out ? 1 : 0);
  }

  get(src: string, dst: string, sport: number, dport: number, proto: number, out: boolean): CtEntry | undefined {
    return this.bySrc.get(ipToInt(src))?.get(ipToInt(dst))?.get(CtTable.rest(sport, dport, proto, out));
  }

  set(src: string, dst: string, sport: number, dport: number, proto: number, out: boolean, entry: CtEntry): void {
    const s = ipToInt(src);
    let byDst = this.bySrc.get(s);
    if (!byDst) { byDst = new Map(); this.bySrc.set(s, byDst); }
    const d = ipToInt(dst);
    let byRest = byDst.get(d);
    if (!byRest) { byRest = new Map(); byDst.set(d, byRest); }
    byRest.set(CtTable.rest(sport, dport, proto, out), entry);
  }
}

// ---- addresses ----

// Addresses in a run come from a small fixed set, so parsed forms are memoised.
const ipCache = new Map<string, number>();
const prefixCache = new Map<string, { base: number; mask: number; len: number }>();

// The walk asks for the same packet's two addresses over and over: two remembered answers skip the map.
let lastIpA = '';
let lastIntA = 0;
let lastIpB = '';
let lastIntB = 0;

export function ipToInt(ip: string): number {
  if (ip === lastIpA) return lastIntA;
  if (ip === lastIpB) return lastIntB;
  let v = ipCache.get(ip);
  if (v === undefined) {
    const p = ip.split('.');
    v = ((+p[0] << 24) | (+p[1] << 16) | (+p[2] << 8) | +p[3]) >>> 0;
    if (ipCache.size > 100_000) ipCache.clear();
    ipCache.set(ip, v);
  }
  lastIpB = lastIpA;
  lastIntB = lastIntA;
  lastIpA = ip;
  lastIntA = v;
  return v;
}

export function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return !!m && m.slice(1).every((x) => +x <= 255);
}

export function isCIDR(s: string): boolean {
  const [ip, len, extra] = s.split('/');
  return extra === undefined && isIPv4(ip) && len !== undefined && /^\d{1,2}$/.test(len) && +len <= 32;
}

export function isMAC(s: string): boolean { return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s); }

export function prefixLen(prefix: string): number { return parsePrefix(prefix).len; }

function parsePrefix(prefix: string): { base: number; mask: number; len: number } {
  let p = prefixCache.get(prefix);
  if (!p) {
    const [base, lenText] = prefix.split('/');
    const len = +lenText;
    const mask = len === 0 ? 0 : len === 32 ? 0xffffffff : (~((1 << (32 - len)) - 1)) >>> 0;
    p = { base: (ipToInt(base) & mask) >>> 0, mask, len };
    if (prefixCache.size > 100_000) prefixCache.clear();
    prefixCache.set(prefix, p);
  }
  return p;
}

export function inPrefix(ip: string, prefix: string): boolean {
  const p = parsePrefix(prefix);
  return ((ipToInt(ip) & p.mask) >>> 0) === p.base;
}

export function sortIpcache(entries: IpcacheEntry[]): IpcacheEntry[] {
  tables.delete(entries);
  return entries.sort((a, b) => prefixLen(b.prefix) - prefixLen(a.prefix));
}

/** The parsed prefixes of a table (ipcache, routes), in table order. */
interface PrefixTable { size: number; bases: Uint32Array; masks: Uint32Array; lens: Uint8Array }

// Made on a table's first lookup, so a lookup is one WeakMap probe rather than a parse-cache probe per entry.
// Tables are filled (push) and sorted while the world is built; a changed length rebuilds the parsed form.
const tables = new WeakMap<readonly { prefix: string }[], PrefixTable>();

function prefixTable(entries: readonly { prefix: string }[]): PrefixTable {
  let t = tables.get(entries);
  if (t && t.size === entries.length) return t;
  t = { size: entries.length, bases: new Uint32Array(entries.length), masks: new Uint32Array(entries.length), lens: new Uint8Array(entries.length) };
  for (let i = 0; i < entries.length; i++) {
    const p = parsePrefix(entries[i].prefix);
    t.bases[i] = p.base;
    t.masks[i] = p.mask;
    t.lens[i] = p.len;
  }
  tables.set(entries, t);
  return t;
}

/** Longest prefix match in a table sorted longest prefix first: the first containing prefix. */
export function lpm<T extends { prefix: string }>(entries: T[], ip: string): T | undefined {
  const addr = ipToInt(ip);
  const t = prefixTable(entries);
  for (let i = 0; i < t.size; i++) if (((addr & t.masks[i]) >>> 0) === t.bases[i]) return entries[i];
  return undefined;
}

/** Longest prefix match in an unsorted table; the earliest entry wins a tie. */
export function longestMatch<T extends { prefix: string }>(entries: T[], ip: string): T | undefined {
  const addr = ipToInt(ip);
  const t = prefixTable(entries);
  let best = -1;
  for (let i = 0; i < t.size; i++) {
    if (((addr & t.masks[i]) >>> 0) === t.bases[i] && (best < 0 || t.lens[i] > t.lens[best])) best = i;
  }
  return best < 0 ? undefined : entries[best];
}

export const PROTO_NUMBER: Record<string, number> = { ANY: 0, ICMP: 1, TCP: 6, UDP: 17 };
export function protoName(n: number): string {
  return Object.keys(PROTO_NUMBER).find((k) => PROTO_NUMBER[k] === n) ?? String(n);
}

export function clonePacket(p: Packet): Packet {
  const c: Packet = { eth: { ...p.eth } };
  if (p.ipv4) c.ipv4 = { ...p.ipv4 };
  if (p.l4) c.l4 = p.l4.tcpFlags ? { ...p.l4, tcpFlags: [...p.l4.tcpFlags] } : { ...p.l4 };
  if (p.arp) c.arp = { ...p.arp };
  if (p.outer) c.outer = { eth: { ...p.outer.eth }, ipv4: { ...p.outer.ipv4 }, udp: { ...p.outer.udp }, tunnel: { ...p.outer.tunnel } };
  if (p.mark !== undefined) c.mark = p.mark;
  if (p.length !== undefined) c.length = p.length;
  return c;
}

/** On-wire length: Ethernet 14 + IPv4 20 + L4 header + payload; outer adds 50 (VXLAN) or 50+ (Geneve). */
export function packetLength(p: Packet, payload = 56): number {
  if (p.arp) return 42;
  const l4 = p.l4?.protocol === 'TCP' ? 20 : 8;
  const inner = 14 + 20 + l4 + payload;
  return p.outer ? inner + 50 : inner;
}
