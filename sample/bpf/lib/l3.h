/* Sample tree: what "routing" a packet means at L2/L3 — decrement the TTL and
 * rewrite the Ethernet addresses, as if it had crossed a router (the node).
 */
#pragma once

#include "common.h"

#define DROP_TTL_EXCEEDED	-154

/* Cilium keeps these in lib/ipv4.h and lib/eth.h. */
static __always_inline int ipv4_dec_ttl(struct __ctx_buff *ctx __maybe_unused, int off __maybe_unused,
					struct iphdr *ip4)
{
	if (ip4->ttl <= 1)
		return DROP_TTL_EXCEEDED;
	ip4->ttl--;
	ip4->check += 0x0001;	/* the checksum moves with the TTL */
	return 0;
}

static __always_inline int eth_store_saddr(struct __ctx_buff *ctx, const __u8 *mac, int off)
{
	return (int)skb_store_bytes(ctx, off + 6, mac, 6, 0);
}

static __always_inline int eth_store_daddr(struct __ctx_buff *ctx, const __u8 *mac, int off)
{
	return (int)skb_store_bytes(ctx, off, mac, 6, 0);
}

static __always_inline int ipv4_l3(struct __ctx_buff *ctx, int l3_off, const __u8 *smac,
				   const __u8 *dmac, struct iphdr *ip4)
{
	if (ipv4_dec_ttl(ctx, l3_off, ip4))
		return DROP_TTL_EXCEEDED;
	if (smac != NULL && eth_store_saddr(ctx, smac, 0) < 0)
		return DROP_INVALID;
	if (eth_store_daddr(ctx, dmac, 0) < 0)
		return DROP_INVALID;
	return CTX_ACT_OK;
}
