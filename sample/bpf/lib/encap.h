/* Sample tree: VXLAN/Geneve encapsulation towards the node that hosts the
 * destination. Tunnel mode only; the tunnel device is ENCAP_IFINDEX.
 */
#pragma once

#include "common.h"
#include "maps.h"
#include "trace.h"

#ifndef ENCAP_IFINDEX
# define ENCAP_IFINDEX	3	/* cilium_vxlan, set by the agent */
#endif

/* Sets the tunnel key the vxlan/geneve driver builds the outer headers from. */
static __always_inline int
__encap_with_nodeid4(struct __ctx_buff *ctx, __be32 tunnel_endpoint, __u32 seclabel, __u32 dstid)
{
	struct bpf_tunnel_key key = {
		.tunnel_id = seclabel,	/* the VNI carries the source identity */
		.remote_ipv4 = tunnel_endpoint,
		.tunnel_ttl = 64,
	};

	if (skb_set_tunnel_key(ctx, &key, sizeof(key), 0) < 0)
		return DROP_INVALID;
	send_trace_notify(ctx, TRACE_TO_OVERLAY, seclabel, dstid, ENCAP_IFINDEX);
	return CTX_ACT_REDIRECT;
}

static __always_inline int
__encap_and_redirect_with_nodeid(struct __ctx_buff *ctx, __be32 tunnel_endpoint,
				 __u32 seclabel, __u32 dstid)
{
	int ret = __encap_with_nodeid4(ctx, tunnel_endpoint, seclabel, dstid);

	if (ret != CTX_ACT_REDIRECT)
		return ret;
	return ctx_redirect(ctx, ENCAP_IFINDEX, 0); /* out via the tunnel device */
}

static __always_inline int
encap_and_redirect_with_nodeid(struct __ctx_buff *ctx, const struct remote_endpoint_info *info,
			       __u32 seclabel, __u32 dstid)
{
	return __encap_and_redirect_with_nodeid(ctx, info->tunnel_endpoint, seclabel, dstid);
}

/* Pod egress towards a pod on another node. */
static __always_inline int
encap_and_redirect_lxc(struct __ctx_buff *ctx, const struct remote_endpoint_info *dst,
		       __u32 seclabel, __u32 dstid)
{
	return encap_and_redirect_with_nodeid(ctx, dst, seclabel, dstid);
}

/* Receive side: the tunnel key of a decapsulated packet (VNI = source identity). */
static __always_inline int get_tunnel_key(struct __ctx_buff *ctx, struct bpf_tunnel_key *key)
{
	return (int)skb_get_tunnel_key(ctx, key, sizeof(*key), 0);
}
