// Scenario files (JSON or YAML, JSON being YAML) → Scenario, validating every field. A bad field
// throws ScenarioError with the file, line:column, field path (nodes[1].pods[0].ip) and what was expected.
import { isScalar, LineCounter, type Node as YamlNode, parseDocument, type YAMLMap } from 'yaml';
import { isIPv4, type DatapathConfig, type ModeName } from './model';
import { readExpect, readProgram } from './parse-program';
import { type Json, join, Reader, ScenarioError } from './parse-reader';
import type { NodeSpec, PathPacket, PodSpec, PolicyRule, PolicySpec, PortSpec, Scenario, Selector } from './scenario';

export { ScenarioError } from './parse-reader';

const MODES: ModeName[] = ['vxlan', 'geneve', 'native', 'native-host-routing'];

export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lc.linePos(e.pos[0]);
    throw new ScenarioError(file, '', 'valid JSON or YAML', pos.line, pos.col, e.message.split('\n')[0]);
  }
  const r = new Reader(file, lc);
  const root = doc.contents as Json;
  const top = r.map(root, '', ['name', 'title', 'description', 'kind', 'mode', 'config', 'nodes', 'policies', 'packet', 'program', 'expect']);
  const name = r.str(r.req(top, 'name', ''), 'name', (s) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s), 'a name of letters, digits, ".", "_" or "-"');
  const title = r.optional(top, 'title', '', (n, p) => r.str(n, p)) ?? name;
  const description = r.optional(top, 'description', '', (n, p) => r.str(n, p));
  const kind = r.oneOf(r.req(top, 'kind', ''), 'kind', ['path', 'program'] as const);
  const mode = r.optional(top, 'mode', '', (n, p) => r.oneOf(n, p, MODES));
  const config = r.optional(top, 'config', '', (n, p) => readConfig(r, n, p));
  const expect = r.optional(top, 'expect', '', (n, p) => readExpect(r, n, p));
  const base = { name, title, ...(description !== undefined && { description }), ...(mode && { mode }), ...(config && { config }), ...(expect && { expect }) };
  if (kind === 'path') {
    for (const k of ['program']) if (r.has(top, k)) r.fail(r.get(top, k), k, 'no such field in a path scenario', "'program' belongs to kind: program");
    const nodes = r.seq(r.req(top, 'nodes', ''), 'nodes').map((n, i) => readNode(r, n, join('nodes', i)));
    if (!nodes.length) r.fail(r.get(top, 'nodes'), 'nodes', 'at least one node');
    const policies = r.optional(top, 'policies', '', (n, p) => r.seq(n, p).map((x, i) => readPolicy(r, x, join(p, i)))) ?? [];
    const packet = readPathPacket(r, r.req(top, 'packet', ''), 'packet');
    const scenario: Scenario = { kind: 'path', ...base, nodes, policies, packet };
    checkPathReferences(r, scenario, top);
    return scenario;
  }
  for (const k of ['nodes', 'policies', 'packet']) if (r.has(top, k)) r.fail(r.get(top, k), k, 'no such field in a program scenario', `put the packet and maps under 'program'`);
  return { kind: 'program', ...base, program: readProgram(r, r.req(top, 'program', ''), 'program') };
}

function readConfig(r: Reader, n: YamlNode, p: string): Partial<DatapathConfig> {
  const m = r.map(n, p, ['tunnel', 'autoDirectNodeRoutes', 'ipv4NativeRoutingCIDR', 'bpfHostRouting', 'masquerade']);
  const c: Partial<DatapathConfig> = {};
  const tunnel = r.optional(m, 'tunnel', p, (x, q) => r.oneOf(x, q, ['vxlan', 'geneve', 'disabled'] as const));
  if (tunnel) c.tunnel = tunnel;
  const adr = r.optional(m, 'autoDirectNodeRoutes', p, (x, q) => r.bool(x, q));
  if (adr !== undefined) c.autoDirectNodeRoutes = adr;
  const cidr = r.optional(m, 'ipv4NativeRoutingCIDR', p, (x, q) => r.cidr(x, q));
  if (cidr) c.ipv4NativeRoutingCIDR = cidr;
  const hr = r.optional(m, 'bpfHostRouting', p, (x, q) => r.bool(x, q));
  if (hr !== undefined) c.bpfHostRouting = hr;
  const masq = r.optional(m, 'masquerade', p, (x, q) => r.bool(x, q));
  if (masq !== undefined) c.masquerade = masq;
  return c;
}

function readNode(r: Reader, n: YamlNode, p: string): NodeSpec {
  const m = r.map(n, p, ['name', 'nic', 'ciliumHost', 'podCIDR', 'gateway', 'pods']);
  const nicM = r.map(r.req(m, 'nic', p), join(p, 'nic'), ['name', 'ip', 'mac', 'ifindex']);
  const np = join(p, 'nic');
  const hostM = r.map(r.req(m, 'ciliumHost', p), join(p, 'ciliumHost'), ['ip', 'mac', 'ifindex']);
  const hp = join(p, 'ciliumHost');
  const pods = r.optional(m, 'pods', p, (x, q) => r.seq(x, q).map((y, i) => readPod(r, y, join(q, i)))) ?? [];
  const gateway = r.optional(m, 'gateway', p, (x, q) => r.ip(x, q));
  return {
    name: r.str(r.req(m, 'name', p), join(p, 'name')),
    nic: { name: r.str(r.req(nicM, 'name', np), join(np, 'name')), ip: r.ip(r.req(nicM, 'ip', np), join(np, 'ip')), mac: r.mac(r.req(nicM, 'mac', np), join(np, 'mac')),
      ifindex: r.optional(nicM, 'ifindex', np, (x, q) => r.int(x, q, 1, 65535)) ?? 2 },
    ciliumHost: { ip: r.ip(r.req(hostM, 'ip', hp), join(hp, 'ip')), mac: r.mac(r.req(hostM, 'mac', hp), join(hp, 'mac')),
      ifindex: r.optional(hostM, 'ifindex', hp, (x, q) => r.int(x, q, 1, 65535)) ?? 4 },
    podCIDR: r.cidr(r.req(m, 'podCIDR', p), join(p, 'podCIDR')),
    ...(gateway && { gateway }),
    pods,
  };
}

function readPod(r: Reader, n: YamlNode, p: string): PodSpec {
  const m = r.map(n, p, ['name', 'ip', 'mac', 'lxc', 'endpointId', 'labels', 'identity']);
  const lp = join(p, 'lxc');
  const lxc = r.map(r.req(m, 'lxc', p), lp, ['name', 'ifindex', 'mac']);
  const identity = r.optional(m, 'identity', p, (x, q) => r.int(x, q, 1, 16777215));
  return {
    name: r.str(r.req(m, 'name', p), join(p, 'name')),
    ip: r.ip(r.req(m, 'ip', p), join(p, 'ip')),
    mac: r.mac(r.req(m, 'mac', p), join(p, 'mac')),
    lxc: { name: r.str(r.req(lxc, 'name', lp), join(lp, 'name')), ifindex: r.int(r.req(lxc, 'ifindex', lp), join(lp, 'ifindex'), 1, 65535), mac: r.mac(r.req(lxc, 'mac', lp), join(lp, 'mac')) },
    endpointId: r.int(r.req(m, 'endpointId', p), join(p, 'endpointId'), 1, 65535),
    labels: r.optional(m, 'labels', p, (x, q) => r.labels(x, q)) ?? {},
    ...(identity !== undefined && { identity }),
  };
}

function readSelector(r: Reader, n: YamlNode, p: string): Selector {
  const m = r.map(n, p, ['matchLabels']);
  return { matchLabels: r.optional(m, 'matchLabels', p, (x, q) => r.labels(x, q)) ?? {} };
}

const ENTITIES = ['world', 'host', 'remote-node', 'cluster', 'all'] as const;

function readRule(r: Reader, n: YamlNode, p: string, dir: 'ingress' | 'egress'): PolicyRule {
  const peerSel = dir === 'ingress' ? 'fromEndpoints' : 'toEndpoints';
  const peerEnt = dir === 'ingress' ? 'fromEntities' : 'toEntities';
  const m = r.map(n, p, [peerSel, peerEnt, 'toPorts']);
  const rule: PolicyRule = {};
  const sels = r.optional(m, peerSel, p, (x, q) => r.seq(x, q).map((y, i) => readSelector(r, y, join(q, i))));
  if (sels) rule[peerSel] = sels;
  const ents = r.optional(m, peerEnt, p, (x, q) => r.seq(x, q).map((y, i) => r.oneOf(y, join(q, i), ENTITIES)));
  if (ents) rule[peerEnt] = ents;
  const ports = r.optional(m, 'toPorts', p, (x, q) => r.seq(x, q).flatMap((y, i) => readToPorts(r, y, join(q, i))));
  if (ports) rule.toPorts = ports;
  return rule;
}

function readToPorts(r: Reader, n: YamlNode, p: string): PortSpec[] {
  const m = r.map(n, p, ['ports']);
  return r.seq(r.req(m, 'ports', p), join(p, 'ports')).map((y, i) => {
    const q = join(join(p, 'ports'), i);
    const pm = r.map(y, q, ['port', 'endPort', 'protocol']);
    const portNode = r.req(pm, 'port', q);
    const raw = isScalar(portNode) ? portNode.value : undefined;
    const port = typeof raw === 'string' && /^\d+$/.test(raw) ? +raw : raw;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) r.fail(portNode, join(q, 'port'), 'a port number from 0 to 65535');
    const protocol = r.optional(pm, 'protocol', q, (x, s) => r.oneOf(x, s, ['TCP', 'UDP', 'ICMP', 'ANY'] as const)) ?? 'ANY';
    const endPort = r.optional(pm, 'endPort', q, (x, s) => r.int(x, s, port, 65535, `a port from ${port} (the start of the range) to 65535`));
    return { port, protocol, ...(endPort !== undefined && { endPort }) };
  });
}

function readPolicy(r: Reader, n: YamlNode, p: string): PolicySpec {
  const m = r.map(n, p, ['name', 'endpointSelector', 'ingress', 'ingressDeny', 'egress', 'egressDeny']);
  const pol: PolicySpec = { name: r.str(r.req(m, 'name', p), join(p, 'name')), endpointSelector: readSelector(r, r.req(m, 'endpointSelector', p), join(p, 'endpointSelector')) };
  for (const key of ['ingress', 'ingressDeny', 'egress', 'egressDeny'] as const) {
    const dir = key.startsWith('ingress') ? 'ingress' : 'egress';
    const rules = r.optional(m, key, p, (x, q) => r.seq(x, q).map((y, i) => readRule(r, y, join(q, i), dir)));
    if (rules) pol[key] = rules;
  }
  return pol;
}

function readPathPacket(r: Reader, n: YamlNode, p: string): PathPacket {
  const m = r.map(n, p, ['from', 'to', 'protocol', 'srcPort', 'dstPort', 'ttl', 'arpTarget']);
  const protocol = r.optional(m, 'protocol', p, (x, q) => r.oneOf(x, q, ['ICMP', 'TCP', 'UDP', 'ARP'] as const)) ?? 'ICMP';
  const pkt: PathPacket = {
    from: r.str(r.req(m, 'from', p), join(p, 'from')),
    to: protocol === 'ARP' ? (r.optional(m, 'to', p, (x, q) => r.str(x, q)) ?? '') : r.str(r.req(m, 'to', p), join(p, 'to')),
    protocol,
    ttl: r.optional(m, 'ttl', p, (x, q) => r.int(x, q, 1, 255)) ?? 64,
  };
  const sp = r.optional(m, 'srcPort', p, (x, q) => r.int(x, q, 1, 65535));
  const dp = r.optional(m, 'dstPort', p, (x, q) => r.int(x, q, 1, 65535));
  if ((protocol === 'TCP' || protocol === 'UDP') && dp === undefined) r.fail(m, join(p, 'dstPort'), `a destination port for ${protocol}`, "missing field 'dstPort'");
  if (sp !== undefined) pkt.srcPort = sp;
  if (dp !== undefined) pkt.dstPort = dp;
  const arpTarget = r.optional(m, 'arpTarget', p, (x, q) => r.ip(x, q));
  if (arpTarget) pkt.arpTarget = arpTarget;
  return pkt;
}

function checkPathReferences(r: Reader, s: Scenario & { kind: 'path' }, top: YAMLMap): void {
  const names = new Set<string>();
  s.nodes.forEach((node, i) => {
    for (const [label, v] of [['name', node.name], ...node.pods.map((pod) => ['pods.name', pod.name])]) {
      if (names.has(v)) r.fail((r.get(top, 'nodes') as { items: YamlNode[] }).items[i], `nodes[${i}].${label}`, 'names unique across nodes and pods', `'${v}' is used twice`);
      names.add(v);
    }
  });
  const pm = r.get(top, 'packet') as YAMLMap;
  if (!names.has(s.packet.from)) r.fail(r.get(pm, 'from'), 'packet.from', `the name of a pod or node (${[...names].join(', ')})`, `'${s.packet.from}' is not defined`);
  if (s.packet.protocol !== 'ARP' && !names.has(s.packet.to) && !isIPv4(s.packet.to)) {
    r.fail(r.get(pm, 'to'), 'packet.to', 'the name of a pod or node, or an IPv4 address', `'${s.packet.to}' is not defined`);
  }
}
