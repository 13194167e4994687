/* Sample tree: tail-call slot numbers, the per-object cilium_calls program
 * array, __declare_tail(SLOT) and tail_call_internal().
 * Several slot names share a number: each object fills the slot with its own
 * program (slot 7 is tail_handle_ipv4 in bpf_lxc.c and bpf_overlay.c, and
 * tail_handle_ipv4_from_netdev in bpf_host.c).
 */
#pragma once

#include <bpf/api.h>
#include "common.h"

#define CILIUM_CALL_ARP				6
#define CILIUM_CALL_IPV4_FROM_LXC		7
#define CILIUM_CALL_IPV4_FROM_NETDEV		CILIUM_CALL_IPV4_FROM_LXC /* bpf_host */
#define CILIUM_CALL_IPV4_FROM_OVERLAY		CILIUM_CALL_IPV4_FROM_LXC /* bpf_overlay */
#define CILIUM_CALL_IPV4_TO_LXC_POLICY_ONLY	11 /* ingress policy, v4 */
#define CILIUM_CALL_IPV4_FROM_HOST		23
#define CILIUM_CALL_SIZE			49

/* Filled by the agent, per object, from the programs tagged below. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(max_entries, CILIUM_CALL_SIZE);
	__array(values, int ());
} cilium_calls __section_maps_btf;

#define __declare_tail(SLOT) \
	__section(PROG_TYPE "/tail") \
	__attribute__((btf_decl_tag("tail:cilium_calls/" __stringify(SLOT))))

/* Returns only when the slot is empty; *ext_err then names the slot. */
static __always_inline __must_check int
tail_call_internal(struct __ctx_buff *ctx, const __u32 slot, __s8 *ext_err)
{
	tail_call_static(ctx, cilium_calls, slot);
	if (ext_err)
		*ext_err = (__s8)slot;
	return DROP_MISSED_TAIL_CALL;
}
