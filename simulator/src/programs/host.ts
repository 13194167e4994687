// bpf_host: from-netdev / to-netdev on the NIC, from-host on cilium_host's egress, to-host on its ingress.
// bpf_overlay: from-overlay / to-overlay on cilium_vxlan (or cilium_geneve).
import { at } from '../catalog';
import { CTX_ACT_OK, DROP, HOST_ID, identityName, MARK_MAGIC_HOST_MASK, MARK_MAGIC_IDENTITY, METRIC_INGRESS, WORLD_ID } from '../constants';
import { dropNotify, endpointLookup, endpointRecord, type Exec, ipcacheLookup, ipcacheRecord, type Ret, traceStep, countTrace } from '../exec';
import { inPrefix } from '../model';
import type { SourceAnchor } from '../trace';
import { ipv4LocalDelivery } from './delivery';
import { encapAndRedirect } from './encap';

// Anchors passed down on every packet, resolved once (a verdict-only run records no steps but still passes them).
const AT_RESOLVE_SRCID = at('do_netdev', 'resolve_srcid_ipv4');
const AT_HOST_LOCAL_DELIVERY = at('handle_ipv4_cont', 'ipv4_local_delivery');
const AT_HOST_ENCAP = at('handle_ipv4_cont', 'encap_and_redirect_with_nodeid');
const AT_OVERLAY_LOCAL_DELIVERY = at('overlay_handle_ipv4', 'ipv4_local_delivery');

/** resolve_srcid_ipv4: a reserved source identity is replaced by the ipcache's answer for the source IP (unless that is host). */
function resolveSrcIdentity(x: Exec, anchor: SourceAnchor, given: number): number {
  const src = x.pkt.ipv4!.src;
  const entry = ipcacheLookup(x, src);
  const found = entry?.identity;
  const resolved = found !== undefined && found !== HOST_ID ? found : given;
  if (x.rec.on) x.rec.step('map', anchor, `source identity: ipcache lookup of ${src} → ${found === undefined ? 'no entry' : identityName(found)}; using ${identityName(resolved)}`, x.pkt, { lookups: [ipcacheRecord(src, entry)] });
  return resolved;
}

export function cil_from_netdev(x: Exec): Ret {
  if (!x.pkt.ipv4) {
    if (!x.rec.on) countTrace(x, 'TRACE_FROM_NETWORK');
    else traceStep(x, at('do_netdev', 'send_trace_notify'), 'TRACE_FROM_NETWORK', 0, 0, 'non-IPv4 packet from the network: pass to the stack', { returnCode: CTX_ACT_OK });
    return CTX_ACT_OK.value;
  }
  if (x.rec.on) x.rec.step('program', at('cil_from_netdev', 'do_netdev'), `packet from the network on ${x.node.nic.name}`, x.pkt);
  const outerOrInner = x.pkt.outer ? x.pkt.outer.ipv4 : x.pkt.ipv4;
  const srcIdentity = x.pkt.outer ? ipcacheIdentity(x, outerOrInner.src) : resolveSrcIdentity(x, AT_RESOLVE_SRCID, WORLD_ID);
  if (!x.rec.on) countTrace(x, 'TRACE_FROM_NETWORK');
  else traceStep(x, at('do_netdev', 'send_trace_notify'), 'TRACE_FROM_NETWORK', srcIdentity, 0, `from-network, source identity ${identityName(srcIdentity)}`, { ifindex: x.node.nic.ifindex });
  if (x.pkt.outer || !x.world.config.bpfHostRouting) {
    if (x.rec.on) x.rec.step('program', at('handle_ipv4_cont', 'lookup_ip4_endpoint'),
      x.pkt.outer ? `outer destination ${outerOrInner.dst} is this node: pass to the stack for decapsulation (CTX_ACT_OK)`
        : 'no BPF host routing: traffic from the network goes through the host stack (CTX_ACT_OK)', x.pkt, { returnCode: CTX_ACT_OK });
    return CTX_ACT_OK.value;
  }
  return deliverOrPass(x, srcIdentity, false);
}

function ipcacheIdentity(x: Exec, ip: string): number { return ipcacheLookup(x, ip)?.identity ?? WORLD_ID; }

/** handle_ipv4_cont (older: handle_ipv4) of bpf_host: local endpoint → local delivery; remote via tunnel → encap; else stack. */
function deliverOrPass(x: Exec, srcIdentity: number, fromHost: boolean): Ret {
  const ip = x.pkt.ipv4!;
  const ep = endpointLookup(x, ip.dst);
  if (x.rec.on) x.rec.step('map', at('handle_ipv4_cont', 'lookup_ip4_endpoint'),
    ep ? `endpoint lookup of ${ip.dst} → ${ep.isHost ? 'this node' : `endpoint ${ep.lxcId} (ifindex ${ep.ifindex})`}` : `endpoint lookup of ${ip.dst} → not local`, x.pkt, { lookups: [endpointRecord(ip.dst, ep)] });
  if (ep && ep.isHost) {
    if (x.rec.on) x.rec.step('program', at('handle_ipv4_cont', 'lookup_ip4_endpoint'), 'destination is this node: let the host stack have it (CTX_ACT_OK)', x.pkt, { returnCode: CTX_ACT_OK });
    return CTX_ACT_OK.value;
  }
  if (ep) {
    const ret = ipv4LocalDelivery(x, ep, srcIdentity, METRIC_INGRESS, fromHost, false, AT_HOST_LOCAL_DELIVERY);
    return ret;
  }
  if (fromHost) {
    const info = ipcacheLookup(x, ip.dst);
    if (x.rec.on) x.rec.step('map', at('handle_ipv4_cont', 'lookup_ip4_remote_endpoint'),
      `ipcache lookup of ${ip.dst} → ${info ? `identity ${identityName(info.identity)}${info.tunnelEndpoint ? `, tunnel endpoint ${info.tunnelEndpoint}` : ''}` : 'no entry'}`, x.pkt, { lookups: [ipcacheRecord(ip.dst, info)] });
    if (x.world.config.tunnel !== 'disabled' && info?.tunnelEndpoint && !info.skipTunnel) {
      return encapAndRedirect(x, AT_HOST_ENCAP, 'encap_and_redirect_with_nodeid', srcIdentity, info.identity, info.tunnelEndpoint);
    }
    // Routed to cilium_host yet known to nobody: passing it back would loop through the stack.
    if (!info || info.identity === WORLD_ID) return DROP.DROP_UNROUTABLE.code;
  }
  if (x.rec.on) x.rec.step('program', at('handle_ipv4_cont', 'lookup_ip4_remote_endpoint'), 'not for a local endpoint: pass to the stack (CTX_ACT_OK)', x.pkt, { returnCode: CTX_ACT_OK });
  return CTX_ACT_OK.value;
}

export function cil_from_host(x: Exec): Ret {
  if (!x.pkt.ipv4) {
    if (!x.rec.on) countTrace(x, 'TRACE_TO_STACK');
    else traceStep(x, at('do_netdev', 'send_trace_notify'), 'TRACE_TO_STACK', HOST_ID, 0, 'non-IPv4 from the host: pass to the stack', { returnCode: CTX_ACT_OK });
    return CTX_ACT_OK.value;
  }
  if (x.rec.on) x.rec.step('program', at('cil_from_host', 'do_netdev'), 'packet from the host stack entering cilium_host', x.pkt);
  const srcIdentity = resolveSrcIdentity(x, AT_RESOLVE_SRCID, HOST_ID);
  if (!x.rec.on) countTrace(x, 'TRACE_FROM_HOST');
  else traceStep(x, at('do_netdev', 'send_trace_notify'), 'TRACE_FROM_HOST', srcIdentity, 0, `from-host, source identity ${identityName(srcIdentity)}`, { ifindex: x.node.ciliumHost.ifindex });
  if (x.rec.on) x.rec.step('tail-call', at('do_netdev', 'tail_handle_ipv4'), 'tail call CILIUM_CALL_IPV4_FROM_HOST → tail_handle_ipv4_from_host', x.pkt);
  x.tailCalls?.push('tail_handle_ipv4_from_host');
  const ret = deliverOrPass(x, srcIdentity, true);
  if (ret < 0) return dropNotify(x, at('do_netdev', 'send_drop_notify'), ret, srcIdentity, 0, METRIC_INGRESS);
  return ret;
}

export function cil_to_netdev(x: Exec): Ret {
  const ip = x.pkt.outer?.ipv4 ?? x.pkt.ipv4;
  const dstIdentity = ip ? (ipcacheLookup(x, ip.dst)?.identity ?? WORLD_ID) : 0;
  // Source identity from skb->mark: the node's own (tunnel) traffic is host, pod traffic carries its identity.
  const mark = x.pkt.mark ?? 0;
  const srcIdentity = x.pkt.outer ? HOST_ID : (mark & MARK_MAGIC_HOST_MASK) === MARK_MAGIC_IDENTITY ? mark >>> 16 : 0;
  // BPF masquerading: with BPF host routing the host stack (and iptables) is bypassed, so pod traffic
  // leaving for the world is SNATed here to the node IP.
  const inner = x.pkt.ipv4;
  if (inner && !x.pkt.outer && x.world.config.bpfHostRouting && x.world.config.masquerade && dstIdentity === WORLD_ID && inPrefix(inner.src, x.node.podCIDR)) {
    const old = inner.src;
    inner.src = x.node.nic.ip!;
    x.rec.touch();
    if (x.rec.on) x.rec.step('program', at('cil_to_netdev', 'snat_v4_nat'), `BPF masquerade: source ${old} → ${inner.src} (leaving the cluster)`, x.pkt);
  }
  if (!x.rec.on) countTrace(x, 'TRACE_TO_NETWORK');
  else traceStep(x, at('cil_to_netdev', 'send_trace_notify'), 'TRACE_TO_NETWORK', srcIdentity, dstIdentity, `to-network on ${x.node.nic.name} (CTX_ACT_OK)`,
    { returnCode: CTX_ACT_OK, ifindex: x.node.nic.ifindex });
  return CTX_ACT_OK.value;
}

export function cil_to_host(x: Exec, srcIdentity: number): Ret {
  if (!x.rec.on) countTrace(x, 'TRACE_TO_HOST');
  else traceStep(x, at('cil_to_host', 'send_trace_notify'), 'TRACE_TO_HOST', srcIdentity, HOST_ID, 'to-host: deliver to the host stack (CTX_ACT_OK)',
    { returnCode: CTX_ACT_OK, ifindex: x.node.ciliumHost.ifindex });
  return CTX_ACT_OK.value;
}

export function cil_from_overlay(x: Exec): Ret {
  const identity = x.tunnelIdentity ?? 0;
  if (x.rec.on) x.rec.step('program', at('cil_from_overlay', 'ctx_get_tunnel_key'), `tunnel key: VNI ${identity} → source identity ${identityName(identity)}`, x.pkt);
  if (!x.rec.on) countTrace(x, 'TRACE_FROM_OVERLAY');
  else traceStep(x, at('cil_from_overlay', 'send_trace_notify'), 'TRACE_FROM_OVERLAY', identity, 0, `from-overlay on ${x.node.tunnelDev.name}`, { ifindex: x.node.tunnelDev.ifindex });
  if (!x.pkt.ipv4) return CTX_ACT_OK.value;
  if (x.rec.on) x.rec.step('tail-call', at('cil_from_overlay', 'tail_handle_ipv4'), 'tail call CILIUM_CALL_IPV4_FROM_OVERLAY → tail_handle_ipv4 (bpf_overlay)', x.pkt);
  x.tailCalls?.push('tail_handle_ipv4');
  const ip = x.pkt.ipv4;
  const ep = endpointLookup(x, ip.dst);
  if (x.rec.on) x.rec.step('map', at('overlay_handle_ipv4', 'lookup_ip4_endpoint'),
    ep ? `endpoint lookup of ${ip.dst} → ${ep.isHost ? 'this node' : `endpoint ${ep.lxcId} (ifindex ${ep.ifindex})`}` : `endpoint lookup of ${ip.dst} → not local`, x.pkt, { lookups: [endpointRecord(ip.dst, ep)] });
  let ret: Ret;
  if (ep && !ep.isHost) {
    ret = ipv4LocalDelivery(x, ep, identity, METRIC_INGRESS, false, true, AT_OVERLAY_LOCAL_DELIVERY);
  } else {
    if (x.rec.on) x.rec.step('program', at('overlay_handle_ipv4', 'ipv4_host_delivery'), 'not a local endpoint: to the host stack (CTX_ACT_OK)', x.pkt, { returnCode: CTX_ACT_OK });
    ret = CTX_ACT_OK.value;
  }
  if (ret < 0) return dropNotify(x, at('cil_from_overlay', 'send_trace_notify'), ret, identity, 0, METRIC_INGRESS);
  return ret;
}

export function cil_to_overlay(x: Exec): Ret {
  if (x.rec.on) x.rec.step('program', at('cil_to_overlay'), `to-overlay on ${x.node.tunnelDev.name}: nothing to translate (CTX_ACT_OK)`, x.pkt, { returnCode: CTX_ACT_OK });
  return CTX_ACT_OK.value;
}
