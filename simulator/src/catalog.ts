// The C functions the model has steps for, with the names they carried across Cilium versions
// (checked against v1.7 … v1.19 trees) and the calls inside them that steps anchor to.
// Every SourceAnchor the programs emit is built here, so the names live in one place.
import type { SourceAnchor } from './trace';

export interface ModelledFunction { name: string; aliases: string[]; fileHint?: string; calls: string[] }

interface CallSpec { name: string; aliases?: string[] }
interface FunctionSpec { name: string; aliases?: string[]; fileHint?: string; kernel?: boolean; calls?: Record<string, CallSpec> }

const spec = <T extends Record<string, FunctionSpec>>(t: T) => t;

/** Cilium functions, keyed by the name the model uses. */
export const FN = spec({
  cil_from_container: { name: 'cil_from_container', aliases: ['handle_xgress'], fileHint: 'bpf_lxc.c',
    calls: { validate_ethertype: { name: 'validate_ethertype' }, send_trace_notify: { name: 'send_trace_notify' }, send_drop_notify: { name: 'send_drop_notify_ext', aliases: ['send_drop_notify'] }, tail_handle_ipv4: { name: 'tail_call_internal', aliases: ['ep_tail_call', 'invoke_tailcall_if'] },
      tail_handle_arp: { name: 'tail_call_internal', aliases: ['ep_tail_call'] } } },
  tail_handle_arp: { name: 'tail_handle_arp', fileHint: 'bpf_lxc.c', calls: { arp_validate: { name: 'arp_validate' }, arp_respond: { name: 'arp_respond' } } },
  arp_respond: { name: 'arp_respond', fileHint: 'lib/arp.h', calls: { arp_prepare_response: { name: 'arp_prepare_response' }, ctx_redirect: { name: 'ctx_redirect', aliases: ['redirect'] } } },
  tail_handle_ipv4: { name: 'tail_handle_ipv4', fileHint: 'bpf_lxc.c', calls: { handle_ipv4_from_lxc: { name: '__tail_handle_ipv4', aliases: ['handle_ipv4_from_lxc'] }, send_drop_notify: { name: 'send_drop_notify_error_ext', aliases: ['send_drop_notify_ext', 'send_drop_notify'] } } },
  handle_ipv4_from_lxc: { name: 'handle_ipv4_from_lxc', fileHint: 'bpf_lxc.c',
    calls: { lookup_ip4_remote_endpoint: { name: 'lookup_ip4_remote_endpoint' }, ct_lookup4: { name: 'ct_lookup4', aliases: ['cilium_tail_call_buffer4'] }, policy_can_egress4: { name: 'policy_can_egress4' },
      ct_create4: { name: 'ct_create4' }, ipv4_forward_to_destination: { name: 'ipv4_forward_to_destination' } } },
  ipv4_forward_to_destination: { name: 'ipv4_forward_to_destination', aliases: ['handle_ipv4_from_lxc'], fileHint: 'bpf_lxc.c',
    calls: { __lookup_ip4_endpoint: { name: '__lookup_ip4_endpoint', aliases: ['lookup_ip4_endpoint'] }, ipv4_local_delivery: { name: 'ipv4_local_delivery' },
      encap_and_redirect_lxc: { name: 'encap_and_redirect_lxc' }, tunnel_map: { name: 'encap_and_redirect_lxc', aliases: ['__lookup_ip4_tunnel', 'map_lookup_elem'] }, fib_redirect_v4: { name: 'fib_redirect_v4' },
      pass_to_stack: { name: 'send_trace_notify' } } },
  // 1.19 goes through encap_and_redirect_with_nodeid; 1.13–1.17 call __encap_and_redirect_with_nodeid themselves.
  encap_and_redirect_lxc: { name: 'encap_and_redirect_lxc', fileHint: 'lib/encap.h', calls: { __encap_and_redirect_with_nodeid: { name: 'encap_and_redirect_with_nodeid', aliases: ['__encap_and_redirect_with_nodeid'] } } },
  __encap_and_redirect_with_nodeid: { name: '__encap_and_redirect_with_nodeid', fileHint: 'lib/encap.h',
    calls: { ctx_set_encap_info4: { name: '__encap_with_nodeid4', aliases: ['__encap_with_nodeid', 'ctx_set_encap_info4', 'skb_set_tunnel_key'] }, ctx_redirect: { name: 'ctx_redirect', aliases: ['redirect'] } } },
  ipv4_local_delivery: { name: 'ipv4_local_delivery', fileHint: 'lib/local_delivery.h', calls: { ipv4_l3: { name: 'ipv4_l3' }, local_delivery: { name: 'local_delivery', aliases: ['tail_call_dynamic', 'tail_call'] } } },
  local_delivery: { name: 'local_delivery', aliases: ['ipv4_local_delivery'], fileHint: 'lib/local_delivery.h',
    calls: { update_metrics: { name: 'update_metrics' }, tail_call_policy: { name: 'tail_call_policy', aliases: ['tail_call_dynamic', 'tail_call'] }, redirect_ep: { name: 'redirect_ep', aliases: ['redirect_peer'] } } },
  fib_redirect_v4: { name: 'fib_redirect_v4', fileHint: 'lib/fib.h', calls: { fib_lookup: { name: 'fib_lookup_v4', aliases: ['fib_lookup'] }, ipv4_l3: { name: 'ipv4_l3' }, redirect_neigh: { name: 'fib_do_redirect', aliases: ['redirect_neigh'] } } },
  ipv4_l3: { name: 'ipv4_l3', fileHint: 'lib/l3.h', calls: { ipv4_dec_ttl: { name: 'ipv4_dec_ttl' }, eth_store_saddr: { name: 'eth_store_saddr' }, eth_store_daddr: { name: 'eth_store_daddr' } } },
  cil_lxc_policy: { name: 'cil_lxc_policy', aliases: ['handle_policy'], fileHint: 'bpf_lxc.c', calls: { validate_ethertype: { name: 'validate_ethertype' }, tail_ipv4_policy: { name: 'tail_call_internal', aliases: ['invoke_tailcall_if', 'ep_tail_call'] } } },
  tail_ipv4_policy: { name: 'tail_ipv4_policy', fileHint: 'bpf_lxc.c', calls: { ipv4_policy: { name: 'ipv4_policy' }, redirect_ep: { name: 'redirect_ep', aliases: ['redirect_peer'] }, send_drop_notify: { name: 'send_drop_notify_ext', aliases: ['send_drop_notify'] } } },
  ipv4_policy: { name: 'ipv4_policy', fileHint: 'bpf_lxc.c',
    calls: { ct_lookup4: { name: 'ct_lookup4', aliases: ['cilium_tail_call_buffer4'] }, policy_can_ingress4: { name: 'policy_can_ingress4', aliases: ['policy_can_access_ingress'] }, ct_create4: { name: 'ct_create4' }, send_trace_notify4: { name: 'send_trace_notify4' } } },
  redirect_ep: { name: 'redirect_ep', fileHint: 'lib/local_delivery.h', calls: { ctx_redirect: { name: 'ctx_redirect', aliases: ['redirect'] }, ctx_redirect_peer: { name: 'ctx_redirect_peer', aliases: ['redirect_peer'] } } },
  cil_to_container: { name: 'cil_to_container', aliases: ['handle_to_container'], fileHint: 'bpf_lxc.c', calls: {} },
  cil_from_host: { name: 'cil_from_host', aliases: ['from_host'], fileHint: 'bpf_host.c', calls: { do_netdev: { name: 'do_netdev', aliases: ['handle_netdev'] } } },
  cil_from_netdev: { name: 'cil_from_netdev', aliases: ['from_netdev'], fileHint: 'bpf_host.c', calls: { do_netdev: { name: 'do_netdev', aliases: ['handle_netdev'] } } },
  cil_to_netdev: { name: 'cil_to_netdev', aliases: ['to_netdev'], fileHint: 'bpf_host.c', calls: { send_trace_notify: { name: 'send_trace_notify' }, snat_v4_nat: { name: 'handle_nat_fwd', aliases: ['snat_v4_nat'] } } },
  cil_to_host: { name: 'cil_to_host', aliases: ['to_host'], fileHint: 'bpf_host.c', calls: { send_trace_notify: { name: 'send_trace_notify' } } },
  do_netdev: { name: 'do_netdev', aliases: ['handle_netdev'], fileHint: 'bpf_host.c',
    calls: { send_trace_notify: { name: 'send_trace_notify' }, resolve_srcid_ipv4: { name: 'resolve_srcid_ipv4' }, send_drop_notify: { name: 'send_drop_notify_error', aliases: ['send_drop_notify'] }, tail_handle_ipv4: { name: 'tail_call_internal', aliases: ['ep_tail_call', 'invoke_tailcall_if'] } } },
  handle_ipv4_cont: { name: 'handle_ipv4_cont', aliases: ['handle_ipv4'], fileHint: 'bpf_host.c',
    calls: { lookup_ip4_endpoint: { name: 'lookup_ip4_endpoint' }, ipv4_local_delivery: { name: 'ipv4_local_delivery' }, lookup_ip4_remote_endpoint: { name: 'lookup_ip4_remote_endpoint' },
      encap_and_redirect_with_nodeid: { name: 'encap_and_redirect_with_nodeid' } } },
  encap_and_redirect_with_nodeid: { name: 'encap_and_redirect_with_nodeid', fileHint: 'lib/encap.h', calls: { __encap_and_redirect_with_nodeid: { name: '__encap_and_redirect_with_nodeid' } } },
  cil_from_overlay: { name: 'cil_from_overlay', aliases: ['from_overlay'], fileHint: 'bpf_overlay.c',
    calls: { ctx_get_tunnel_key: { name: 'get_tunnel_key', aliases: ['ctx_get_tunnel_key', 'skb_get_tunnel_key'] }, send_trace_notify: { name: 'send_trace_notify' }, tail_handle_ipv4: { name: 'tail_call_internal', aliases: ['ep_tail_call', 'invoke_tailcall_if'] } } },
  cil_to_overlay: { name: 'cil_to_overlay', aliases: ['to_overlay'], fileHint: 'bpf_overlay.c', calls: {} },
  overlay_handle_ipv4: { name: 'handle_ipv4', fileHint: 'bpf_overlay.c',
    calls: { lookup_ip4_endpoint: { name: 'lookup_ip4_endpoint' }, ipv4_local_delivery: { name: 'ipv4_local_delivery' }, ipv4_host_delivery: { name: 'ipv4_host_delivery' } } },
});

/** Kernel functions (not in the Cilium tree). */
export const KFN = spec({
  ip_route_output: { name: 'ip_route_output_key', kernel: true },
  fib_lookup: { name: 'fib_lookup', kernel: true },
  ip_forward: { name: 'ip_forward', kernel: true },
  ip_local_deliver: { name: 'ip_local_deliver', kernel: true },
  neigh_resolve_output: { name: 'neigh_resolve_output', kernel: true },
  veth_xmit: { name: 'veth_xmit', kernel: true },
  netif_rx: { name: 'netif_rx', kernel: true },
  netif_receive_skb: { name: 'netif_receive_skb', kernel: true },
  sch_handle_ingress: { name: 'sch_handle_ingress', kernel: true },
  sch_handle_egress: { name: 'sch_handle_egress', kernel: true },
  dev_queue_xmit: { name: 'dev_queue_xmit', kernel: true },
  vxlan_xmit: { name: 'vxlan_xmit', kernel: true },
  vxlan_rcv: { name: 'vxlan_rcv', kernel: true },
  geneve_xmit: { name: 'geneve_xmit', kernel: true },
  geneve_rx: { name: 'geneve_rx', kernel: true },
  nf_nat_masquerade: { name: 'nf_nat_masquerade_ipv4', kernel: true },
  wire: { name: 'wire', kernel: true },
  arp_rcv: { name: 'arp_rcv', kernel: true },
  icmp_rcv: { name: 'icmp_rcv', kernel: true },
});

export type FnKey = keyof typeof FN;
type CallsOf<K extends FnKey> = (typeof FN)[K] extends { calls: infer C } ? keyof C & string : never;

const anchorCache = new Map<string, SourceAnchor>();
const callAnchorCache = new Map<string, Map<string, SourceAnchor>>();

/** The anchor for `call` inside Cilium function `fn`; cached, so steps share one frozen object. */
export function at<K extends FnKey>(fn: K, call?: CallsOf<K>): SourceAnchor {
  let byCall = callAnchorCache.get(fn);
  if (!byCall) { byCall = new Map(); callAnchorCache.set(fn, byCall); }
  const cached = byCall.get(call ?? '');
  if (cached) return cached;
  const anchor = buildAnchor(fn, call);
  byCall.set(call ?? '', anchor);
  return anchor;
}

function buildAnchor(fn: FnKey, call?: string): SourceAnchor {
  const cacheKey = call ? `${fn}:${call}` : fn;
  const f: FunctionSpec = FN[fn];
  const anchor: SourceAnchor = { function: f.name };
  if (f.aliases?.length) anchor.aliases = f.aliases;
  if (call) {
    const c = (f.calls as Record<string, CallSpec>)[call];
    anchor.call = c.name;
    if (c.aliases?.length) anchor.callAliases = c.aliases;
  }
  if (f.fileHint) anchor.fileHint = f.fileHint;
  Object.freeze(anchor);
  anchorCache.set(cacheKey, anchor);
  return anchor;
}

export function kernelAt(fn: keyof typeof KFN): SourceAnchor {
  const cached = anchorCache.get('kernel:' + fn);
  if (cached) return cached;
  const anchor = Object.freeze({ function: KFN[fn].name });
  anchorCache.set('kernel:' + fn, anchor);
  return anchor;
}

export function modelledFunctions(): ModelledFunction[] {
  const byName = new Map<string, ModelledFunction>();
  for (const f of Object.values(FN) as FunctionSpec[]) {
    const key = `${f.name}@${f.fileHint ?? ''}`;
    const calls = [...new Set(Object.values(f.calls ?? {}).map((c) => c.name))];
    const existing = byName.get(key);
    if (existing) { existing.calls = [...new Set([...existing.calls, ...calls])]; continue; }
    byName.set(key, { name: f.name, aliases: [...(f.aliases ?? [])], fileHint: f.fileHint, calls });
  }
  return [...byName.values()];
}
