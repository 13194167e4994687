// Turns a Packet into labelled rows and marks what a step changed, so the inspector can highlight a MAC
// rewrite, a TTL decrement or an encapsulation without knowing which step did it.
import type { Packet } from '../../simulator/src/trace';

export interface PacketRow {
  /** Stable key, e.g. "eth.dst", "outer.tunnel.vni". */
  key: string;
  section: string;
  field: string;
  value: string;
}

export interface PacketSection {
  name: string;
  title: string;
  rows: PacketRow[];
}

export type Change = { kind: 'changed'; before: string } | { kind: 'added' };

const SECTION_TITLES: Record<string, string> = {
  outer: 'Outer headers (encapsulation)',
  eth: 'Ethernet',
  arp: 'ARP',
  ipv4: 'IPv4',
  l4: 'L4',
  meta: 'Metadata',
};

function scalarText(v: unknown): string {
  if (Array.isArray(v)) return v.map(scalarText).join(', ');
  return v === null || v === undefined ? '—' : String(v);
}

function rowsOf(section: string, prefix: string, value: Record<string, unknown>, out: PacketRow[]): void {
  for (const [field, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const name = prefix ? `${prefix}.${field}` : field;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) rowsOf(section, name, v as Record<string, unknown>, out);
    else out.push({ key: `${section}.${name}`, section, field: name, value: scalarText(v) });
  }
}

export function packetSections(p: Packet): PacketSection[] {
  const sections: PacketSection[] = [];
  const add = (name: string, value: unknown) => {
    if (typeof value !== 'object' || value === null) return;
    const rows: PacketRow[] = [];
    rowsOf(name, '', value as Record<string, unknown>, rows);
    sections.push({ name, title: SECTION_TITLES[name] ?? name, rows });
  };
  add('outer', p.outer);
  add('eth', p.eth);
  add('arp', p.arp);
  add('ipv4', p.ipv4);
  add('l4', p.l4);
  const meta: Record<string, unknown> = {};
  if (p.mark !== undefined) meta.mark = `0x${p.mark.toString(16)}`;
  if (p.length !== undefined) meta.length = p.length;
  if (Object.keys(meta).length) add('meta', meta);
  return sections;
}

/** Per-row change of `after` relative to `before` (rows absent from `before` are "added"). */
export function diffPackets(before: Packet | undefined, after: Packet): Map<string, Change> {
  const changes = new Map<string, Change>();
  if (!before) return changes;
  const old = new Map(packetSections(before).flatMap((s) => s.rows).map((r) => [r.key, r.value]));
  for (const row of packetSections(after).flatMap((s) => s.rows)) {
    const was = old.get(row.key);
    if (was === undefined) changes.set(row.key, { kind: 'added' });
    else if (was !== row.value) changes.set(row.key, { kind: 'changed', before: was });
  }
  return changes;
}

/** Sections present before and gone after (decapsulation, ARP consumed…). */
export function removedSections(before: Packet | undefined, after: Packet): string[] {
  if (!before) return [];
  const now = new Set(packetSections(after).map((s) => s.name));
  return packetSections(before).filter((s) => !now.has(s.name)).map((s) => s.title);
}
