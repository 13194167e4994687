/* Sample tree: the host object, attached to cilium_host (cil_from_host on tc
 * egress, cil_to_host on tc ingress) and to the node's native devices
 * (cil_from_netdev on tc ingress, cil_to_netdev on tc egress).
 *
 * Walk: cil_from_netdev / cil_from_host -> do_netdev -> [tail]
 *   tail_handle_ipv4_from_netdev / tail_handle_ipv4_from_host -> handle_ipv4
 *   (header checks) -> handle_ipv4_cont: a local pod gets ipv4_local_delivery
 *   (-> its cil_lxc_policy), a pod on another node is encapsulated (tunnel
 *   mode), anything else goes to the stack. Cilium puts a tail call
 *   (CILIUM_CALL_IPV4_CONT_FROM_*) between handle_ipv4 and handle_ipv4_cont;
 *   here it is a plain call.
 */
#include <bpf/ctx/skb.h>
#include <bpf/api.h>
#include "lib/common.h"
#include "lib/tailcall.h"
#include "lib/drop.h"
#include "lib/trace.h"
#include "lib/maps.h"
#include "lib/eps.h"
#include "lib/encap.h"
#include "lib/local_delivery.h"
#include "lib/nodeport.h"

#define WORLD_ID	2

#ifdef ENABLE_IPV4
/* Where did this packet come from? Trust the ipcache over the device. */
static __always_inline __u32 resolve_srcid_ipv4(const struct iphdr *ip4, __u32 device_identity)
{
	const struct remote_endpoint_info *src = lookup_ip4_remote_endpoint(ip4->saddr, 0);

	return src ? src->sec_identity : device_identity;
}

static __always_inline int handle_ipv4_cont(struct __ctx_buff *ctx, __u32 secctx, bool from_host)
{
	struct iphdr *ip4 = ctx_ip4(ctx);
	const struct endpoint_info *ep;

	if (!ip4)
		return DROP_INVALID;

	ep = lookup_ip4_endpoint(ip4);
	if (ep) {
		/* Addressed to the node itself. */
		if (ep->flags & ENDPOINT_F_HOST)
			return CTX_ACT_OK;
		return ipv4_local_delivery(ctx, ETH_HLEN, secctx, ip4, ep, from_host);
	}

#ifdef TUNNEL_MODE
	{
		const struct remote_endpoint_info *dst = lookup_ip4_remote_endpoint(ip4->daddr, 0);

		if (dst && dst->flag_has_tunnel_ep)
			return encap_and_redirect_with_nodeid(ctx, dst, secctx, dst->sec_identity);
	}
#endif
	return CTX_ACT_OK;
}

/* Refuse what cannot be routed before looking anything up. */
static __always_inline int handle_ipv4(struct __ctx_buff *ctx, __u32 secctx, bool from_host)
{
	struct iphdr *ip4 = ctx_ip4(ctx);

	if (!ip4)
		return DROP_INVALID;
	if (ip4->ttl <= 1)
		return DROP_TTL_EXCEEDED;
	return handle_ipv4_cont(ctx, secctx, from_host);
}

__declare_tail(CILIUM_CALL_IPV4_FROM_HOST) int tail_handle_ipv4_from_host(struct __ctx_buff *ctx)
{
	int ret = handle_ipv4(ctx, HOST_ID, true);

	return IS_ERR(ret) ? send_drop_notify_error(ctx, HOST_ID, ret, METRIC_EGRESS) : ret;
}

__declare_tail(CILIUM_CALL_IPV4_FROM_NETDEV) int tail_handle_ipv4_from_netdev(struct __ctx_buff *ctx)
{
	__u32 sender_id = ctx_load_meta(ctx, CB_SRC_LABEL);
	int ret = handle_ipv4(ctx, sender_id, false);

	return IS_ERR(ret) ? send_drop_notify_error(ctx, sender_id, ret, METRIC_INGRESS) : ret;
}
#endif /* ENABLE_IPV4 */

/* Both directions through the host share this dispatcher; only the slot differs. */
static __always_inline int do_netdev(struct __ctx_buff *ctx, __u16 proto, bool from_host)
{
	__u32 identity = from_host ? HOST_ID : WORLD_ID;
	__s8 ext_err __maybe_unused = 0;

	send_trace_notify(ctx, from_host ? TRACE_FROM_HOST : TRACE_FROM_NETWORK, identity, 0,
			  ctx->ingress_ifindex);

	switch (proto) {
#ifdef ENABLE_IPV4
	case bpf_htons(ETH_P_IP): {
		struct iphdr *ip4 = ctx_ip4(ctx);

		if (!ip4)
			return send_drop_notify_error(ctx, identity, DROP_INVALID, from_host ?
						      METRIC_EGRESS : METRIC_INGRESS);
		if (!from_host)
			identity = resolve_srcid_ipv4(ip4, identity);
		ctx_store_meta(ctx, CB_SRC_LABEL, identity); /* read back after the tail call */
		return tail_call_internal(ctx, from_host ? CILIUM_CALL_IPV4_FROM_HOST :
					  CILIUM_CALL_IPV4_FROM_NETDEV, &ext_err);
	}
#endif
	default:
		/* ARP, IPv6 when disabled, ...: the stack handles it. */
		return CTX_ACT_OK;
	}
}

__section_entry
int cil_from_netdev(struct __ctx_buff *ctx) /* native devices, tc ingress */
{
	__u16 proto = 0;

	if (!validate_ethertype(ctx, &proto))
		return CTX_ACT_OK;
	return do_netdev(ctx, proto, false);
}

__section_entry
int cil_from_host(struct __ctx_buff *ctx) /* cilium_host, tc egress */
{
	__u16 proto = 0;

	if (!validate_ethertype(ctx, &proto))
		return send_drop_notify_error(ctx, HOST_ID, DROP_UNSUPPORTED_L2, METRIC_EGRESS);
	return do_netdev(ctx, proto, true);
}

/* Leaving the node through a native device. */
__section_entry
int cil_to_netdev(struct __ctx_buff *ctx) /* native devices, tc egress */
{
	__u32 src_id = ctx->mark >> 16;

#ifdef ENABLE_BPF_MASQUERADE
	{
		int ret = handle_nat_fwd(ctx);

		if (IS_ERR(ret))
			return send_drop_notify_error(ctx, src_id, ret, METRIC_EGRESS);
	}
#endif
	send_trace_notify(ctx, TRACE_TO_NETWORK, src_id, 0, ctx->ifindex);
	return CTX_ACT_OK;
}

/* Packets the datapath sends up to the host stack pass here last. */
__section_entry
int cil_to_host(struct __ctx_buff *ctx) /* cilium_host, tc ingress */
{
	send_trace_notify(ctx, TRACE_TO_STACK, ctx->mark >> 16, HOST_ID, ctx->ifindex);
	/* Identity travelled in the mark; the stack must not see it. */
	ctx->mark = 0;
	return CTX_ACT_OK;
}

char __license[] __section("license") = "Dual BSD/GPL";
