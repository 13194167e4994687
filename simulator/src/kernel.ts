// Kernel pieces the packet crosses between programs: routing and neighbour tables.
import type { NodeState, Route } from './model';
import { longestMatch } from './model';

export function routeLookup(node: NodeState, dst: string): Route | undefined {
  return longestMatch(node.routes, dst);
}

export function formatRoute(r: Route): string {
  return `${r.prefix}${r.via ? ` via ${r.via}` : ''} dev ${r.dev}${r.src ? ` src ${r.src}` : ''}`;
}

/** Addresses the node itself owns (ip_local_deliver instead of forwarding). */
export function isLocalAddress(node: NodeState, ip: string): boolean {
  return ip === node.nic.ip || ip === node.ciliumHost.ip;
}
