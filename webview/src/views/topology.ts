// The topology: one card per node with its pods and the devices of Cilium's walk-throughs (lxc*,
// cilium_host, cilium_net, cilium_vxlan/geneve, the NIC), the wire between nodes, and where the packet
// is at the current step. Devices come from the trace; the standard ones it did not touch are drawn dim.
import type { Hop, Trace } from '../../../simulator/src/trace';
import { clear, h, icon } from '../dom';
import type { ModeName } from '../protocol';

interface DeviceBox { name: string; hopIndexes: number[]; role: 'pod' | 'lxc' | 'host' | 'tunnel' | 'nic' | 'other' }
interface NodeBox { name: string; pods: DeviceBox[]; devices: DeviceBox[]; hopIndexes: number[] }

function roleOf(hop: Pick<Hop, 'device' | 'hook'>): DeviceBox['role'] {
  const d = hop.device;
  if (hop.hook === 'pod' || d.includes('/')) return 'pod';
  if (d.startsWith('lxc')) return 'lxc';
  if (d === 'cilium_host' || d === 'cilium_net') return 'host';
  if (d === 'cilium_vxlan' || d === 'cilium_geneve') return 'tunnel';
  if (/^(eth|enp|ens|eno|bond|wl)/.test(d)) return 'nic';
  return 'other';
}

const ROLE_ORDER: DeviceBox['role'][] = ['lxc', 'host', 'tunnel', 'other', 'nic'];

function buildNodes(trace: Trace, mode: ModeName): { nodes: NodeBox[]; wireHops: number[] } {
  const nodes = new Map<string, NodeBox>();
  const wireHops: number[] = [];
  trace.hops.forEach((hop, i) => {
    if (hop.hook === 'wire') { wireHops.push(i); return; }
    let node = nodes.get(hop.node);
    if (!node) nodes.set(hop.node, node = { name: hop.node, pods: [], devices: [], hopIndexes: [] });
    node.hopIndexes.push(i);
    const role = roleOf(hop);
    const bucket = role === 'pod' ? node.pods : node.devices;
    let dev = bucket.find((d) => d.name === hop.device);
    if (!dev) bucket.push(dev = { name: hop.device, hopIndexes: [], role });
    dev.hopIndexes.push(i);
  });
  const tunnel = mode === 'vxlan' ? 'cilium_vxlan' : mode === 'geneve' ? 'cilium_geneve' : undefined;
  for (const node of nodes.values()) {
    for (const name of ['cilium_host', 'cilium_net', ...(tunnel ? [tunnel] : [])]) {
      if (!node.devices.some((d) => d.name === name)) node.devices.push({ name, hopIndexes: [], role: roleOf({ device: name, hook: 'tc-ingress' }) });
    }
    node.devices.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
  }
  return { nodes: [...nodes.values()], wireHops };
}

const ROLE_ICONS: Record<DeviceBox['role'], string> = { pod: 'vm', lxc: 'plug', host: 'home', tunnel: 'package', nic: 'globe', other: 'circuit-board' };

export class TopologyView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLElement;

  constructor() {
    this.canvas = h('div', { class: 'topology', attrs: { id: 'topology', role: 'img' } });
    this.element = h('section', { class: 'pane topology-pane', attrs: { 'aria-label': 'Topology' } },
      h('h2', { class: 'pane-title' }, 'Topology'), this.canvas);
  }

  render(trace: Trace | undefined, mode: ModeName, currentHop: number): void {
    clear(this.canvas);
    if (!trace) {
      this.canvas.append(h('p', { class: 'empty' }, 'No trace yet.'));
      this.canvas.setAttribute('aria-label', 'No trace');
      return;
    }
    const { nodes, wireHops } = buildNodes(trace, mode);
    const here = trace.hops[currentHop];
    this.canvas.setAttribute('aria-label', here ? `Packet at ${here.node} ${here.device} (${here.hook})` : 'Topology');
    const deviceChip = (d: DeviceBox) => {
      const isHere = d.hopIndexes.includes(currentHop);
      const visited = d.hopIndexes.some((i) => i < currentHop);
      return h('div', {
        class: `device role-${d.role}${isHere ? ' here' : ''}${visited ? ' visited' : ''}${d.hopIndexes.length ? '' : ' untouched'}`,
        attrs: { 'data-device': d.name, title: d.hopIndexes.length ? `${d.name}: hops ${d.hopIndexes.map((i) => i + 1).join(', ')}` : `${d.name}: not on this path` },
      }, icon(ROLE_ICONS[d.role]), h('span', { class: 'device-name' }, d.name), isHere ? h('span', { class: 'packet-marker', attrs: { id: 'packet-marker' } }, icon('mail')) : null);
    };
    nodes.forEach((node, n) => {
      if (n > 0) {
        const onWire = wireHops.includes(currentHop);
        const used = wireHops.length > 0 || nodes.length > 1;
        this.canvas.append(h('div', { class: `wire${onWire ? ' here' : ''}${used ? '' : ' untouched'}` },
          h('span', { class: 'wire-line' }), onWire ? h('span', { class: 'packet-marker', attrs: { id: 'packet-marker' } }, icon('mail')) : null,
          h('span', { class: 'wire-label' }, mode === 'vxlan' || mode === 'geneve' ? `underlay (${mode})` : 'underlay')));
      }
      this.canvas.append(h('div', { class: `node${node.hopIndexes.includes(currentHop) ? ' here' : ''}`, attrs: { 'data-node': node.name } },
        h('div', { class: 'node-title' }, icon('server'), h('span', {}, node.name)),
        node.pods.length ? h('div', { class: 'pods' }, ...node.pods.map(deviceChip)) : null,
        h('div', { class: 'devices' }, ...node.devices.map(deviceChip))));
    });
  }
}
