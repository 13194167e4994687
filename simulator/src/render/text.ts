// The text view a person reads first: hops as headers, steps indented, map lookups and packet changes shown.
import type { MapLookup, Packet, Trace } from '../trace';

function fmtPacket(p: Packet): string {
  if (p.arp) return `ARP ${p.arp.op} ${p.arp.senderIp}(${p.arp.senderMac}) → ${p.arp.targetIp}(${p.arp.targetMac}) | eth ${p.eth.src} → ${p.eth.dst}`;
  const ip = p.ipv4;
  const l4 = p.l4 ? (p.l4.protocol === 'ICMP' ? ` ICMP ${p.l4.icmpType ?? ''}` : ` ${p.l4.protocol} ${p.l4.srcPort}→${p.l4.dstPort}`) : '';
  const inner = `eth ${p.eth.src} → ${p.eth.dst} | ${ip ? `${ip.src} → ${ip.dst} ttl ${ip.ttl}` : p.eth.ethertype}${l4}`;
  if (!p.outer) return inner;
  const o = p.outer;
  return `[outer eth ${o.eth.src} → ${o.eth.dst} | ${o.ipv4.src} → ${o.ipv4.dst} UDP ${o.udp.srcPort}→${o.udp.dstPort} ${o.tunnel.kind} VNI ${o.tunnel.vni}] ${inner}`;
}

function fmtLookup(l: MapLookup): string {
  const key = Object.entries(l.key).map(([k, v]) => `${k}=${v}`).join(' ');
  const result = l.result ? Object.entries(l.result).map(([k, v]) => `${k}=${v}`).join(' ') : 'miss';
  return `${l.op ?? 'lookup'} ${l.map} [${key}] → ${result}${l.note ? `  (${l.note})` : ''}`;
}

export function renderText(t: Trace): string {
  const out: string[] = [`scenario ${t.scenario} (mode ${t.mode})`, ''];
  for (const hop of t.hops) {
    out.push(`== ${hop.node} ${hop.device} [${hop.hook}]${hop.program ? ` ${hop.program}` : ''}`);
    for (const s of hop.steps) {
      const where = s.source.call ? `${s.source.function} → ${s.source.call}` : s.source.function;
      out.push(`  #${s.index} ${where}${s.kernel ? ' (kernel)' : ''}: ${s.summary}`);
      for (const l of s.lookups ?? []) out.push(`       map: ${fmtLookup(l)}`);
      if (s.notification) {
        const n = s.notification;
        if (n.type === 'trace') out.push(`       trace: ${n.observationPoint} identity ${n.srcIdentity}->${n.dstIdentity}`);
        if (n.type === 'drop') out.push(`       drop: ${n.dropReason!.name} (${n.dropReason!.code}) identity ${n.srcIdentity}->${n.dstIdentity}`);
      }
      if (s.returnCode) out.push(`       returns ${s.returnCode.name} (${s.returnCode.value})`);
      if (s.packetBefore && s.packetAfter && s.packetBefore !== s.packetAfter) {
        out.push(`       packet: ${fmtPacket(s.packetBefore)}`);
        out.push(`           →   ${fmtPacket(s.packetAfter)}`);
      }
    }
    out.push('');
  }
  const d = t.disposition;
  switch (d.kind) {
    case 'delivered': out.push(`RESULT: delivered to ${d.to} ${d.target} on ${d.node}`); break;
    case 'sent-to-world': out.push(`RESULT: sent to the world from ${d.node} ${d.device}`); break;
    case 'dropped': out.push(`RESULT: dropped on ${d.node}: ${d.reason.name} (${d.reason.code}) in ${d.at.function}`); break;
    case 'replied': out.push(`RESULT: answered; reply delivered to ${d.target} on ${d.node}`); break;
    case 'returned': out.push(`RESULT: returned ${d.returnCode.name} (${d.returnCode.value})`); break;
  }
  if (t.program) {
    const p = t.program;
    out.push(`  output packet: ${fmtPacket(p.packet)}`);
    if (p.redirect) out.push(`  redirect: ${p.redirect.ifname} ifindex ${p.redirect.ifindex} ${p.redirect.direction} (${p.redirect.helper})`);
    if (p.dropReason) out.push(`  drop reason: ${p.dropReason.name} (${p.dropReason.code})`);
    if (p.tailCalls.length) out.push(`  tail calls: ${p.tailCalls.join(' → ')}`);
  }
  if (t.metrics?.length) {
    out.push('  metrics (cilium_metrics):');
    for (const m of t.metrics) out.push(`    ${m.node} reason ${m.reason} (${m.reasonName}) ${m.direction}: ${m.packets} packets, ${m.bytes} bytes`);
  }
  if (t.expectations?.length) {
    out.push('  expectations:');
    for (const e of t.expectations) out.push(`    ${e.ok ? 'ok  ' : 'FAIL'} ${e.field}: expected ${e.expected}, got ${e.actual}`);
  }
  return out.join('\n') + '\n';
}
