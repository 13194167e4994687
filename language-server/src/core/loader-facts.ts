// Loader facts: what the Cilium agent does with the compiled objects, which the C source cannot tell.
// This is the only place in the core that knows program or map names; everything else is derived
// from the tree's own #defines. Keep it small, and say where each fact comes from.
import type { AttachPoint } from './graph-schema';

/** Which program array a policy program is installed into. */
export type PolicyRole = 'policy-ingress' | 'policy-egress';
export type MapRole = 'calls' | 'custom-calls' | PolicyRole;

/**
 * Program-array maps. Older trees put programs into maps by number (`__section_tail(ID, KEY)` gives the
 * ELF section "ID/KEY"); the legacy map struct carries the same number in `.id`, BTF maps do not, so the
 * loader's numbering is listed here (lib/ids.h / lib/maps.h define the id macros). `names` are the
 * spellings a call site may use for the map (macro or final name); they are expanded per object.
 */
export const PROGRAM_ARRAYS: { idMacro: string; names: string[]; role: MapRole }[] = [
  { idMacro: 'CILIUM_MAP_POLICY', names: ['POLICY_CALL_MAP', 'cilium_call_policy'], role: 'policy-ingress' },
  { idMacro: 'CILIUM_MAP_CALLS', names: ['CALLS_MAP', 'cilium_calls'], role: 'calls' },
  { idMacro: 'CILIUM_MAP_CUSTOM_CALLS', names: ['CUSTOM_CALLS_MAP', 'cilium_calls_custom'], role: 'custom-calls' },
  { idMacro: 'CILIUM_MAP_EGRESSPOLICY', names: ['POLICY_EGRESSCALL_MAP', 'cilium_egresscall_policy'], role: 'policy-egress' },
];

/**
 * Entry programs (newer trees: `__section_entry`, the function name is the program) that the agent
 * installs into a policy map at the endpoint's id instead of attaching them to a device
 * (pkg/datapath/loader: the lxc/host policy programs).
 */
export const POLICY_ENTRY_PROGRAMS: Record<string, PolicyRole> = {
  handle_policy: 'policy-ingress',
  cil_lxc_policy: 'policy-ingress',
  handle_policy_egress: 'policy-egress',
  cil_lxc_policy_egress: 'policy-egress',
  cil_host_policy: 'policy-ingress',
};

/**
 * Attach points of entry programs, by program (function) name and by older section name.
 * From the loader: lxc programs on the pod's host-side veth/netkit, host programs on cilium_host,
 * cilium_net and the native devices, overlay programs on the tunnel device.
 */
const ATTACH: Record<string, AttachPoint> = {
  'from-container': { device: 'lxc*', hook: 'tc-ingress', note: 'packets leaving the pod' },
  'to-container': { device: 'lxc*', hook: 'tc-egress', note: 'packets entering the pod (when per-endpoint routes are used)' },
  'from-netdev': { device: '<native-dev>', hook: 'tc-ingress' },
  'to-netdev': { device: '<native-dev>', hook: 'tc-egress' },
  'from-host': { device: 'cilium_host', hook: 'tc-egress', note: 'packets the host stack sends via cilium_host' },
  'to-host': { device: 'cilium_host', hook: 'tc-ingress', note: 'also attached to cilium_net' },
  'from-overlay': { device: 'cilium_vxlan', hook: 'tc-ingress' },
  'to-overlay': { device: 'cilium_vxlan', hook: 'tc-egress' },
  'from-network': { device: '<native-dev>', hook: 'tc-ingress', note: 'IPsec decryption path' },
  'from-wireguard': { device: 'cilium_wg0', hook: 'tc-ingress' },
  'to-wireguard': { device: 'cilium_wg0', hook: 'tc-egress' },
  'xdp': { device: '<native-dev>', hook: 'xdp' },
};

const BY_FUNCTION: Record<string, string> = {
  handle_xgress: 'from-container',
  handle_to_container: 'to-container',
  cil_from_container: 'from-container',
  cil_to_container: 'to-container',
  from_netdev: 'from-netdev',
  cil_from_netdev: 'from-netdev',
  to_netdev: 'to-netdev',
  cil_to_netdev: 'to-netdev',
  from_host: 'from-host',
  cil_from_host: 'from-host',
  to_host: 'to-host',
  cil_to_host: 'to-host',
  from_overlay: 'from-overlay',
  cil_from_overlay: 'from-overlay',
  to_overlay: 'to-overlay',
  cil_to_overlay: 'to-overlay',
  from_network: 'from-network',
  cil_from_network: 'from-network',
  cil_from_wireguard: 'from-wireguard',
  cil_to_wireguard: 'to-wireguard',
  xdp_start: 'xdp',
  cil_xdp_entry: 'xdp',
};

/** Attach point of an entry program; `object` disambiguates bpf_xdp.c's "from-netdev" (an XDP program). */
export function attachPointFor(functionName: string, section: string | undefined, object: string): AttachPoint | undefined {
  if (/xdp/.test(object) || section === 'xdp' || section?.startsWith('xdp/')) return ATTACH.xdp;
  if (section?.startsWith('cgroup/')) return { device: 'cgroup', hook: 'cgroup', note: section.slice('cgroup/'.length) };
  if (section && /^(sk_msg|sockops)/.test(section)) return { device: 'socket', hook: 'socket', note: section };
  const key = (section && ATTACH[section] ? section : undefined) ?? BY_FUNCTION[functionName];
  return key ? ATTACH[key] : undefined;
}
