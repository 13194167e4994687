/* Sample tree: endpoint and ipcache lookups. lookup_ip4_remote_endpoint is a
 * function-like macro: the call it stands for (ipcache_lookup4) only shows up
 * once the macro is expanded.
 */
#pragma once

#include "maps.h"

/* All 32 address bits must match; ipcache_lookup4 adds the 32 bits of
 * cluster_id/pad/family that precede the address in the key.
 */
#define V4_CACHE_KEY_LEN	(sizeof(__u32) * 8)
#define ENDPOINT_KEY_IPV4	1

static __always_inline const struct endpoint_info *__lookup_ip4_endpoint(__u32 ip)
{
	struct endpoint_key k = {};

	k.ip4 = ip;
	k.family = ENDPOINT_KEY_IPV4;
	return map_lookup_elem(&cilium_lxc, &k);
}

static __always_inline const struct endpoint_info *lookup_ip4_endpoint(const struct iphdr *hdr)
{
	return __lookup_ip4_endpoint(hdr->daddr);
}

static __always_inline const struct remote_endpoint_info *
ipcache_lookup4(const void *map, __be32 ip, __u32 prefix_bits, __u32 cluster)
{
	struct ipcache_key key = {
		.prefixlen = prefix_bits + 32,
		.family = ENDPOINT_KEY_IPV4,
		.cluster_id = (__u16)cluster,
		.ip4 = ip,
	};

	return map_lookup_elem(map, &key);
}

#define lookup_ip4_remote_endpoint(ADDR, CLUSTER) \
	ipcache_lookup4(&cilium_ipcache_v2, ADDR, V4_CACHE_KEY_LEN, CLUSTER)
