// Tunnel redirect: set the tunnel key (remote node IP, VNI = source identity) and redirect to the
// tunnel device. The inner packet is left untouched; the kernel's vxlan/geneve driver adds outer headers.
import { at } from '../catalog';
import { CTX_ACT_REDIRECT } from '../constants';
import { type Exec, type Ret, traceStep, countTrace } from '../exec';
import type { SourceAnchor } from '../trace';

export function encapAndRedirect(x: Exec, caller: SourceAnchor, via: 'encap_and_redirect_lxc' | 'encap_and_redirect_with_nodeid', srcIdentity: number, dstIdentity: number, tunnelEndpoint: string): Ret {
  const kind = x.world.config.tunnel === 'geneve' ? 'geneve' : 'vxlan';
  if (x.rec.on) x.rec.step('program', caller, `tunnel endpoint ${tunnelEndpoint}: encapsulate towards it`, x.pkt);
  if (x.rec.on) {
    const next = at(via, '__encap_and_redirect_with_nodeid');
    x.rec.step('program', next, `${via} → ${next.call}`, x.pkt);
  }
  x.tunnelKey = { remote: tunnelEndpoint, vni: srcIdentity, kind };
  if (x.rec.on) x.rec.step('program', at('__encap_and_redirect_with_nodeid', 'ctx_set_encap_info4'),
    `set tunnel key: remote ${tunnelEndpoint}, VNI ${srcIdentity} (source identity); inner packet unchanged`, x.pkt);
  const dev = x.node.tunnelDev;
  x.redirect = { ifname: dev.name, ifindex: dev.ifindex, direction: 'egress', helper: 'ctx_redirect' };
  if (!x.rec.on) countTrace(x, 'TRACE_TO_OVERLAY');
  else traceStep(x, at('__encap_and_redirect_with_nodeid', 'ctx_redirect'), 'TRACE_TO_OVERLAY', srcIdentity, dstIdentity,
    `ctx_redirect to ${dev.name} (ifindex ${dev.ifindex}, egress)`, { returnCode: CTX_ACT_REDIRECT, redirect: x.redirect, ifindex: dev.ifindex });
  return CTX_ACT_REDIRECT.value;
}
