// Hand-written trace and graph for the webview tests: pod-to-pod over VXLAN between two nodes, in
// Cilium's vocabulary (program, function and map names are facts of the datapath; the values are made
// up). Used when the simulator is not there, and always for the cases that need exact control.
import type { Packet, Step, Trace } from '../../../simulator/src/trace';
import type { Graph } from '../../../language-server/src/core/graph-schema';

const podA = { mac: '0a:58:0a:00:01:05', ip: '10.0.1.5' };
const podB = { mac: '0a:58:0a:00:02:07', ip: '10.0.2.7' };
const lxcA = 'ce:11:22:33:44:01';
const lxcB = 'ce:11:22:33:44:02';
const hostB = '5e:aa:bb:cc:dd:02';

export const inner: Packet = {
  eth: { src: podA.mac, dst: lxcA, ethertype: 'IPv4' },
  ipv4: { src: podA.ip, dst: podB.ip, ttl: 64, protocol: 'ICMP', id: 4242 },
  l4: { protocol: 'ICMP', icmpType: 'echo-request' },
  length: 98,
};
export const encapsulated: Packet = {
  ...inner,
  outer: {
    eth: { src: '08:00:27:00:00:11', dst: '08:00:27:00:00:12', ethertype: 'IPv4' },
    ipv4: { src: '192.168.56.11', dst: '192.168.56.12', ttl: 64, protocol: 'UDP' },
    udp: { srcPort: 51234, dstPort: 8472 },
    tunnel: { kind: 'vxlan', vni: 5678, identity: 5678 },
  },
  mark: 0x162e0f00,
};
/** After ipv4_local_delivery: MACs rewritten for the destination endpoint, TTL decremented. */
export const delivered: Packet = {
  ...inner,
  eth: { src: hostB, dst: podB.mac, ethertype: 'IPv4' },
  ipv4: { ...inner.ipv4!, ttl: 63 },
};

let index = 0;
const step = (s: Omit<Step, 'index'>): Step => ({ index: index++, ...s });

export function podToPodTrace(): Trace {
  index = 0;
  return {
    scenario: 'pod-to-pod-vxlan',
    mode: 'vxlan',
    hops: [
      { node: 'k8s1', device: 'pod-a/eth0', hook: 'pod', steps: [
        step({ kind: 'kernel', kernel: true, summary: 'pod-a sends an ICMP echo-request to 10.0.2.7', source: { function: 'veth_xmit' }, packetAfter: inner }),
      ] },
      { node: 'k8s1', device: 'lxc1a2b', hook: 'tc-ingress', program: 'cil_from_container', steps: [
        step({ kind: 'program', summary: 'from-container: IPv4 packet, dispatch by protocol', source: { function: 'cil_from_container', fileHint: 'bpf_lxc.c' },
          notification: { type: 'trace', observationPoint: 'from-endpoint', srcIdentity: 1234, endpointId: 123 } }),
        step({ kind: 'tail-call', summary: 'tail call CILIUM_CALL_IPV4_FROM_LXC', source: { function: 'cil_from_container', call: 'ep_tail_call', fileHint: 'bpf_lxc.c' } }),
        step({ kind: 'program', summary: 'IPv4 from the endpoint', source: { function: 'tail_handle_ipv4', fileHint: 'bpf_lxc.c' } }),
        step({ kind: 'map', summary: 'conntrack lookup: new connection', source: { function: 'handle_ipv4_from_lxc', aliases: ['handle_ipv4_from_lxc_legacy'], call: 'ct_lookup4', fileHint: 'bpf_lxc.c' },
          lookups: [{ map: 'cilium_ct4_global', op: 'lookup', key: { saddr: podA.ip, daddr: podB.ip, nexthdr: 'ICMP' }, result: null, note: 'CT_NEW' }] }),
        step({ kind: 'map', summary: 'ipcache lookup of 10.0.2.7 → identity 5678, tunnel endpoint 192.168.56.12',
          source: { function: 'handle_ipv4_from_lxc', call: 'lookup_ip4_remote_endpoint', fileHint: 'bpf_lxc.c' },
          lookups: [{ map: 'cilium_ipcache', key: { ip: podB.ip, prefixlen: 32 }, result: { sec_identity: 5678, tunnel_endpoint: '192.168.56.12' }, note: 'longest prefix match 10.0.2.0/24' }] }),
        step({ kind: 'encap', summary: 'encapsulate in VXLAN (VNI 5678) and redirect to cilium_vxlan', source: { function: 'encap_and_redirect_lxc', call: 'ctx_redirect', fileHint: 'lib/encap.h' },
          packetBefore: inner, packetAfter: encapsulated, returnCode: { name: 'CTX_ACT_REDIRECT', value: 7 },
          redirect: { ifname: 'cilium_vxlan', ifindex: 5, direction: 'egress', helper: 'ctx_redirect' },
          notification: { type: 'trace', observationPoint: 'to-overlay', srcIdentity: 1234, dstIdentity: 5678 } }),
      ] },
      { node: 'k8s1', device: 'cilium_vxlan', hook: 'tc-egress', program: 'cil_to_overlay', steps: [
        step({ kind: 'program', summary: 'to-overlay: nothing to do, pass', source: { function: 'cil_to_overlay', fileHint: 'bpf_overlay.c' }, returnCode: { name: 'CTX_ACT_OK', value: 0 } }),
      ] },
      { node: 'underlay', device: 'wire', hook: 'wire', steps: [
        step({ kind: 'link', kernel: true, summary: '192.168.56.11 → 192.168.56.12 over UDP 8472', source: { function: 'vxlan_xmit' } }),
      ] },
      { node: 'k8s2', device: 'cilium_vxlan', hook: 'tc-ingress', program: 'cil_from_overlay', steps: [
        step({ kind: 'decap', kernel: true, summary: 'VXLAN device decapsulates; tunnel key carries identity 5678', source: { function: 'vxlan_rcv' },
          packetBefore: encapsulated, packetAfter: { ...inner, mark: 0x162e0f00 } }),
        step({ kind: 'program', summary: 'from-overlay: IPv4, source identity 5678 from the tunnel key', source: { function: 'cil_from_overlay', fileHint: 'bpf_overlay.c' },
          notification: { type: 'trace', observationPoint: 'from-overlay', srcIdentity: 5678 } }),
        step({ kind: 'tail-call', summary: 'tail call CILIUM_CALL_IPV4_FROM_OVERLAY', source: { function: 'cil_from_overlay', call: 'ep_tail_call', fileHint: 'bpf_overlay.c' } }),
        step({ kind: 'map', summary: 'endpoint lookup of 10.0.2.7 → local endpoint 2345', source: { function: 'tail_handle_ipv4', call: 'lookup_ip4_endpoint', fileHint: 'bpf_overlay.c' },
          lookups: [{ map: 'cilium_lxc', key: { ip: podB.ip }, result: { ifindex: 14, lxc_id: 2345, mac: lxcB, node_mac: hostB } }] }),
        step({ kind: 'program', summary: 'local delivery: rewrite MACs, decrement TTL', source: { function: 'ipv4_local_delivery', fileHint: 'lib/l3.h' },
          packetBefore: { ...inner, mark: 0x162e0f00 }, packetAfter: delivered }),
        step({ kind: 'tail-call', summary: 'tail call into the policy program of endpoint 2345', source: { function: 'ipv4_local_delivery', call: 'tail_call_policy', fileHint: 'lib/l3.h' } }),
        step({ kind: 'map', summary: 'ingress policy of endpoint 2345: identity 1234 allowed', source: { function: 'cil_lxc_policy', aliases: ['handle_policy'], call: 'policy_can_ingress4', fileHint: 'bpf_lxc.c' },
          lookups: [{ map: 'cilium_policy_02345', key: { sec_label: 1234, egress: false, protocol: 1, dport: 0 }, result: { proxy_port: 0, deny: false } }] }),
        step({ kind: 'verdict', summary: 'redirect to lxc9f8e (endpoint 2345)', source: { function: 'cil_lxc_policy', aliases: ['handle_policy'], call: 'redirect_ep', fileHint: 'bpf_lxc.c' },
          returnCode: { name: 'CTX_ACT_REDIRECT', value: 7 }, redirect: { ifname: 'lxc9f8e', ifindex: 14, direction: 'egress', helper: 'redirect_ep' },
          notification: { type: 'trace', observationPoint: 'to-endpoint', srcIdentity: 5678, dstIdentity: 4321, endpointId: 2345 } }),
      ] },
      { node: 'k8s2', device: 'pod-b/eth0', hook: 'pod', steps: [
        step({ kind: 'kernel', kernel: true, summary: 'pod-b receives the echo-request', source: { function: 'netif_rx' } }),
      ] },
    ],
    disposition: { kind: 'delivered', to: 'pod', node: 'k8s2', target: 'pod-b' },
  };
}

const prog = (name: string, object: string, line: number, extra: Partial<Graph['programs'][number]> = {}): Graph['programs'][number] =>
  ({ name, file: object, line, kind: 'tail', object, ...extra });

export function fixtureGraph(): Graph {
  return {
    programs: [
      prog('cil_from_container', 'bpf_lxc.c', 1400, { kind: 'entry', section: 'tc', attach: { device: 'lxc*', hook: 'tc-ingress' } }),
      prog('tail_handle_ipv4', 'bpf_lxc.c', 900, { slot: 'CILIUM_CALL_IPV4_FROM_LXC' }),
      prog('tail_handle_ipv6', 'bpf_lxc.c', 700, { slot: 'CILIUM_CALL_IPV6_FROM_LXC' }),
      prog('tail_handle_arp', 'bpf_lxc.c', 1300, { slot: 'CILIUM_CALL_ARP' }),
      prog('cil_lxc_policy', 'bpf_lxc.c', 1700, { kind: 'policy', section: 'tc' }),
      prog('tail_ipv4_policy', 'bpf_lxc.c', 1600, { slot: 'CILIUM_CALL_IPV4_CT_INGRESS_POLICY_ONLY' }),
      prog('cil_to_netdev', 'bpf_host.c', 1200, { kind: 'entry', attach: { device: '<native-dev>', hook: 'tc-egress' } }),
      prog('cil_from_netdev', 'bpf_host.c', 1100, { kind: 'entry', attach: { device: '<native-dev>', hook: 'tc-ingress' } }),
      prog('cil_to_overlay', 'bpf_overlay.c', 600, { kind: 'entry', attach: { device: 'cilium_vxlan', hook: 'tc-egress' } }),
      prog('cil_from_overlay', 'bpf_overlay.c', 500, { kind: 'entry', attach: { device: 'cilium_vxlan', hook: 'tc-ingress' } }),
      prog('tail_handle_ipv4', 'bpf_overlay.c', 300, { slot: 'CILIUM_CALL_IPV4_FROM_OVERLAY' }),
    ],
    edges: [
      { from: 'cil_from_container', to: 'tail_handle_ipv4', kind: 'tail', file: 'bpf_lxc.c', line: 1450, object: 'bpf_lxc.c', via: 'invoke_tailcall_if', slot: 'CILIUM_CALL_IPV4_FROM_LXC' },
      { from: 'cil_from_container', to: 'tail_handle_ipv6', kind: 'tail', file: 'bpf_lxc.c', line: 1440, object: 'bpf_lxc.c', via: 'invoke_tailcall_if' },
      { from: 'cil_from_container', to: 'tail_handle_arp', kind: 'tail', file: 'bpf_lxc.c', line: 1460, object: 'bpf_lxc.c', via: 'ep_tail_call' },
      { from: 'cil_from_overlay', to: 'tail_handle_ipv4', kind: 'tail', file: 'bpf_overlay.c', line: 520, object: 'bpf_overlay.c', via: 'ep_tail_call' },
      { from: 'tail_handle_ipv4', to: 'cil_lxc_policy', kind: 'dynamic-tail', file: 'lib/l3.h', line: 80, object: 'bpf_overlay.c', via: 'tail_call_dynamic' },
      { from: 'cil_lxc_policy', to: 'tail_ipv4_policy', kind: 'tail', file: 'bpf_lxc.c', line: 1720, object: 'bpf_lxc.c', via: 'invoke_tailcall_if', slot: 'CILIUM_CALL_IPV4_CT_INGRESS_POLICY_ONLY' },
    ],
  };
}

export const fixtureScenarioText = JSON.stringify({
  name: 'pod-to-pod-vxlan',
  packet: { from: 'pod-a', to: '10.0.2.7', protocol: 'ICMP' },
  maps: { cilium_ipcache: [{ prefix: '10.0.2.0/24', identity: 5678, tunnelEndpoint: '192.168.56.12' }] },
}, null, 2);
