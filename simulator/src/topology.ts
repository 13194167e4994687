// Builds the World a scenario describes: for path scenarios, the state the agent would have written
// (identities from labels, ipcache, endpoint map, routes, policy maps compiled from the policies);
// for program scenarios, the map state given literally.
import { FIRST_ALLOCATED_IDENTITY, HOST_ID, REMOTE_NODE_ID, WORLD_ID } from './constants';
import {
  configForMode, type DatapathConfig, emptyMaps, type EndpointEntry, type ModeName, type NodeState, type PolicyEntry, PROTO_NUMBER, sortIpcache, type World,
} from './model';
import type { PathScenario, PolicyRule, PolicySpec, ProgramScenario, Selector } from './scenario';

export function effectiveConfig(s: { mode?: ModeName; config?: Partial<DatapathConfig> }, modeOverride?: ModeName): DatapathConfig {
  if (modeOverride) return configForMode(modeOverride);
  return { ...configForMode(s.mode ?? 'vxlan'), ...s.config };
}

const labelKey = (labels: Record<string, string>) => Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');

/** Identities from label sets: pods with equal labels share one; numbering starts where the agent's does. */
function allocateIdentities(s: PathScenario): Map<string, number> {
  const ids = new Map<string, number>();
  for (const node of s.nodes) for (const pod of node.pods) if (pod.identity !== undefined) ids.set(labelKey(pod.labels), pod.identity);
  const used = new Set(ids.values());
  let next = FIRST_ALLOCATED_IDENTITY;
  const keys = [...new Set(s.nodes.flatMap((n) => n.pods.map((p) => labelKey(p.labels))))].sort();
  for (const key of keys) {
    if (ids.has(key)) continue;
    while (used.has(next)) next++;
    ids.set(key, next);
    used.add(next);
  }
  return ids;
}

const matches = (sel: Selector, labels: Record<string, string>) => Object.entries(sel.matchLabels).every(([k, v]) => labels[k] === v);

export function buildPathWorld(s: PathScenario, config: DatapathConfig): World {
  const ids = allocateIdentities(s);
  const world: World = { config, nodes: [], externalGatewayMac: '52:54:00:12:35:02' };
  const allPods = s.nodes.flatMap((n) => n.pods.map((p) => ({ ...p, identity: ids.get(labelKey(p.labels))!, node: n })));
  const tunnelDevName = config.tunnel === 'geneve' ? 'cilium_geneve' : 'cilium_vxlan';
  for (const spec of s.nodes) {
    const maps = emptyMaps();
    const node: NodeState = {
      name: spec.name,
      nic: { ...spec.nic },
      ciliumHost: { name: 'cilium_host', ifindex: spec.ciliumHost.ifindex, mac: spec.ciliumHost.mac, ip: spec.ciliumHost.ip },
      ciliumNet: { name: 'cilium_net', ifindex: spec.ciliumHost.ifindex - 1, mac: spec.ciliumHost.mac.replace(/..$/, (b) => ((parseInt(b, 16) + 1) & 0xff).toString(16).padStart(2, '0')) },
      tunnelDev: { name: tunnelDevName, ifindex: spec.ciliumHost.ifindex + 1, mac: '' },
      podCIDR: spec.podCIDR,
      ...(spec.gateway && { gateway: spec.gateway }),
      pods: spec.pods.map((p) => ({ name: p.name, ip: p.ip, mac: p.mac, lxc: { ...p.lxc }, endpointId: p.endpointId, identity: ids.get(labelKey(p.labels))!, labels: p.labels })),
      routes: [],
      neighbours: new Map(),
      maps,
    };
    // ipcache: every pod, every node address, the world.
    for (const pod of allPods) {
      const remote = pod.node.name !== spec.name;
      maps.ipcache.push({ prefix: `${pod.ip}/32`, identity: pod.identity, ...(remote && config.tunnel !== 'disabled' && { tunnelEndpoint: pod.node.nic.ip }) });
    }
    for (const other of s.nodes) {
      const self = other.name === spec.name;
      const id = self ? HOST_ID : REMOTE_NODE_ID;
      maps.ipcache.push({ prefix: `${other.nic.ip}/32`, identity: id });
      maps.ipcache.push({ prefix: `${other.ciliumHost.ip}/32`, identity: id, ...(!self && config.tunnel !== 'disabled' && { tunnelEndpoint: other.nic.ip }) });
      if (!self && config.tunnel !== 'disabled') maps.tunnel.set(other.podCIDR, other.nic.ip);
    }
    maps.ipcache.push({ prefix: '0.0.0.0/0', identity: WORLD_ID });
    sortIpcache(maps.ipcache);
    // Endpoint map: local pods and the node's own addresses.
    for (const pod of node.pods) {
      maps.endpoints.set(pod.ip, { ip: pod.ip, ifindex: pod.lxc.ifindex, lxcId: pod.endpointId, mac: pod.mac, nodeMac: pod.lxc.mac, isHost: false, identity: pod.identity });
    }
    for (const ip of [spec.nic.ip, spec.ciliumHost.ip]) maps.endpoints.set(ip, { ip, ifindex: 0, lxcId: 0, mac: '00:00:00:00:00:00', nodeMac: '00:00:00:00:00:00', isHost: true });
    // Routes as the agent and the node's network set them.
    const subnet = spec.nic.ip.replace(/\.\d+$/, '.0/24');
    node.routes.push({ prefix: subnet, dev: spec.nic.name, src: spec.nic.ip, note: 'node network' });
    node.routes.push({ prefix: '0.0.0.0/0', via: spec.gateway ?? spec.nic.ip.replace(/\.\d+$/, '.1'), dev: spec.nic.name, note: 'default' });
    node.routes.push({ prefix: spec.podCIDR, via: spec.ciliumHost.ip, dev: 'cilium_host', src: spec.ciliumHost.ip, note: 'local pod CIDR' });
    for (const other of s.nodes) {
      if (other.name === spec.name) continue;
      if (config.tunnel !== 'disabled') node.routes.push({ prefix: other.podCIDR, via: spec.ciliumHost.ip, dev: 'cilium_host', src: spec.ciliumHost.ip, note: 'remote pod CIDR via the tunnel' });
      else if (config.autoDirectNodeRoutes) node.routes.push({ prefix: other.podCIDR, via: other.nic.ip, dev: spec.nic.name, note: 'auto-direct-node-routes' });
      node.neighbours.set(other.nic.ip, other.nic.mac);
    }
    node.neighbours.set(spec.gateway ?? spec.nic.ip.replace(/\.\d+$/, '.1'), world.externalGatewayMac);
    for (const pod of node.pods) maps.policy.set(pod.endpointId, compilePolicy(s.policies, pod, allPods));
    world.nodes.push(node);
  }
  return world;
}

interface PodWithIdentity { labels: Record<string, string>; identity: number; node: { name: string } }

/** Policy map entries for one endpoint, as the agent computes them from the policies selecting it. */
function compilePolicy(policies: PolicySpec[], pod: { labels: Record<string, string>; name: string }, allPods: PodWithIdentity[]): PolicyEntry[] {
  const entries: PolicyEntry[] = [];
  const selecting = policies.filter((p) => matches(p.endpointSelector, pod.labels));
  for (const dir of ['ingress', 'egress'] as const) {
    const allowRules = selecting.flatMap((p) => (p[dir] ?? []).map((r) => ({ r, p })));
    const denyRules = selecting.flatMap((p) => (p[dir === 'ingress' ? 'ingressDeny' : 'egressDeny'] ?? []).map((r) => ({ r, p })));
    const enforced = selecting.some((p) => p[dir] !== undefined || p[dir === 'ingress' ? 'ingressDeny' : 'egressDeny'] !== undefined);
    if (!enforced) {
      entries.push({ direction: dir, identity: 0, protocol: 0, port: 0, deny: false, note: `allow-all: no policy selects this endpoint for ${dir}` });
      continue;
    }
    // Default-allow of the local host (allow-localhost=always).
    if (dir === 'ingress') entries.push({ direction: dir, identity: HOST_ID, protocol: 0, port: 0, deny: false, note: 'allow from host (allow-localhost)' });
    for (const { r, p } of allowRules) entries.push(...ruleEntries(r, dir, false, p.name, allPods));
    for (const { r, p } of denyRules) entries.push(...ruleEntries(r, dir, true, p.name, allPods));
  }
  return entries;
}

function ruleEntries(rule: PolicyRule, dir: 'ingress' | 'egress', deny: boolean, policyName: string, allPods: PodWithIdentity[]): PolicyEntry[] {
  const sels = dir === 'ingress' ? rule.fromEndpoints : rule.toEndpoints;
  const ents = dir === 'ingress' ? rule.fromEntities : rule.toEntities;
  const identities = new Set<number>();
  let wildcard = false;
  if (!sels && !ents) wildcard = true;
  for (const sel of sels ?? []) for (const pod of allPods) if (matches(sel, pod.labels)) identities.add(pod.identity);
  for (const ent of ents ?? []) {
    if (ent === 'all') wildcard = true;
    if (ent === 'world') identities.add(WORLD_ID);
    if (ent === 'host') identities.add(HOST_ID);
    if (ent === 'remote-node') identities.add(REMOTE_NODE_ID);
    if (ent === 'cluster') { for (const pod of allPods) identities.add(pod.identity); identities.add(HOST_ID); identities.add(REMOTE_NODE_ID); }
  }
  const ports = rule.toPorts?.length ? rule.toPorts : [{ port: 0, protocol: 'ANY' as const }];
  const ids = wildcard ? [0] : [...identities];
  const out: PolicyEntry[] = [];
  for (const id of ids) for (const port of ports) {
    out.push({ direction: dir, identity: id, protocol: PROTO_NUMBER[port.protocol], port: port.port, ...(port.endPort !== undefined && { endPort: port.endPort }), deny, note: `${deny ? 'deny' : 'allow'} from policy ${policyName}` });
  }
  return out;
}

export function buildProgramWorld(s: ProgramScenario, config: DatapathConfig): World {
  const p = s.program;
  const maps = emptyMaps();
  for (const e of p.maps.ipcache) maps.ipcache.push({ ...e });
  sortIpcache(maps.ipcache);
  for (const e of p.maps.endpoints) {
    const entry: EndpointEntry = { ip: e.ip, ifindex: e.ifindex, lxcId: e.endpointId, mac: e.mac, nodeMac: e.nodeMac, isHost: e.host };
    if (e.identity !== undefined) entry.identity = e.identity;
    maps.endpoints.set(e.ip, entry);
  }
  for (const e of p.maps.policy) {
    const list = maps.policy.get(e.endpointId) ?? [];
    list.push({ direction: e.direction, identity: e.identity, protocol: PROTO_NUMBER[e.protocol], port: e.port, ...(e.endPort !== undefined && { endPort: e.endPort }), deny: e.action === 'deny' });
    maps.policy.set(e.endpointId, list);
  }
  for (const t of p.maps.tunnel) maps.tunnel.set(t.prefix, t.endpoint);
  for (const c of p.maps.conntrack) {
    maps.ct.set(c.src, c.dst, c.srcPort, c.dstPort, PROTO_NUMBER[c.protocol], c.direction === 'egress', { created: 0, packets: 1, bytes: 0, srcIdentity: c.srcIdentity });
  }
  const n = p.node;
  const node: NodeState = {
    name: n.name,
    nic: { name: n.nicName, ifindex: n.nicIfindex, mac: n.mac, ip: n.ip },
    ciliumHost: { name: 'cilium_host', ifindex: n.hostIfindex, mac: n.routerMac, ip: n.routerIp },
    ciliumNet: { name: 'cilium_net', ifindex: n.hostIfindex - 1, mac: n.routerMac },
    tunnelDev: { name: config.tunnel === 'geneve' ? 'cilium_geneve' : 'cilium_vxlan', ifindex: n.tunnelIfindex, mac: '' },
    podCIDR: '0.0.0.0/32',
    pods: [],
    routes: [{ prefix: '0.0.0.0/0', via: n.ip.replace(/\.\d+$/, '.1'), dev: n.nicName }],
    neighbours: new Map(),
    maps,
  };
  if (p.endpoint && p.device) {
    node.pods.push({ name: `endpoint-${p.endpoint.id}`, ip: p.endpoint.ip ?? '0.0.0.0', mac: '00:00:00:00:00:00', lxc: { ...p.device }, endpointId: p.endpoint.id, identity: p.endpoint.identity, labels: {} });
  }
  // Other endpoints in the endpoint map whose identity is known become policy targets too.
  for (const e of p.maps.endpoints) {
    if (e.host || node.pods.some((x) => x.endpointId === e.endpointId)) continue;
    node.pods.push({ name: `endpoint-${e.endpointId}`, ip: e.ip, mac: e.mac, lxc: { name: `lxc${e.endpointId}`, ifindex: e.ifindex, mac: e.nodeMac }, endpointId: e.endpointId, identity: e.identity ?? 0, labels: {} });
  }
  return { config, nodes: [node], externalGatewayMac: '52:54:00:12:35:02' };
}
