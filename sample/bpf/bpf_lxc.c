/* Sample tree: the endpoint (pod) object, attached to the pod's lxc* device.
 *
 * Egress walk: cil_from_container -> [tail] tail_handle_ipv4 ->
 *   __tail_handle_ipv4 (header checks), then
 *   handle_ipv4_from_lxc (conntrack, ipcache, egress policy) ->
 *   ipv4_forward_to_destination: ipv4_local_delivery (a pod on this node,
 *   continuing with a dynamic tail call into its cil_lxc_policy),
 *   lxc_redirect_to_host (the node itself, with the host firewall),
 *   encap_and_redirect_lxc (TUNNEL_MODE), fib_redirect_v4
 *   (ENABLE_HOST_ROUTING) or pass_to_stack.
 * Ingress walk: cil_lxc_policy -> [tail] tail_ipv4_policy -> ipv4_policy,
 *   then redirect_ep into the pod.
 */
#include <bpf/ctx/skb.h>
#include <bpf/api.h>
#include "lib/common.h"
#include "lib/tailcall.h"
#include "lib/drop.h"
#include "lib/trace.h"
#include "lib/maps.h"
#include "lib/eps.h"
#include "lib/conntrack.h"
#include "lib/policy.h"
#include "lib/arp.h"
#include "lib/encap.h"
#include "lib/fib.h"
#include "lib/local_delivery.h"
#include "lib/lxc.h"

#ifndef SECLABEL
# define SECLABEL	12345	/* this pod's security identity */
#endif
#ifndef LXC_IFINDEX
# define LXC_IFINDEX	42	/* this pod's lxc* device */
#endif
#ifndef CILIUM_NET_IFINDEX
# define CILIUM_NET_IFINDEX	2	/* the host side's cilium_net */
#endif

#if defined(ENABLE_HOST_ROUTING) && defined(ENABLE_HOST_FIREWALL)
/* The node's own addresses, when the host firewall must see them: straight
 * into cilium_net's ingress instead of up the stack.
 */
static __always_inline int lxc_redirect_to_host(struct __ctx_buff *ctx, __u32 src_id)
{
	send_trace_notify(ctx, TRACE_TO_HOST, src_id, HOST_ID, CILIUM_NET_IFINDEX);
	return ctx_redirect(ctx, CILIUM_NET_IFINDEX, BPF_F_INGRESS);
}
#endif

#ifdef ENABLE_IPV4
static __always_inline int
ipv4_forward_to_destination(struct __ctx_buff *ctx, struct iphdr *ip4, __u32 dst_id,
			    const struct remote_endpoint_info *dst_info, __s8 *ext_err __maybe_unused)
{
	const struct endpoint_info *ep;
	int ret __maybe_unused;

	/* A pod on this node, or one of the node's own addresses? */
	ep = __lookup_ip4_endpoint(ip4->daddr);
	if (ep) {
		if (ep->flags & ENDPOINT_F_HOST) {
#if defined(ENABLE_HOST_ROUTING) && defined(ENABLE_HOST_FIREWALL)
			return lxc_redirect_to_host(ctx, SECLABEL);
#endif
			goto pass_to_stack;
		}
		return ipv4_local_delivery(ctx, ETH_HLEN, SECLABEL, ip4, ep, false);
	}

#ifdef TUNNEL_MODE
	/* A pod on another node: encapsulate towards that node. */
	if (dst_info && dst_info->flag_has_tunnel_ep)
		return encap_and_redirect_lxc(ctx, dst_info, SECLABEL, dst_id);
#endif

#ifdef ENABLE_HOST_ROUTING
	/* Route it here instead of in the host stack; fall back when no route. */
	ret = fib_redirect_v4(ctx, ETH_HLEN, ip4, ext_err);
	if (ret != DROP_NO_FIB)
		return ret;
#endif

pass_to_stack:
#ifdef ENABLE_IDENTITY_MARK
	set_identity_mark(ctx, SECLABEL);
#endif
	send_trace_notify(ctx, TRACE_TO_STACK, SECLABEL, dst_id, 0);
	return CTX_ACT_OK;
}

static __always_inline int
handle_ipv4_from_lxc(struct __ctx_buff *ctx, __u32 *dst_sec_identity, __s8 *ext_err)
{
	const struct remote_endpoint_info *dst_info;
	struct ipv4_ct_tuple tuple = {};
	struct iphdr *ip4 = ctx_ip4(ctx);
	int ct_status, verdict;

	if (!ip4)
		return DROP_INVALID;

	tuple.daddr = ip4->daddr;
	tuple.saddr = ip4->saddr;
	tuple.nexthdr = ip4->protocol;
	ct_status = ct_lookup4(&cilium_ct4_global, &tuple, ctx, CT_EGRESS);
	if (IS_ERR(ct_status))
		return ct_status;

	/* Who is the destination? Unknown addresses are "world". */
	dst_info = lookup_ip4_remote_endpoint(tuple.daddr, 0);
	*dst_sec_identity = dst_info ? dst_info->sec_identity : WORLD_IPV4_ID;

	/* Replies and established flows were allowed when they started. */
	if (ct_status == CT_NEW) {
		verdict = policy_can_egress4(ctx, &tuple, SECLABEL, *dst_sec_identity);
		if (verdict != CTX_ACT_OK)
			return verdict;
		ct_create4(&cilium_ct4_global, &tuple, SECLABEL);
	}

	return ipv4_forward_to_destination(ctx, ip4, *dst_sec_identity, dst_info, ext_err);
}

/* What can be refused before any map is read: a short header, a spoofed source. */
static __always_inline int __tail_handle_ipv4(struct __ctx_buff *ctx, __s8 *ext_err __maybe_unused)
{
	struct iphdr *ip4 = ctx_ip4(ctx);

	if (!ip4)
		return DROP_INVALID;
	if (!is_valid_lxc_src_ipv4(ip4))
		return DROP_INVALID_SIP;
	return CTX_ACT_OK;
}

/* Cilium reaches handle_ipv4_from_lxc through a conntrack tail call that
 * __tail_handle_ipv4 makes; this sample calls it here, after the checks.
 */
__declare_tail(CILIUM_CALL_IPV4_FROM_LXC) int tail_handle_ipv4(struct __ctx_buff *ctx)
{
	__u32 dst_id = 0;
	__s8 ext_err = 0;
	int ret = __tail_handle_ipv4(ctx, &ext_err);

	if (ret == CTX_ACT_OK)
		ret = handle_ipv4_from_lxc(ctx, &dst_id, &ext_err);
	if (IS_ERR(ret))
		return send_drop_notify_error_ext(ctx, SECLABEL, ret, ext_err, METRIC_EGRESS);
	return ret;
}

#ifdef ENABLE_ARP_RESPONDER
__declare_tail(CILIUM_CALL_ARP) int tail_handle_arp(struct __ctx_buff *ctx)
{
	union macaddr node_mac = { .addr = { 0xce, 0x1e, 0x00, 0x00, 0x00, 0x01 } };
	union macaddr smac;
	__be32 sip, tip;

	if (!arp_validate(ctx, &node_mac, &smac, &sip, &tip))
		return CTX_ACT_OK;
	return arp_respond(ctx, &node_mac, tip, &smac, sip, 0);
}
#endif /* ENABLE_ARP_RESPONDER */
#endif /* ENABLE_IPV4 */

/* Everything a pod sends enters here. */
__section_entry
int cil_from_container(struct __ctx_buff *ctx) /* lxc*, tc ingress */
{
	__u16 proto = 0;
	__s8 ext_err = 0;
	int ret;

	send_trace_notify(ctx, TRACE_FROM_LXC, SECLABEL, 0, 0);
	if (!validate_ethertype(ctx, &proto)) {
		ret = DROP_UNSUPPORTED_L2;
		goto out;
	}

	switch (proto) {
#ifdef ENABLE_IPV4
	case bpf_htons(ETH_P_IP):
		ret = tail_call_internal(ctx, CILIUM_CALL_IPV4_FROM_LXC, &ext_err); /* tail_handle_ipv4 */
		break;
#ifdef ENABLE_ARP_RESPONDER
	case bpf_htons(ETH_P_ARP):
		ret = tail_call_internal(ctx, CILIUM_CALL_ARP, &ext_err); /* tail_handle_arp */
		break;
#endif
#endif /* ENABLE_IPV4 */
	default:
		ret = DROP_UNKNOWN_L3;
	}

out:
	if (IS_ERR(ret))
		return send_drop_notify_ext(ctx, SECLABEL, 0, ret, ext_err, METRIC_EGRESS);
	return ret;
}

#ifdef ENABLE_IPV4
static __always_inline int ipv4_policy(struct __ctx_buff *ctx, __u32 src_label,
				       __s8 *ext_err __maybe_unused)
{
	struct ipv4_ct_tuple tuple = {};
	struct iphdr *ip4 = ctx_ip4(ctx);
	int ct_status, verdict;

	if (!ip4)
		return DROP_INVALID;

	tuple.daddr = ip4->daddr;
	tuple.saddr = ip4->saddr;
	tuple.nexthdr = ip4->protocol;
	ct_status = ct_lookup4(&cilium_ct4_global, &tuple, ctx, CT_INGRESS);
	if (IS_ERR(ct_status))
		return ct_status;

	/* Answers to connections the pod opened are not subject to ingress policy. */
	if (ct_status != CT_REPLY) {
		verdict = policy_can_ingress4(ctx, &tuple, src_label, SECLABEL);
		if (verdict != CTX_ACT_OK)
			return verdict;
		if (ct_status == CT_NEW)
			ct_create4(&cilium_ct4_global, &tuple, src_label);
	}

	send_trace_notify4(ctx, TRACE_TO_LXC, src_label, SECLABEL, ip4->saddr, LXC_IFINDEX);
	return CTX_ACT_OK;
}

__declare_tail(CILIUM_CALL_IPV4_TO_LXC_POLICY_ONLY) int tail_ipv4_policy(struct __ctx_buff *ctx)
{
	__u32 sender_id = ctx_load_meta(ctx, CB_SRC_LABEL);
	bool from_host = ctx_load_meta(ctx, CB_FROM_HOST) != 0;
	__s8 ext_err = 0;
	int ret = ipv4_policy(ctx, sender_id, &ext_err);

	if (ret == CTX_ACT_OK)
		ret = redirect_ep(ctx, LXC_IFINDEX, from_host);
	if (IS_ERR(ret))
		return send_drop_notify_ext(ctx, sender_id, SECLABEL, ret, ext_err, METRIC_INGRESS);
	return ret;
}
#endif /* ENABLE_IPV4 */

/* Not attached to a device: the agent installs it in cilium_call_policy at
 * this endpoint's id, and other objects' local delivery jumps into it.
 */
__section_entry
int cil_lxc_policy(struct __ctx_buff *ctx) /* no attach point */
{
	__u16 proto = 0;
	__s8 ext_err __maybe_unused = 0;
	int ret = DROP_UNKNOWN_L3;

	if (!validate_ethertype(ctx, &proto))
		return DROP_UNSUPPORTED_L2;

#ifdef ENABLE_IPV4
	if (proto == bpf_htons(ETH_P_IP))
		ret = tail_call_internal(ctx, CILIUM_CALL_IPV4_TO_LXC_POLICY_ONLY, &ext_err);
#endif
	return IS_ERR(ret) ? send_drop_notify_error(ctx, 0, ret, METRIC_INGRESS) : ret;
}

/* Packets the host stack sends to the pod leave through here. */
__section_entry
int cil_to_container(struct __ctx_buff *ctx) /* lxc*, tc egress */
{
	send_trace_notify(ctx, TRACE_TO_LXC, 0, SECLABEL, LXC_IFINDEX);
	return CTX_ACT_OK;
}

char __license[] __section("license") = "Dual BSD/GPL";
