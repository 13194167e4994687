/* Sample tree: connection tracking. ct_lookup4 classifies a packet against
 * the CT table; only CT_NEW packets go through policy, replies skip it.
 */
#pragma once

#include "common.h"

enum ct_dir {
	CT_EGRESS,
	CT_INGRESS,
};

enum ct_status {
	CT_NEW,
	CT_ESTABLISHED,
	CT_REPLY,
	CT_RELATED,
};

struct ipv4_ct_tuple {
	__be32 daddr;
	__be32 saddr;
	__be16 dport;
	__be16 sport;
	__u8 nexthdr;
	__u8 flags;
};

struct ct_entry {
	__u64 lifetime;
	__u32 src_sec_id;
	__u16 rev_nat_index;
	__u16 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct ipv4_ct_tuple);
	__type(value, struct ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 524288);
} cilium_ct4_global __section_maps_btf;

static __always_inline void ipv4_ct_tuple_reverse(struct ipv4_ct_tuple *tuple)
{
	__be32 addr = tuple->daddr;
	__be16 port = tuple->dport;

	tuple->daddr = tuple->saddr;
	tuple->saddr = addr;
	tuple->dport = tuple->sport;
	tuple->sport = port;
}

/* A hit on the tuple as given is an established flow; a hit on the reversed
 * tuple means this packet answers a flow the other side opened.
 */
static __always_inline int ct_lookup4(const void *map, struct ipv4_ct_tuple *tuple,
				      struct __ctx_buff *ctx __maybe_unused, enum ct_dir dir __maybe_unused)
{
	if (map_lookup_elem(map, tuple))
		return CT_ESTABLISHED;

	ipv4_ct_tuple_reverse(tuple);
	if (map_lookup_elem(map, tuple)) {
		ipv4_ct_tuple_reverse(tuple);
		return CT_REPLY;
	}
	ipv4_ct_tuple_reverse(tuple);
	return CT_NEW;
}

static __always_inline int ct_create4(const void *map, const struct ipv4_ct_tuple *tuple,
				      __u32 src_sec_id)
{
	struct ct_entry entry = { .lifetime = 21600, .src_sec_id = src_sec_id };

	return map_update_elem(map, tuple, &entry, 0) ? DROP_INVALID : 0;
}
