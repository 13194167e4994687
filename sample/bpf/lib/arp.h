/* Sample tree: the ARP responder. A pod's ARP request for any address is
 * answered with the node's MAC, so all pod traffic is routed via the node.
 */
#pragma once

#include "common.h"

#define ARPOP_REQUEST	1
#define ARPOP_REPLY	2

struct arp_eth {
	__u16 op;
	union macaddr sha;
	__be32 sip;
	union macaddr tha;
	__be32 tip;
};

static __always_inline struct arp_eth *ctx_arp(const struct __ctx_buff *ctx)
{
	return (struct arp_eth *)((char *)(unsigned long)ctx->data + ETH_HLEN);
}

/* Accepts only well-formed requests; hands back who asked and for what. */
static __always_inline bool
arp_validate(const struct __ctx_buff *ctx, union macaddr *mac __maybe_unused,
	     union macaddr *sender_mac, __be32 *sender_ip, __be32 *target_ip)
{
	struct arp_eth *arp = ctx_arp(ctx);

	if ((void *)(arp + 1) > (void *)(unsigned long)ctx->data_end)
		return false;
	if (arp->op != bpf_htons(ARPOP_REQUEST))
		return false;
	*sender_mac = arp->sha;
	*sender_ip = arp->sip;
	*target_ip = arp->tip;
	return true;
}

static __always_inline int
arp_prepare_response(struct __ctx_buff *ctx, union macaddr *from_mac, __be32 from_ip,
		     union macaddr *to_mac, __be32 to_ip)
{
	struct arp_eth *arp = ctx_arp(ctx);

	arp->op = bpf_htons(ARPOP_REPLY);
	arp->tha = *to_mac;
	arp->tip = to_ip;
	arp->sha = *from_mac;
	arp->sip = from_ip;
	return 0;
}

/* Turns the request into a reply in place and bounces it back out. */
static __always_inline int
arp_respond(struct __ctx_buff *ctx, union macaddr *from_mac, __be32 from_ip,
	    union macaddr *to_mac, __be32 to_ip, int direction)
{
	if (arp_prepare_response(ctx, from_mac, from_ip, to_mac, to_ip) < 0)
		return DROP_INVALID;
	return ctx_redirect(ctx, ctx->ifindex, direction);
}
