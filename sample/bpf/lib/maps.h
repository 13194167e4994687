/* Sample tree: the node-wide lookup maps the walk-through consults:
 * cilium_lxc (local endpoints by IPv4) and cilium_ipcache_v2 (every known
 * IP prefix -> security identity and tunnel endpoint).
 */
#pragma once

#include "common.h"

#define BPF_MAP_TYPE_LPM_TRIE	11
#define BPF_F_NO_PREALLOC	1

struct endpoint_key {
	__be32 ip4;
	__u8 family;
	__u8 key;
	__u16 cluster_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct endpoint_key);
	__type(value, struct endpoint_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 65535);
} cilium_lxc __section_maps_btf;

struct ipcache_key {
	__u32 prefixlen;	/* LPM trie: bits that follow and must match */
	__u16 cluster_id;
	__u8 pad;
	__u8 family;
	__be32 ip4;
};

/* What the node knows about any address: who it is and how to reach it. */
struct remote_endpoint_info {
	__u32 sec_identity;
	__be32 tunnel_endpoint;
	__u16 node_id;
	__u8 key;
	__u8 flag_skip_tunnel:1,
	     flag_has_tunnel_ep:1,
	     pad:6;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct ipcache_key);
	__type(value, struct remote_endpoint_info); /* identity, tunnel */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 512000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_ipcache_v2 __section_maps_btf;
