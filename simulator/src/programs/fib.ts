// fib_redirect_v4 under BPF host routing: FIB lookup, TTL and MAC rewrite, redirect_neigh to the NIC.
import { at } from '../catalog';
import { CTX_ACT_REDIRECT, DROP } from '../constants';
import { type Exec, type Ret, traceStep, countTrace } from '../exec';
import { routeLookup } from '../kernel';
import type { SourceAnchor } from '../trace';

export function fibRedirectV4(x: Exec, caller: SourceAnchor, srcIdentity: number, dstIdentity: number): Ret {
  const ip = x.pkt.ipv4!;
  const route = routeLookup(x.node, ip.dst);
  if (x.rec.on) x.rec.step('program', caller, 'BPF host routing: FIB lookup and redirect, bypassing the host stack', x.pkt);
  if (!route || route.dev !== x.node.nic.name) {
    if (x.rec.on) x.rec.step('route', at('fib_redirect_v4', 'fib_lookup'), `fib lookup of ${ip.dst}: ${route ? `via ${route.dev}` : 'no route'}`, x.pkt);
    return DROP.DROP_NO_FIB.code;
  }
  const nextHop = route.via ?? ip.dst;
  const mac = x.node.neighbours.get(nextHop) ?? x.world.externalGatewayMac;
  if (x.rec.on) x.rec.step('route', at('fib_redirect_v4', 'fib_lookup'), `fib lookup of ${ip.dst}: ${route.prefix}${route.via ? ` via ${route.via}` : ''} dev ${route.dev}, neighbour ${mac}`, x.pkt);
  if (ip.ttl <= 1) return DROP.DROP_TTL_EXCEEDED.code;
  ip.ttl -= 1;
  x.pkt.eth.src = x.node.nic.mac;
  x.pkt.eth.dst = mac;
  x.rec.touch();
  if (x.rec.on) x.rec.step('program', at('fib_redirect_v4', 'ipv4_l3'), `ipv4_l3: TTL ${ip.ttl + 1} → ${ip.ttl}; MACs ${x.node.nic.mac} → ${mac}`, x.pkt);
  x.redirect = { ifname: x.node.nic.name, ifindex: x.node.nic.ifindex, direction: 'egress', helper: 'redirect_neigh' };
  if (!x.rec.on) countTrace(x, 'TRACE_TO_NETWORK');
  else traceStep(x, at('fib_redirect_v4', 'redirect_neigh'), 'TRACE_TO_NETWORK', srcIdentity, dstIdentity, `redirect_neigh to ${x.node.nic.name} (ifindex ${x.node.nic.ifindex})`,
    { returnCode: CTX_ACT_REDIRECT, redirect: x.redirect, ifindex: x.node.nic.ifindex });
  return CTX_ACT_REDIRECT.value;
}
