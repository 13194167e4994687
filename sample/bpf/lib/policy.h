/* Sample tree: policy verdicts. The agent writes one entry per allowed
 * (remote identity, direction, protocol, port) into the endpoint's
 * cilium_policy_v2; a lookup miss means "deny".
 */
#pragma once

#include "common.h"
#include "conntrack.h"

#define POLICY_INGRESS	0
#define POLICY_EGRESS	1

struct policy_key {
	__u32 sec_label;
	__u16 dport;
	__u8 protocol;
	__u8 egress;
};

struct policy_entry {
	__be16 proxy_port;
	__u8 deny;
	__u8 pad;
	__u64 packets;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct policy_key);
	__type(value, struct policy_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 16384);
} cilium_policy_v2 __section_maps_btf;

/* Exact port first, then the "any port" (0) entry for the same identity. */
static __always_inline int
policy_can_access(struct __ctx_buff *ctx __maybe_unused, __u32 remote_id, __u16 dport,
		  __u8 proto, __u8 egress)
{
	struct policy_key key = { .sec_label = remote_id, .dport = dport,
				  .protocol = proto, .egress = egress };
	struct policy_entry *entry = map_lookup_elem(&cilium_policy_v2, &key);

	if (!entry) {
		key.dport = 0;
		entry = map_lookup_elem(&cilium_policy_v2, &key);
	}
	if (!entry || entry->deny)
		return DROP_POLICY;
	entry->packets++;
	return CTX_ACT_OK;
}

static __always_inline int
policy_can_egress4(struct __ctx_buff *ctx, const struct ipv4_ct_tuple *tuple,
		   __u32 src_id __maybe_unused, __u32 dst_id)
{
	return policy_can_access(ctx, dst_id, tuple->dport, tuple->nexthdr, POLICY_EGRESS);
}

static __always_inline int
policy_can_ingress4(struct __ctx_buff *ctx, const struct ipv4_ct_tuple *tuple,
		    __u32 src_id, __u32 dst_id __maybe_unused)
{
	return policy_can_access(ctx, src_id, tuple->dport, tuple->nexthdr, POLICY_INGRESS);
}
