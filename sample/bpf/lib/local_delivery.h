/* Sample tree: delivery to a pod on this node. ipv4_local_delivery routes the
 * packet (ipv4_l3), then local_delivery normally tail-calls — dynamically,
 * keyed by endpoint id — into the destination's policy program cil_lxc_policy,
 * which enforces ingress policy and calls redirect_ep.
 */
#pragma once

#include "common.h"
#include "l3.h"
#include "metrics.h"

/* Shared by all objects; the agent puts each endpoint's cil_lxc_policy here. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 65536);
} cilium_call_policy __section_maps_btf; /* key: endpoint id */

static __always_inline __must_check int
tail_call_policy(struct __ctx_buff *ctx, __u16 ep_id)
{
	tail_call_dynamic(ctx, &cilium_call_policy, ep_id);
	/* Empty slot: the endpoint is being created or torn down. */
	return DROP_EP_NOT_READY;
}

/* With host routing, traffic that did not come from the host stack may go
 * straight into the pod's namespace (redirect to the veth peer).
 */
static __always_inline int redirect_ep(struct __ctx_buff *ctx, int ep_ifindex,
				       bool from_host __maybe_unused)
{
#ifdef ENABLE_HOST_ROUTING
	if (!from_host)
		return ctx_redirect_peer(ctx, ep_ifindex, 0);
#endif
	return ctx_redirect(ctx, ep_ifindex, 0);
}

static __always_inline int local_delivery(struct __ctx_buff *ctx, __u32 src_identity,
					  const struct endpoint_info *ep, bool from_host)
{
	update_metrics(ctx->len, METRIC_INGRESS, REASON_FORWARDED);
#ifdef USE_BPF_PROG_FOR_INGRESS_POLICY
	/* Policy runs later, on the pod's own device (cil_to_container). */
	return redirect_ep(ctx, ep->ifindex, from_host); /* no policy tail call */
#else
	/* The policy program reads these back: who sent it, and from where. */
	ctx_store_meta(ctx, CB_SRC_LABEL, src_identity);
	ctx_store_meta(ctx, CB_FROM_HOST, from_host);
	return tail_call_policy(ctx, ep->lxc_id); /* -> cil_lxc_policy */
#endif
}

static __always_inline int ipv4_local_delivery(struct __ctx_buff *ctx, int l3_off, __u32 src_identity,
					       struct iphdr *ip4, const struct endpoint_info *ep,
					       bool from_host)
{
	int ret = ipv4_l3(ctx, l3_off, ep->node_mac.addr, ep->mac.addr, ip4);

	if (ret != CTX_ACT_OK)
		return ret;
	return local_delivery(ctx, src_identity, ep, from_host);
}
