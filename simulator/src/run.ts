// Runs a scenario: builds the World, walks the packet (path) or calls one entry program (program),
// then gathers metrics and checks the scenario's `expect` block.
import { CTX_ACT_DROP, CTX_ACT_OK, CTX_ACT_REDIRECT, CTX_ACT_TX, dropReasonFrom, REASON_FORWARDED, REASON_PLAINTEXT } from './constants';
import { type PathStart, pathStart, walk } from './engine';
import { type Exec, metricsKeyParts, type ProgramInstance } from './exec';
import { clonePacket, modeOfConfig, type ModeName, packetLength, type World } from './model';
import { cil_lxc_policy } from './programs/delivery';
import { cil_from_host, cil_from_netdev, cil_from_overlay, cil_to_host, cil_to_netdev } from './programs/host';
import { cil_from_container } from './programs/lxc';
import { Recorder } from './recorder';
import type { Expectation, PathScenario, ProgramScenario } from './scenario';
import { buildPathWorld, buildProgramWorld, effectiveConfig } from './topology';
import type { ExpectationResult, MetricRecord, ReturnCode, Trace } from './trace';

export function runPath(s: PathScenario, mode: ModeName | undefined, snapshots: boolean, record = true): Trace {
  return preparePath(s, mode).run(snapshots, record);
}

/** Builds the world once; each run() sends one more packet through it (conntrack and metrics persist, as on a node). */
export function preparePath(s: PathScenario, mode: ModeName | undefined): { world: World; run(snapshots: boolean, record?: boolean): Trace } {
  const config = effectiveConfig(s, mode);
  const world = buildPathWorld(s, config);
  const start = pathStart(world, s.packet);
  return { world, run: (snapshots, record = true) => walkOnce(s, world, start, config, snapshots, record) };
}

function walkOnce(s: PathScenario, world: World, start: PathStart, config: ReturnType<typeof effectiveConfig>, snapshots: boolean, record: boolean): Trace {
  const rec = record ? new Recorder(snapshots) : Recorder.OFF;
  const disposition = walk(world, start, rec);
  const trace: Trace = { scenario: s.name, mode: modeOfConfig(config), hops: rec.hops, disposition };
  if (!record) return trace;
  trace.metrics = collectMetrics(world);
  if (s.expect) trace.expectations = checkExpectations(s.expect, trace);
  return trace;
}

const RETURN_CODES: ReturnCode[] = [CTX_ACT_OK, CTX_ACT_DROP, CTX_ACT_REDIRECT, CTX_ACT_TX];

export function runProgram(s: ProgramScenario, mode: ModeName | undefined, snapshots: boolean, record = true): Trace {
  const config = effectiveConfig(s, mode);
  const world = buildProgramWorld(s, config);
  const p = s.program;
  const node = world.nodes[0];
  const pkt = clonePacket(p.packet);
  if (pkt.length === undefined) pkt.length = packetLength(pkt);
  const rec = new Recorder(snapshots, record);
  const hook = p.entry === 'cil_from_host' || p.entry === 'cil_to_netdev' ? 'tc-egress' : 'tc-ingress';
  rec.hop(node.name, p.device.name, hook, p.entry);
  rec.before(pkt);
  const x: Exec = { world, node, pkt, rec, srcLabel: p.meta.srcIdentity ?? 0, fromHost: p.meta.fromHost ?? false, fromTunnel: false, tailCalls: [] };
  if (p.meta.tunnelIdentity !== undefined) x.tunnelIdentity = p.meta.tunnelIdentity;
  const inst: ProgramInstance = { lxcId: p.endpoint?.id ?? 0, identity: p.endpoint?.identity ?? 0, ifindex: p.device.ifindex, ifname: p.device.name, mac: p.device.mac, ...(p.endpoint?.ip && { ip: p.endpoint.ip }) };
  // The program's own device is what ctx_redirect to THIS_INTERFACE resolves to.
  if (p.entry === 'cil_from_netdev' || p.entry === 'cil_to_netdev') node.nic = { ...node.nic, name: p.device.name, ifindex: p.device.ifindex, mac: p.device.mac };
  let ret: number;
  switch (p.entry) {
    case 'cil_from_container': ret = cil_from_container(x, inst); break;
    case 'cil_lxc_policy': ret = cil_lxc_policy(x, inst); break;
    case 'cil_from_netdev': ret = cil_from_netdev(x); break;
    case 'cil_from_host': ret = cil_from_host(x); break;
    case 'cil_to_netdev': ret = cil_to_netdev(x); break;
    case 'cil_to_host': ret = cil_to_host(x, x.srcLabel); break;
    case 'cil_from_overlay': ret = cil_from_overlay(x); break;
  }
  const returnCode = RETURN_CODES.find((r) => r.value === ret) ?? { name: String(ret), value: ret };
  const trace: Trace = {
    scenario: s.name, mode: modeOfConfig(config), hops: rec.hops,
    disposition: { kind: 'returned', returnCode },
    metrics: collectMetrics(world),
    program: {
      program: p.entry, returnCode, packet: clonePacket(pkt), tailCalls: x.tailCalls ?? [],
      ...(x.redirect && { redirect: x.redirect }),
      ...(x.drop && { dropReason: { name: x.drop.name, code: x.drop.code } }),
    },
  };
  if (s.expect) trace.expectations = checkExpectations(s.expect, trace);
  return trace;
}

function reasonName(reason: number): string {
  if (reason === REASON_FORWARDED) return 'Forwarded';
  if (reason === REASON_PLAINTEXT) return 'Plaintext';
  return dropReasonFrom(-reason)?.name ?? `reason ${reason}`;
}

function collectMetrics(world: World): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (const node of world.nodes) {
    for (const [key, v] of node.maps.metrics) {
      const { reason, dir } = metricsKeyParts(key);
      out.push({ node: node.name, reason, reasonName: reasonName(reason), direction: dir === 1 ? 'ingress' : 'egress', packets: v.packets, bytes: v.bytes });
    }
  }
  return out;
}

function metricReason(r: string | number): number {
  if (typeof r === 'number') return r < 0 ? -r : r;
  if (r === 'forwarded') return REASON_FORWARDED;
  if (r === 'plaintext') return REASON_PLAINTEXT;
  return -(dropReasonFrom(r)?.code ?? 0);
}

export function checkExpectations(e: Expectation, t: Trace): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const add = (field: string, expected: unknown, actual: unknown) => out.push({ field, expected: String(expected), actual: String(actual), ok: String(expected) === String(actual) });
  const rc = t.program?.returnCode ?? (t.disposition.kind === 'dropped' ? CTX_ACT_DROP : undefined);
  if (e.returnCode !== undefined) add('returnCode', typeof e.returnCode === 'number' ? e.returnCode : e.returnCode, rc ? (typeof e.returnCode === 'number' ? rc.value : rc.name) : 'none');
  if (e.dropReason !== undefined) {
    const want = dropReasonFrom(e.dropReason);
    const got = t.program?.dropReason ?? (t.disposition.kind === 'dropped' ? t.disposition.reason : undefined);
    add('dropReason', want ? `${want.name} (${want.code})` : e.dropReason, got ? `${got.name} (${got.code})` : 'none');
  }
  if (e.redirect) {
    const got = t.program?.redirect ?? lastRedirect(t);
    if (e.redirect.ifindex !== undefined) add('redirect.ifindex', e.redirect.ifindex, got?.ifindex ?? 'none');
    if (e.redirect.direction) add('redirect.direction', e.redirect.direction, got?.direction ?? 'none');
  }
  if (e.packet) {
    const pkt = t.program?.packet ?? lastPacket(t);
    if (e.packet.eth?.src) add('packet.eth.src', e.packet.eth.src, pkt?.eth.src);
    if (e.packet.eth?.dst) add('packet.eth.dst', e.packet.eth.dst, pkt?.eth.dst);
    if (e.packet.ipv4?.src) add('packet.ipv4.src', e.packet.ipv4.src, pkt?.ipv4?.src);
    if (e.packet.ipv4?.dst) add('packet.ipv4.dst', e.packet.ipv4.dst, pkt?.ipv4?.dst);
    if (e.packet.ipv4?.ttl !== undefined) add('packet.ipv4.ttl', e.packet.ipv4.ttl, pkt?.ipv4?.ttl);
  }
  for (const m of e.metrics ?? []) {
    const reason = metricReason(m.reason);
    const found = (t.metrics ?? []).filter((r) => r.reason === reason && r.direction === m.direction && (!m.node || r.node === m.node));
    const packets = found.reduce((a, r) => a + r.packets, 0);
    add(`metrics[${reason},${m.direction}].packets`, m.packets, packets);
    if (m.bytes !== undefined) add(`metrics[${reason},${m.direction}].bytes`, m.bytes, found.reduce((a, r) => a + r.bytes, 0));
  }
  if (e.disposition) add('disposition', e.disposition, t.disposition.kind);
  return out;
}

function lastRedirect(t: Trace) {
  for (let h = t.hops.length - 1; h >= 0; h--) for (let i = t.hops[h].steps.length - 1; i >= 0; i--) if (t.hops[h].steps[i].redirect) return t.hops[h].steps[i].redirect;
  return undefined;
}

function lastPacket(t: Trace) {
  const hop = t.hops[t.hops.length - 1];
  return hop?.steps[hop.steps.length - 1]?.packetAfter;
}
