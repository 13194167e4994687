/* Sample tree: BPF masquerading of pod traffic that leaves the node for the
 * world (ENABLE_BPF_MASQUERADE). The real datapath keeps a SNAT table and
 * picks ports; this sketch only swaps the source address.
 */
#pragma once

#include "common.h"
#include "eps.h"

#ifndef IPV4_MASQUERADE
# define IPV4_MASQUERADE	0x0338a8c0	/* the node's address, set by the agent */
#endif

/* Peers inside the cluster see pod addresses; only world traffic is rewritten. */
static __always_inline int handle_nat_fwd(struct __ctx_buff *ctx)
{
	const struct remote_endpoint_info *dst;
	struct iphdr *ip4 = ctx_ip4(ctx);

	if (!ip4)
		return DROP_INVALID;
	dst = lookup_ip4_remote_endpoint(ip4->daddr, 0);
	if (dst && dst->sec_identity != WORLD_IPV4_ID && dst->sec_identity != 2 /* world */)
		return CTX_ACT_OK;
	ip4->saddr = IPV4_MASQUERADE;
	return CTX_ACT_OK;
}
