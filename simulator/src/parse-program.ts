// Program scenarios (entry program, device, map state, packet) and the `expect` block.
import { isScalar, type Node as YamlNode } from 'yaml';
import { dropReasonFrom } from './constants';
import { join, type Reader } from './parse-reader';
import type { EntryProgram, Expectation, MapState, ProgramSpec } from './scenario';
import type { Packet } from './trace';

const ENTRIES: EntryProgram[] = ['cil_from_container', 'cil_lxc_policy', 'cil_from_netdev', 'cil_from_host', 'cil_to_netdev', 'cil_to_host', 'cil_from_overlay'];
const PROTOCOLS = ['TCP', 'UDP', 'ICMP'] as const;

export function readProgram(r: Reader, n: YamlNode, p: string): ProgramSpec {
  const m = r.map(n, p, ['entry', 'device', 'endpoint', 'node', 'meta', 'maps', 'packet']);
  const entry = r.oneOf(r.req(m, 'entry', p), join(p, 'entry'), ENTRIES);
  const dp = join(p, 'device');
  const dev = r.map(r.req(m, 'device', p), dp, ['name', 'ifindex', 'mac']);
  const endpoint = r.optional(m, 'endpoint', p, (x, q) => {
    const em = r.map(x, q, ['id', 'identity', 'ip']);
    const ip = r.optional(em, 'ip', q, (y, s) => r.ip(y, s));
    return { id: r.int(r.req(em, 'id', q), join(q, 'id'), 1, 65535), identity: r.int(r.req(em, 'identity', q), join(q, 'identity'), 1, 16777215), ...(ip && { ip }) };
  });
  if (!endpoint && (entry === 'cil_from_container' || entry === 'cil_lxc_policy')) r.fail(m, join(p, 'endpoint'), `the endpoint ${entry} was compiled for (id, identity)`, "missing field 'endpoint'");
  const node = r.optional(m, 'node', p, (x, q) => {
    const nm = r.map(x, q, ['name', 'ip', 'mac', 'nicName', 'nicIfindex', 'routerIp', 'routerMac', 'hostIfindex', 'tunnelIfindex']);
    return {
      name: r.optional(nm, 'name', q, (y, s) => r.str(y, s)) ?? 'node1',
      ip: r.optional(nm, 'ip', q, (y, s) => r.ip(y, s)) ?? '192.168.56.2',
      mac: r.optional(nm, 'mac', q, (y, s) => r.mac(y, s)) ?? '08:00:27:00:00:02',
      nicName: r.optional(nm, 'nicName', q, (y, s) => r.str(y, s)) ?? 'eth0',
      nicIfindex: r.optional(nm, 'nicIfindex', q, (y, s) => r.int(y, s, 1, 65535)) ?? 2,
      routerIp: r.optional(nm, 'routerIp', q, (y, s) => r.ip(y, s)) ?? '10.0.0.1',
      routerMac: r.optional(nm, 'routerMac', q, (y, s) => r.mac(y, s)) ?? '02:00:00:00:00:fe',
      hostIfindex: r.optional(nm, 'hostIfindex', q, (y, s) => r.int(y, s, 1, 65535)) ?? 4,
      tunnelIfindex: r.optional(nm, 'tunnelIfindex', q, (y, s) => r.int(y, s, 1, 65535)) ?? 5,
    };
  }) ?? { name: 'node1', ip: '192.168.56.2', mac: '08:00:27:00:00:02', nicName: 'eth0', nicIfindex: 2, routerIp: '10.0.0.1', routerMac: '02:00:00:00:00:fe', hostIfindex: 4, tunnelIfindex: 5 };
  const meta = r.optional(m, 'meta', p, (x, q) => {
    const mm = r.map(x, q, ['srcIdentity', 'tunnelIdentity', 'fromHost']);
    const out: ProgramSpec['meta'] = {};
    const s = r.optional(mm, 'srcIdentity', q, (y, z) => r.int(y, z, 0, 16777215));
    if (s !== undefined) out.srcIdentity = s;
    const t = r.optional(mm, 'tunnelIdentity', q, (y, z) => r.int(y, z, 0, 16777215));
    if (t !== undefined) out.tunnelIdentity = t;
    const h = r.optional(mm, 'fromHost', q, (y, z) => r.bool(y, z));
    if (h !== undefined) out.fromHost = h;
    return out;
  }) ?? {};
  if (entry === 'cil_lxc_policy' && meta.srcIdentity === undefined) r.fail(m, join(p, 'meta.srcIdentity'), 'the source identity the policy tail call receives', "missing field 'meta.srcIdentity'");
  if (entry === 'cil_from_overlay' && meta.tunnelIdentity === undefined) r.fail(m, join(p, 'meta.tunnelIdentity'), 'the VNI (source identity) of the tunnel key', "missing field 'meta.tunnelIdentity'");
  return {
    entry,
    device: { name: r.str(r.req(dev, 'name', dp), join(dp, 'name')), ifindex: r.int(r.req(dev, 'ifindex', dp), join(dp, 'ifindex'), 1, 65535), mac: r.mac(r.req(dev, 'mac', dp), join(dp, 'mac')) },
    ...(endpoint && { endpoint }),
    node,
    meta,
    maps: r.optional(m, 'maps', p, (x, q) => readMaps(r, x, q)) ?? { ipcache: [], endpoints: [], policy: [], tunnel: [], conntrack: [] },
    packet: readPacket(r, r.req(m, 'packet', p), join(p, 'packet')),
  };
}

function readMaps(r: Reader, n: YamlNode, p: string): MapState {
  const m = r.map(n, p, ['ipcache', 'endpoints', 'policy', 'tunnel', 'conntrack']);
  const list = <T>(key: string, read: (x: YamlNode, q: string) => T): T[] => r.optional(m, key, p, (x, q) => r.seq(x, q).map((y, i) => read(y, join(q, i)))) ?? [];
  return {
    ipcache: list('ipcache', (x, q) => {
      const e = r.map(x, q, ['prefix', 'identity', 'tunnelEndpoint', 'skipTunnel']);
      const te = r.optional(e, 'tunnelEndpoint', q, (y, s) => r.ip(y, s));
      const skip = r.optional(e, 'skipTunnel', q, (y, s) => r.bool(y, s));
      return { prefix: r.cidr(r.req(e, 'prefix', q), join(q, 'prefix')), identity: r.int(r.req(e, 'identity', q), join(q, 'identity'), 0, 16777215), ...(te && { tunnelEndpoint: te }), ...(skip !== undefined && { skipTunnel: skip }) };
    }),
    endpoints: list('endpoints', (x, q) => {
      const e = r.map(x, q, ['ip', 'ifindex', 'endpointId', 'mac', 'nodeMac', 'host', 'identity']);
      const host = r.optional(e, 'host', q, (y, s) => r.bool(y, s)) ?? false;
      const identity = r.optional(e, 'identity', q, (y, s) => r.int(y, s, 0, 16777215));
      return {
        ip: r.ip(r.req(e, 'ip', q), join(q, 'ip')),
        ifindex: host ? (r.optional(e, 'ifindex', q, (y, s) => r.int(y, s, 0, 65535)) ?? 0) : r.int(r.req(e, 'ifindex', q), join(q, 'ifindex'), 1, 65535),
        endpointId: host ? (r.optional(e, 'endpointId', q, (y, s) => r.int(y, s, 0, 65535)) ?? 0) : r.int(r.req(e, 'endpointId', q), join(q, 'endpointId'), 1, 65535),
        mac: host ? (r.optional(e, 'mac', q, (y, s) => r.mac(y, s)) ?? '00:00:00:00:00:00') : r.mac(r.req(e, 'mac', q), join(q, 'mac')),
        nodeMac: host ? (r.optional(e, 'nodeMac', q, (y, s) => r.mac(y, s)) ?? '00:00:00:00:00:00') : r.mac(r.req(e, 'nodeMac', q), join(q, 'nodeMac')),
        host,
        ...(identity !== undefined && { identity }),
      };
    }),
    policy: list('policy', (x, q) => {
      const e = r.map(x, q, ['endpointId', 'direction', 'identity', 'protocol', 'port', 'endPort', 'action']);
      const port = r.optional(e, 'port', q, (y, s) => r.int(y, s, 0, 65535)) ?? 0;
      const endPort = r.optional(e, 'endPort', q, (y, s) => r.int(y, s, Math.max(port, 1), 65535, `a port from ${Math.max(port, 1)} (the start of the range) to 65535`));
      return {
        ...(endPort !== undefined && { endPort }),
        endpointId: r.int(r.req(e, 'endpointId', q), join(q, 'endpointId'), 1, 65535),
        direction: r.oneOf(r.req(e, 'direction', q), join(q, 'direction'), ['ingress', 'egress'] as const),
        identity: r.optional(e, 'identity', q, (y, s) => r.int(y, s, 0, 16777215)) ?? 0,
        protocol: r.optional(e, 'protocol', q, (y, s) => r.oneOf(y, s, ['TCP', 'UDP', 'ICMP', 'ANY'] as const)) ?? 'ANY',
        port,
        action: r.oneOf(r.req(e, 'action', q), join(q, 'action'), ['allow', 'deny'] as const),
      };
    }),
    tunnel: list('tunnel', (x, q) => {
      const e = r.map(x, q, ['prefix', 'endpoint']);
      return { prefix: r.cidr(r.req(e, 'prefix', q), join(q, 'prefix')), endpoint: r.ip(r.req(e, 'endpoint', q), join(q, 'endpoint')) };
    }),
    conntrack: list('conntrack', (x, q) => {
      const e = r.map(x, q, ['src', 'dst', 'protocol', 'srcPort', 'dstPort', 'direction', 'srcIdentity']);
      return {
        src: r.ip(r.req(e, 'src', q), join(q, 'src')), dst: r.ip(r.req(e, 'dst', q), join(q, 'dst')),
        protocol: r.oneOf(r.req(e, 'protocol', q), join(q, 'protocol'), PROTOCOLS),
        srcPort: r.optional(e, 'srcPort', q, (y, s) => r.int(y, s, 0, 65535)) ?? 0, dstPort: r.optional(e, 'dstPort', q, (y, s) => r.int(y, s, 0, 65535)) ?? 0,
        direction: r.oneOf(r.req(e, 'direction', q), join(q, 'direction'), ['ingress', 'egress'] as const),
        srcIdentity: r.optional(e, 'srcIdentity', q, (y, s) => r.int(y, s, 0, 16777215)) ?? 0,
      };
    }),
  };
}

function readPacket(r: Reader, n: YamlNode, p: string): Packet {
  const m = r.map(n, p, ['eth', 'ipv4', 'l4', 'arp', 'mark', 'length']);
  const ep = join(p, 'eth');
  const eth = r.map(r.req(m, 'eth', p), ep, ['src', 'dst', 'ethertype']);
  const pkt: Packet = { eth: { src: r.mac(r.req(eth, 'src', ep), join(ep, 'src')), dst: r.mac(r.req(eth, 'dst', ep), join(ep, 'dst')), ethertype: 'IPv4' } };
  const ipv4 = r.optional(m, 'ipv4', p, (x, q) => {
    const im = r.map(x, q, ['src', 'dst', 'ttl', 'protocol', 'id']);
    return { src: r.ip(r.req(im, 'src', q), join(q, 'src')), dst: r.ip(r.req(im, 'dst', q), join(q, 'dst')), ttl: r.optional(im, 'ttl', q, (y, s) => r.int(y, s, 0, 255)) ?? 64, protocol: 'ICMP' };
  });
  const arp = r.optional(m, 'arp', p, (x, q) => {
    const am = r.map(x, q, ['op', 'senderMac', 'senderIp', 'targetMac', 'targetIp']);
    return {
      op: r.optional(am, 'op', q, (y, s) => r.oneOf(y, s, ['request', 'reply'] as const)) ?? 'request',
      senderMac: r.mac(r.req(am, 'senderMac', q), join(q, 'senderMac')), senderIp: r.ip(r.req(am, 'senderIp', q), join(q, 'senderIp')),
      targetMac: r.optional(am, 'targetMac', q, (y, s) => r.mac(y, s)) ?? '00:00:00:00:00:00', targetIp: r.ip(r.req(am, 'targetIp', q), join(q, 'targetIp')),
    } as const;
  });
  if (ipv4 && arp) r.fail(r.get(m, 'arp'), join(p, 'arp'), 'either ipv4 or arp, not both');
  if (!ipv4 && !arp) r.fail(m, p, 'an ipv4 or an arp header', 'neither is present');
  const ethertype = r.optional(eth, 'ethertype', ep, (x, q) => r.str(x, q)) ?? (arp ? 'ARP' : 'IPv4');
  pkt.eth.ethertype = ethertype;
  if (arp) pkt.arp = { ...arp };
  if (ipv4) {
    pkt.ipv4 = ipv4;
    const l4 = r.optional(m, 'l4', p, (x, q) => {
      const lm = r.map(x, q, ['protocol', 'srcPort', 'dstPort', 'icmpType', 'tcpFlags']);
      const protocol = r.oneOf(r.req(lm, 'protocol', q), join(q, 'protocol'), PROTOCOLS);
      const out: NonNullable<Packet['l4']> = { protocol };
      if (protocol === 'ICMP') out.icmpType = r.optional(lm, 'icmpType', q, (y, s) => r.oneOf(y, s, ['echo-request', 'echo-reply'] as const)) ?? 'echo-request';
      else {
        out.srcPort = r.int(r.req(lm, 'srcPort', q), join(q, 'srcPort'), 0, 65535);
        out.dstPort = r.int(r.req(lm, 'dstPort', q), join(q, 'dstPort'), 0, 65535);
        const flags = r.optional(lm, 'tcpFlags', q, (y, s) => r.seq(y, s).map((f, i) => r.oneOf(f, join(s, i), ['SYN', 'ACK', 'FIN', 'RST', 'PSH'] as const)));
        if (flags && protocol === 'TCP') out.tcpFlags = flags;
      }
      return out;
    });
    if (!l4) r.fail(m, join(p, 'l4'), 'an l4 header (protocol TCP, UDP or ICMP)', "missing field 'l4'");
    pkt.l4 = l4;
    pkt.ipv4.protocol = l4.protocol;
  }
  const mark = r.optional(m, 'mark', p, (x, q) => r.int(x, q, 0, 0xffffffff));
  if (mark !== undefined) pkt.mark = mark;
  const length = r.optional(m, 'length', p, (x, q) => r.int(x, q, 14, 65535));
  if (length !== undefined) pkt.length = length;
  return pkt;
}

export function readExpect(r: Reader, n: YamlNode, p: string): Expectation {
  const m = r.map(n, p, ['returnCode', 'dropReason', 'redirect', 'packet', 'metrics', 'disposition']);
  const e: Expectation = {};
  const rc = r.optional(m, 'returnCode', p, (x, q) => {
    if (isScalar(x) && (x.value === 'CTX_ACT_OK' || x.value === 'CTX_ACT_DROP' || x.value === 'CTX_ACT_REDIRECT' || x.value === 'CTX_ACT_TX' || typeof x.value === 'number')) return x.value as string | number;
    return r.fail(x, q, 'CTX_ACT_OK, CTX_ACT_DROP, CTX_ACT_REDIRECT, CTX_ACT_TX or a number');
  });
  if (rc !== undefined) e.returnCode = rc;
  const drop = r.optional(m, 'dropReason', p, (x, q) => {
    const v = isScalar(x) ? x.value : undefined;
    if ((typeof v === 'string' || typeof v === 'number') && dropReasonFrom(v)) return v;
    return r.fail(x, q, 'a drop reason: macro (DROP_POLICY), code (-133) or name ("Policy denied")');
  });
  if (drop !== undefined) e.dropReason = drop;
  const redirect = r.optional(m, 'redirect', p, (x, q) => {
    const rm = r.map(x, q, ['ifindex', 'direction']);
    const out: NonNullable<Expectation['redirect']> = {};
    const i = r.optional(rm, 'ifindex', q, (y, s) => r.int(y, s, 1, 65535));
    if (i !== undefined) out.ifindex = i;
    const d = r.optional(rm, 'direction', q, (y, s) => r.oneOf(y, s, ['ingress', 'egress'] as const));
    if (d) out.direction = d;
    return out;
  });
  if (redirect) e.redirect = redirect;
  const packet = r.optional(m, 'packet', p, (x, q) => {
    const pm = r.map(x, q, ['eth', 'ipv4']);
    const out: NonNullable<Expectation['packet']> = {};
    const eth = r.optional(pm, 'eth', q, (y, s) => {
      const em = r.map(y, s, ['src', 'dst']);
      const o: { src?: string; dst?: string } = {};
      const src = r.optional(em, 'src', s, (z, t) => r.mac(z, t)); if (src) o.src = src;
      const dst = r.optional(em, 'dst', s, (z, t) => r.mac(z, t)); if (dst) o.dst = dst;
      return o;
    });
    if (eth) out.eth = eth;
    const ip = r.optional(pm, 'ipv4', q, (y, s) => {
      const im = r.map(y, s, ['src', 'dst', 'ttl']);
      const o: { src?: string; dst?: string; ttl?: number } = {};
      const src = r.optional(im, 'src', s, (z, t) => r.ip(z, t)); if (src) o.src = src;
      const dst = r.optional(im, 'dst', s, (z, t) => r.ip(z, t)); if (dst) o.dst = dst;
      const ttl = r.optional(im, 'ttl', s, (z, t) => r.int(z, t, 0, 255)); if (ttl !== undefined) o.ttl = ttl;
      return o;
    });
    if (ip) out.ipv4 = ip;
    return out;
  });
  if (packet) e.packet = packet;
  const metrics = r.optional(m, 'metrics', p, (x, q) => r.seq(x, q).map((y, i) => {
    const s = join(q, i);
    const mm = r.map(y, s, ['reason', 'direction', 'packets', 'bytes', 'node']);
    const reasonNode = r.req(mm, 'reason', s);
    const rv = isScalar(reasonNode) ? reasonNode.value : undefined;
    if (!(typeof rv === 'number' || rv === 'forwarded' || rv === 'plaintext' || (typeof rv === 'string' && dropReasonFrom(rv)))) {
      r.fail(reasonNode, join(s, 'reason'), 'forwarded, plaintext, a drop macro (DROP_POLICY) or a reason number');
    }
    const bytes = r.optional(mm, 'bytes', s, (z, t) => r.int(z, t, 0));
    const node = r.optional(mm, 'node', s, (z, t) => r.str(z, t));
    return { reason: rv as string | number, direction: r.oneOf(r.req(mm, 'direction', s), join(s, 'direction'), ['ingress', 'egress'] as const),
      packets: r.int(r.req(mm, 'packets', s), join(s, 'packets'), 0), ...(bytes !== undefined && { bytes }), ...(node && { node }) };
  }));
  if (metrics) e.metrics = metrics;
  const disp = r.optional(m, 'disposition', p, (x, q) => r.oneOf(x, q, ['delivered', 'sent-to-world', 'dropped', 'replied', 'returned'] as const));
  if (disp) e.disposition = disp;
  return e;
}
