// bpf_lxc: the program on the host side of a pod's veth (tc ingress = packets leaving the pod).
// One function per C function; each emits the steps of the calls it stands for.
import { at } from '../catalog';
import {
  CTX_ACT_OK, CTX_ACT_REDIRECT, DROP, identityMark, identityName, METRIC_EGRESS,
} from '../constants';
import {
  ctCreate, ctLookup, ctRecord, dropNotify, type Exec, ipcacheLookup, ipcacheRecord, endpointLookup, endpointRecord, policyLookup, policyRecord, policyVerdict, type ProgramInstance, type Ret, traceStep, countTrace, tunnelMapLookup,
} from '../exec';
import { ipv4LocalDelivery } from './delivery';
import { encapAndRedirect } from './encap';
import { fibRedirectV4 } from './fib';

// Anchors passed down on every packet, resolved once (a verdict-only run records no steps but still passes them).
const AT_LXC_LOCAL_DELIVERY = at('ipv4_forward_to_destination', 'ipv4_local_delivery');
const AT_LXC_ENCAP = at('ipv4_forward_to_destination', 'encap_and_redirect_lxc');
const AT_LXC_FIB_REDIRECT = at('ipv4_forward_to_destination', 'fib_redirect_v4');

export function cil_from_container(x: Exec, inst: ProgramInstance): Ret {
  const ethertype = x.pkt.eth.ethertype;
  if (!x.rec.on) countTrace(x, 'TRACE_FROM_LXC');
  else traceStep(x, at('cil_from_container', 'send_trace_notify'), 'TRACE_FROM_LXC', inst.identity, 0,
    `packet from endpoint ${inst.lxcId} (identity ${inst.identity}), ethertype ${ethertype}`, { endpointId: inst.lxcId });
  if (ethertype === 'ARP') {
    if (x.rec.on) x.rec.step('tail-call', at('cil_from_container', 'tail_handle_arp'), 'tail call CILIUM_CALL_ARP → tail_handle_arp', x.pkt);
    x.tailCalls?.push('tail_handle_arp');
    return tail_handle_arp(x, inst);
  }
  if (ethertype === 'IPv4' && x.pkt.ipv4) {
    if (x.rec.on) x.rec.step('tail-call', at('cil_from_container', 'tail_handle_ipv4'), 'tail call CILIUM_CALL_IPV4_FROM_LXC → tail_handle_ipv4', x.pkt);
    x.tailCalls?.push('tail_handle_ipv4');
    return tail_handle_ipv4(x, inst);
  }
  return dropNotify(x, at('cil_from_container', 'send_drop_notify'), DROP.DROP_UNKNOWN_L3.code, inst.identity, 0, METRIC_EGRESS);
}

export function tail_handle_arp(x: Exec, inst: ProgramInstance): Ret {
  const arp = x.pkt.arp;
  if (!arp || arp.op !== 'request') {
    if (x.rec.on) x.rec.step('program', at('tail_handle_arp', 'arp_validate'), 'arp_validate: not an ARP request — pass to the stack (CTX_ACT_OK)', x.pkt, { returnCode: CTX_ACT_OK });
    return CTX_ACT_OK.value;
  }
  if (inst.ip && arp.targetIp === inst.ip) {
    if (x.rec.on) x.rec.step('program', at('tail_handle_arp', 'arp_respond'), `ARP for the endpoint's own IP ${arp.targetIp} — pass to the stack (CTX_ACT_OK)`, x.pkt, { returnCode: CTX_ACT_OK });
    return CTX_ACT_OK.value;
  }
  if (x.rec.on) x.rec.step('program', at('tail_handle_arp', 'arp_validate'), `arp_validate: ARP request, who has ${arp.targetIp}? tell ${arp.senderIp}`, x.pkt);
  if (x.rec.on) x.rec.step('program', at('tail_handle_arp', 'arp_respond'), `not the endpoint's own IP: answer with this interface's MAC ${inst.mac}`, x.pkt);
  // The reply replaces the request in the same buffer.
  x.pkt.arp = { op: 'reply', senderMac: inst.mac, senderIp: arp.targetIp, targetMac: arp.senderMac, targetIp: arp.senderIp };
  x.pkt.eth = { src: inst.mac, dst: arp.senderMac, ethertype: 'ARP' };
  x.rec.touch();
  if (x.rec.on) x.rec.step('program', at('arp_respond', 'arp_prepare_response'), `ARP reply: ${arp.targetIp} is at ${inst.mac}`, x.pkt);
  x.redirect = { ifname: inst.ifname, ifindex: inst.ifindex, direction: 'egress', helper: 'ctx_redirect' };
  if (x.rec.on) x.rec.step('program', at('arp_respond', 'ctx_redirect'), `ctx_redirect(${inst.ifname} ifindex ${inst.ifindex}, egress): reply goes back to the pod`, x.pkt,
    { returnCode: CTX_ACT_REDIRECT, redirect: x.redirect });
  return CTX_ACT_REDIRECT.value;
}

export function tail_handle_ipv4(x: Exec, inst: ProgramInstance): Ret {
  const dst = { identity: 0 };
  const ret = handle_ipv4_from_lxc(x, inst, dst);
  if (ret < 0) return dropNotify(x, at('tail_handle_ipv4', 'send_drop_notify'), ret, inst.identity, dst.identity, METRIC_EGRESS, inst.lxcId);
  return ret;
}

export function handle_ipv4_from_lxc(x: Exec, inst: ProgramInstance, dst: { identity: number }): Ret {
  const ip = x.pkt.ipv4!;
  const ct = ctLookup(x, 'egress');
  if (x.rec.on) x.rec.step('map', at('handle_ipv4_from_lxc', 'ct_lookup4'), `conntrack lookup (egress) ${ip.src} → ${ip.dst}: ${ct}`, x.pkt, { lookups: [ctRecord(x, 'egress', ct)] });

  const info = ipcacheLookup(x, ip.dst);
  dst.identity = info?.identity ?? 2;
  if (x.rec.on) x.rec.step('map', at('handle_ipv4_from_lxc', 'lookup_ip4_remote_endpoint'),
    info ? `ipcache lookup of ${ip.dst} → identity ${identityName(info.identity)}${info.tunnelEndpoint ? `, tunnel endpoint ${info.tunnelEndpoint}` : ''} (${info.prefix})`
      : `ipcache lookup of ${ip.dst} → no entry, identity world`,
    x.pkt, { lookups: [ipcacheRecord(ip.dst, info)] });

  if (ct !== 'CT_REPLY') {
    const hit = policyLookup(x, inst.lxcId, 'egress', dst.identity);
    const verdict = policyVerdict(hit);
    if (x.rec.on) {
      const verdictText = verdict === 'allow' ? 'allowed' : verdict === 'deny' ? 'denied (deny entry)' : 'denied (no matching allow)';
      x.rec.step('map', at('handle_ipv4_from_lxc', 'policy_can_egress4'),
        `egress policy of endpoint ${inst.lxcId} to identity ${identityName(dst.identity)}: ${verdictText}`, x.pkt,
        { lookups: [policyRecord(x, inst.lxcId, 'egress', dst.identity, hit)], notification: { type: 'policy-verdict', srcIdentity: inst.identity, dstIdentity: dst.identity, endpointId: inst.lxcId, message: `egress ${verdictText}` } });
    }
    if (verdict === 'deny') return DROP.DROP_POLICY_DENY.code;
    if (verdict === 'none') return DROP.DROP_POLICY.code;
  }
  if (ct === 'CT_NEW') {
    const created = ctCreate(x, 'egress', inst.identity);
    if (x.rec.on) x.rec.step('map', at('handle_ipv4_from_lxc', 'ct_create4'), 'conntrack: create egress entry', x.pkt, { lookups: [created] });
  }
  if (x.rec.on) x.rec.step('program', at('handle_ipv4_from_lxc', 'ipv4_forward_to_destination'), 'forward to destination', x.pkt);
  return ipv4_forward_to_destination(x, inst, dst.identity, info?.tunnelEndpoint, !!info?.skipTunnel);
}

function ipv4_forward_to_destination(x: Exec, inst: ProgramInstance, dstIdentity: number, tunnelEndpoint: string | undefined, skipTunnel: boolean): Ret {
  const ip = x.pkt.ipv4!;
  const cfg = x.world.config;
  // The source identity always travels with the skb when forwarding (set_identity_mark, MARK_MAGIC_IDENTITY).
  x.pkt.mark = identityMark(inst.identity);
  x.rec.touch();
  const ep = endpointLookup(x, ip.dst);
  if (x.rec.on) x.rec.step('map', at('ipv4_forward_to_destination', '__lookup_ip4_endpoint'),
    ep ? `local endpoint lookup of ${ip.dst} → ${ep.isHost ? 'this node (host endpoint)' : `endpoint ${ep.lxcId} on ifindex ${ep.ifindex}`}` : `local endpoint lookup of ${ip.dst} → not local`,
    x.pkt, { lookups: [endpointRecord(ip.dst, ep)] });
  if (ep && !ep.isHost) {
    return ipv4LocalDelivery(x, ep, inst.identity, METRIC_EGRESS, false, false, AT_LXC_LOCAL_DELIVERY);
  }
  if (ep && ep.isHost) {
    // The node's own address goes up the stack in every mode. (Cilium redirects it straight to the host
    // device — lxc_redirect_to_host — only with the host firewall, which is not modelled.)
    return passToStack(x, inst, dstIdentity);
  }
  if (cfg.tunnel !== 'disabled' && tunnelEndpoint && !skipTunnel) {
    return encapAndRedirect(x, AT_LXC_ENCAP, 'encap_and_redirect_lxc', inst.identity, dstIdentity, tunnelEndpoint);
  }
  if (cfg.tunnel !== 'disabled' && !skipTunnel && x.node.maps.tunnel.size) {
    // Older datapaths find the remote node of a pod CIDR in the tunnel map when the ipcache has no endpoint.
    const t = tunnelMapLookup(x, ip.dst);
    if (x.rec.on) x.rec.step('map', at('ipv4_forward_to_destination', 'tunnel_map'), `tunnel map lookup of ${ip.dst} → ${t.endpoint ?? 'no entry'}`, x.pkt, { lookups: [t.lookup] });
    if (t.endpoint) return encapAndRedirect(x, AT_LXC_ENCAP, 'encap_and_redirect_lxc', inst.identity, dstIdentity, t.endpoint);
  }
  if (cfg.bpfHostRouting) {
    return fibRedirectV4(x, AT_LXC_FIB_REDIRECT, inst.identity, dstIdentity);
  }
  return passToStack(x, inst, dstIdentity);
}

function passToStack(x: Exec, inst: ProgramInstance, dstIdentity: number): Ret {
  if (!x.rec.on) countTrace(x, 'TRACE_TO_STACK');
  else traceStep(x, at('ipv4_forward_to_destination', 'pass_to_stack'), 'TRACE_TO_STACK', inst.identity, dstIdentity,
    `pass_to_stack: hand the packet to the host stack, headers unchanged, identity ${inst.identity} in skb->mark (CTX_ACT_OK)`, { returnCode: CTX_ACT_OK });
  return CTX_ACT_OK.value;
}
