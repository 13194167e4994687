/* Sample tree: the overlay object, attached to cilium_vxlan (cil_from_overlay
 * on tc ingress, cil_to_overlay on tc egress).
 *
 * Walk: cil_from_overlay -> [tail] tail_handle_ipv4 -> handle_ipv4 ->
 *   ipv4_local_delivery (-> the destination pod's cil_lxc_policy), or
 *   ipv4_host_delivery for the node's own addresses.
 * The source identity arrives in the tunnel key (the VNI).
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

#ifdef ENABLE_IPV4
/* Not for a pod: up the host stack, marked as coming from the tunnel. */
static __always_inline int ipv4_host_delivery(struct __ctx_buff *ctx, const struct iphdr *ip4)
{
	send_trace_notify4(ctx, TRACE_TO_STACK, ctx_load_meta(ctx, CB_SRC_LABEL), HOST_ID,
			   ip4->saddr, ctx->ifindex);
	return CTX_ACT_OK;
}

static __always_inline int handle_ipv4(struct __ctx_buff *ctx, __u32 *src_identity)
{
	struct iphdr *ip4 = ctx_ip4(ctx);
	const struct endpoint_info *ep;

	if (!ip4)
		return DROP_INVALID;

	*src_identity = ctx_load_meta(ctx, CB_SRC_LABEL);
	ep = lookup_ip4_endpoint(ip4);
	if (ep && (ep->flags & ENDPOINT_F_HOST) == 0)
		return ipv4_local_delivery(ctx, ETH_HLEN, *src_identity, ip4, ep, false);
	return ipv4_host_delivery(ctx, ip4);
}

__declare_tail(CILIUM_CALL_IPV4_FROM_OVERLAY) int tail_handle_ipv4(struct __ctx_buff *ctx)
{
	__u32 src_sec_identity = 0;
	int ret = handle_ipv4(ctx, &src_sec_identity);

	if (IS_ERR(ret))
		return send_drop_notify_error(ctx, src_sec_identity, ret, METRIC_INGRESS);
	return ret;
}
#endif /* ENABLE_IPV4 */

__section_entry
int cil_from_overlay(struct __ctx_buff *ctx) /* cilium_vxlan, tc ingress */
{
	struct bpf_tunnel_key key = {};
	__u16 proto = 0;
	__s8 ext_err __maybe_unused = 0;
	int ret = CTX_ACT_OK;

	if (!validate_ethertype(ctx, &proto))
		return send_drop_notify_error(ctx, 0, DROP_UNSUPPORTED_L2, METRIC_INGRESS);

	/* The sending node put the source identity into the VNI. */
	if (get_tunnel_key(ctx, &key) < 0)
		return send_drop_notify_error(ctx, 0, DROP_INVALID, METRIC_INGRESS);
	ctx_store_meta(ctx, CB_SRC_LABEL, key.tunnel_id);
	send_trace_notify(ctx, TRACE_FROM_OVERLAY, key.tunnel_id, 0, ctx->ingress_ifindex);

	switch (proto) {
#ifdef ENABLE_IPV4
	case bpf_htons(ETH_P_IP):
		ret = tail_call_internal(ctx, CILIUM_CALL_IPV4_FROM_OVERLAY, &ext_err); /* tail_handle_ipv4 */
		break;
#endif
	default:
		break;
	}
	return IS_ERR(ret) ? send_drop_notify_error(ctx, key.tunnel_id, ret, METRIC_INGRESS) : ret;
}

/* Encapsulated packets leave the node here; nothing left to decide. */
__section_entry
int cil_to_overlay(struct __ctx_buff *ctx) /* cilium_vxlan, tc egress */
{
	send_trace_notify(ctx, TRACE_TO_OVERLAY, ctx->mark >> 16, 0, ctx->ifindex);
	return CTX_ACT_OK;
}

char __license[] __section("license") = "Dual BSD/GPL";
