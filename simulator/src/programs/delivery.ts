// Local delivery to an endpoint on this node and the endpoint's ingress policy program, reached
// through the per-endpoint policy tail call (cilium_call_policy[lxc_id]).
import { at } from '../catalog';
import { CTX_ACT_OK, CTX_ACT_REDIRECT, DROP, identityName, METRIC_EGRESS, METRIC_INGRESS, REASON_FORWARDED } from '../constants';
import {
  ctCreate, ctLookup, ctRecord, dropNotify, type Exec, type ProgramInstance, type Ret, policyLookup, policyRecord, policyVerdict, traceStep, countTrace, updateMetrics,
} from '../exec';
import type { EndpointEntry, PodState } from '../model';
import type { SourceAnchor } from '../trace';

// Anchors passed down on every packet, resolved once (a verdict-only run records no steps but still passes them).
const AT_POLICY_REDIRECT_EP = at('tail_ipv4_policy', 'redirect_ep');

/** ipv4_local_delivery: ipv4_l3 (TTL, MACs from the endpoint entry), then local_delivery. */
export function ipv4LocalDelivery(x: Exec, ep: EndpointEntry, srcIdentity: number, dir: number, fromHost: boolean, fromTunnel: boolean, caller: SourceAnchor): Ret {
  if (x.rec.on) x.rec.step('program', caller, `local delivery to endpoint ${ep.lxcId} (ifindex ${ep.ifindex})`, x.pkt);
  const ip = x.pkt.ipv4!;
  if (ip.ttl <= 1) return DROP.DROP_TTL_EXCEEDED.code;
  const oldTtl = ip.ttl;
  ip.ttl -= 1;
  const oldSrc = x.pkt.eth.src;
  const oldDst = x.pkt.eth.dst;
  x.pkt.eth.src = ep.nodeMac;
  x.pkt.eth.dst = ep.mac;
  x.rec.touch();
  if (x.rec.on) x.rec.step('program', at('ipv4_local_delivery', 'ipv4_l3'),
    `ipv4_l3: TTL ${oldTtl} → ${ip.ttl}; MAC ${oldSrc} → ${ep.nodeMac} (node_mac), ${oldDst} → ${ep.mac} (endpoint mac)`, x.pkt);
  const lookups = dir === METRIC_EGRESS ? [updateMetrics(x, dir, REASON_FORWARDED)] : [];
  x.srcLabel = srcIdentity;
  x.fromHost = fromHost;
  x.fromTunnel = fromTunnel;
  const target = instanceOf(x, ep);
  if (x.rec.on) x.rec.step('tail-call', at('local_delivery', 'tail_call_policy'),
    `tail call into endpoint ${ep.lxcId}'s policy program (cilium_call_policy[${ep.lxcId}]) with source identity ${identityName(srcIdentity)}`, x.pkt, { lookups });
  x.tailCalls?.push('cil_lxc_policy');
  return cil_lxc_policy(x, target);
}

/** The destination endpoint's program constants; made once per endpoint entry, not per packet. */
const instances = new WeakMap<EndpointEntry, ProgramInstance>();
export function instanceOf(x: Exec, ep: EndpointEntry): ProgramInstance {
  let inst = instances.get(ep);
  if (inst) return inst;
  let pod: PodState | undefined;
  for (const p of x.node.pods) if (p.endpointId === ep.lxcId) { pod = p; break; }
  inst = { lxcId: ep.lxcId, identity: pod?.identity ?? ep.identity ?? 0, ifindex: ep.ifindex, ifname: pod?.lxc.name ?? `ifindex ${ep.ifindex}`, mac: ep.nodeMac, ip: ep.ip };
  instances.set(ep, inst);
  return inst;
}

/** The policy program (section of bpf_lxc reached by the policy tail call). */
export function cil_lxc_policy(x: Exec, inst: ProgramInstance): Ret {
  if (x.pkt.eth.ethertype !== 'IPv4' || !x.pkt.ipv4) {
    return dropNotify(x, at('cil_lxc_policy', 'validate_ethertype'), DROP.DROP_UNKNOWN_L3.code, x.srcLabel, inst.identity, METRIC_INGRESS, inst.lxcId);
  }
  if (x.rec.on) x.rec.step('tail-call', at('cil_lxc_policy', 'tail_ipv4_policy'), 'tail call CILIUM_CALL_IPV4_CT_INGRESS_POLICY_ONLY → tail_ipv4_policy', x.pkt);
  x.tailCalls?.push('tail_ipv4_policy');
  return tail_ipv4_policy(x, inst);
}

export function tail_ipv4_policy(x: Exec, inst: ProgramInstance): Ret {
  const srcLabel = x.srcLabel;
  const ret = ipv4_policy(x, inst, srcLabel);
  if (ret < 0) return dropNotify(x, at('tail_ipv4_policy', 'send_drop_notify'), ret, srcLabel, inst.identity, METRIC_INGRESS, inst.lxcId);
  return redirect_ep(x, inst, AT_POLICY_REDIRECT_EP);
}

export function ipv4_policy(x: Exec, inst: ProgramInstance, srcLabel: number): Ret {
  const ip = x.pkt.ipv4!;
  const ct = ctLookup(x, 'ingress');
  if (x.rec.on) x.rec.step('map', at('ipv4_policy', 'ct_lookup4'), `conntrack lookup (ingress) ${ip.src} → ${ip.dst}: ${ct}`, x.pkt, { lookups: [ctRecord(x, 'ingress', ct)] });
  if (ct !== 'CT_REPLY') {
    const hit = policyLookup(x, inst.lxcId, 'ingress', srcLabel);
    const verdict = policyVerdict(hit);
    if (x.rec.on) {
      const verdictText = verdict === 'allow' ? 'allowed' : verdict === 'deny' ? 'denied (deny entry)' : 'denied (no matching allow)';
      x.rec.step('map', at('ipv4_policy', 'policy_can_ingress4'), `ingress policy of endpoint ${inst.lxcId} from identity ${identityName(srcLabel)}: ${verdictText}`, x.pkt,
        { lookups: [policyRecord(x, inst.lxcId, 'ingress', srcLabel, hit)], notification: { type: 'policy-verdict', srcIdentity: srcLabel, dstIdentity: inst.identity, endpointId: inst.lxcId, message: `ingress ${verdictText}` } });
    }
    if (verdict === 'deny') return DROP.DROP_POLICY_DENY.code;
    if (verdict === 'none') return DROP.DROP_POLICY.code;
    if (ct === 'CT_NEW') {
      const created = ctCreate(x, 'ingress', srcLabel);
      if (x.rec.on) x.rec.step('map', at('ipv4_policy', 'ct_create4'), 'conntrack: create ingress entry', x.pkt, { lookups: [created] });
    }
  }
  if (!x.rec.on) countTrace(x, 'TRACE_TO_LXC');
  else traceStep(x, at('ipv4_policy', 'send_trace_notify4'), 'TRACE_TO_LXC', srcLabel, inst.identity, `to endpoint ${inst.lxcId} (identity ${identityName(inst.identity)})`,
    { endpointId: inst.lxcId, ifindex: inst.ifindex });
  return CTX_ACT_OK.value;
}

/** redirect_ep: ctx_redirect to the lxc (egress, via veth to the pod), or ctx_redirect_peer straight into the pod under BPF host routing. */
export function redirect_ep(x: Exec, inst: ProgramInstance, caller: SourceAnchor): Ret {
  const fast = x.world.config.bpfHostRouting && !x.fromHost;
  if (x.rec.on) x.rec.step('program', caller, `redirect_ep(ifindex ${inst.ifindex}${fast ? ', fast redirect' : ''})`, x.pkt);
  if (fast) {
    x.redirect = { ifname: inst.ifname, ifindex: inst.ifindex, direction: 'ingress', helper: 'ctx_redirect_peer' };
    if (x.rec.on) x.rec.step('program', at('redirect_ep', 'ctx_redirect_peer'), `ctx_redirect_peer(${inst.ifindex}): straight into the pod's eth0 (peer of ${inst.ifname}), skipping the veth`, x.pkt,
      { returnCode: CTX_ACT_REDIRECT, redirect: x.redirect });
  } else {
    x.redirect = { ifname: inst.ifname, ifindex: inst.ifindex, direction: 'egress', helper: 'ctx_redirect' };
    if (x.rec.on) x.rec.step('program', at('redirect_ep', 'ctx_redirect'), `ctx_redirect(${inst.ifindex}, egress): out of ${inst.ifname} into the pod`, x.pkt,
      { returnCode: CTX_ACT_REDIRECT, redirect: x.redirect });
  }
  return CTX_ACT_REDIRECT.value;
}
