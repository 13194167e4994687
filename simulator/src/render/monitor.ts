// `cilium monitor`-style lines for the trace and drop events of a Trace, and Hubble flow JSON
// (flow.Flow field names) so output can be set beside what a real cluster prints.
import { identityName, TRACE_POINTS } from '../constants';
import type { Hop, Packet, Step, Trace } from '../trace';

function summaryOf(p: Packet | undefined): string {
  if (!p) return '';
  if (p.arp) return `ARP ${p.arp.op} ${p.arp.senderIp} → ${p.arp.targetIp}`;
  const ip = p.ipv4;
  if (!ip) return p.eth.ethertype;
  const l4 = p.l4;
  if (!l4 || l4.protocol === 'ICMP') return `${ip.src} -> ${ip.dst} ${l4?.icmpType === 'echo-reply' ? 'EchoReply' : 'EchoRequest'}`;
  return `${ip.src}:${l4.srcPort} -> ${ip.dst}:${l4.dstPort} ${l4.protocol.toLowerCase()}${l4.tcpFlags?.length ? ` ${l4.tcpFlags.join(', ')}` : ''}`;
}

function events(t: Trace): Array<{ hop: Hop; step: Step }> {
  const out: Array<{ hop: Hop; step: Step }> = [];
  for (const hop of t.hops) for (const step of hop.steps) if (step.notification && (step.notification.type === 'trace' || step.notification.type === 'drop')) out.push({ hop, step });
  return out;
}

export function renderMonitor(t: Trace): string {
  const lines: string[] = [];
  for (const { hop, step } of events(t)) {
    const n = step.notification!;
    const pkt = step.packetAfter ?? step.packetBefore;
    const ids = `identity ${identityName(n.srcIdentity ?? 0)}->${identityName(n.dstIdentity ?? 0)}`;
    if (n.type === 'drop') {
      lines.push(`xx drop (${n.dropReason!.name}) flow 0x0 to endpoint ${n.endpointId ?? 0}, ifindex ${n.ifindex ?? 0}, file ${step.source.fileHint ?? '?'}, , ${ids}: ${summaryOf(pkt)}   [${hop.node}]`);
    } else {
      const tp = Object.values(TRACE_POINTS).find((p) => p.name === n.observationPoint);
      const what: string = tp?.monitor ?? n.observationPoint ?? 'trace';
      const ep = what.endsWith('endpoint') ? ` ${n.endpointId ?? 0}` : '';
      lines.push(`${what}${ep} flow 0x0 , ${ids} state new ifindex ${n.ifindex ?? 0} orig-ip 0.0.0.0: ${summaryOf(pkt)}   [${hop.node}]`);
    }
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

export function hubbleFlows(t: Trace): unknown[] {
  return events(t).map(({ hop, step }) => {
    const n = step.notification!;
    const pkt = step.packetAfter ?? step.packetBefore;
    const tp = Object.values(TRACE_POINTS).find((p) => p.name === n.observationPoint);
    const l4 = pkt?.l4;
    const flow: Record<string, unknown> = {
      verdict: n.type === 'drop' ? 'DROPPED' : 'FORWARDED',
      ethernet: pkt ? { source: pkt.eth.src, destination: pkt.eth.dst } : undefined,
      IP: pkt?.ipv4 ? { source: pkt.ipv4.src, destination: pkt.ipv4.dst, ipVersion: 'IPv4' } : undefined,
      l4: l4 ? (l4.protocol === 'ICMP' ? { ICMPv4: { type: l4.icmpType === 'echo-reply' ? 0 : 8 } } : { [l4.protocol]: { source_port: l4.srcPort, destination_port: l4.dstPort, ...(l4.tcpFlags && { flags: Object.fromEntries(l4.tcpFlags.map((f) => [f, true])) }) } }) : undefined,
      source: { identity: n.srcIdentity ?? 0 },
      destination: { identity: n.dstIdentity ?? 0 },
      Type: 'L3_L4',
      node_name: hop.node,
      event_type: { type: n.type === 'drop' ? 1 : 4 },
      is_reply: false,
      interface: { index: n.ifindex ?? 0, name: hop.device },
      Summary: summaryOf(pkt),
    };
    if (n.type === 'drop') {
      flow.drop_reason = -(n.dropReason!.code);
      flow.drop_reason_desc = dropDesc(n.dropReason!.name);
    } else flow.trace_observation_point = tp?.hubble ?? 'UNKNOWN_POINT';
    return flow;
  });
}

/** Hubble's DropReason enum names (POLICY_DENIED, POLICY_DENY, …) for the reasons the model emits. */
function dropDesc(name: string): string {
  const table: Record<string, string> = {
    'Policy denied': 'POLICY_DENIED', 'Policy denied by denylist': 'POLICY_DENY', 'Unsupported L3 protocol': 'UNSUPPORTED_L3_PROTOCOL',
    'TTL exceeded': 'TTL_EXCEEDED', 'FIB lookup failed': 'FIB_LOOKUP_FAILED', 'Missed tail call': 'MISSED_TAIL_CALL', 'Invalid packet': 'INVALID_PACKET_DROPPED',
  };
  return table[name] ?? name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
