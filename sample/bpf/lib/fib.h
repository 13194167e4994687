/* Sample tree: BPF host routing. Instead of handing the packet to the host
 * stack, look the route up in the kernel FIB and redirect to the egress
 * device directly (ENABLE_HOST_ROUTING).
 */
#pragma once

#include "common.h"
#include "l3.h"

#define AF_INET			2
#define BPF_FIB_LKUP_RET_SUCCESS	0
#define BPF_FIB_LKUP_RET_NO_NEIGH	7
#define DROP_NO_FIB		-155

static __always_inline int
fib_lookup_v4(struct __ctx_buff *ctx, struct bpf_fib_lookup *params, __be32 saddr, __be32 daddr)
{
	params->family = AF_INET;
	params->ifindex = ctx->ingress_ifindex;
	params->ipv4_src = saddr;
	params->ipv4_dst = daddr;
	return (int)fib_lookup(ctx, params, sizeof(*params), 0);
}

/* No neighbour entry yet: let the kernel resolve it on the way out. */
static __always_inline int
fib_do_redirect(struct __ctx_buff *ctx __maybe_unused, struct bpf_fib_lookup *params, int fib_result)
{
	if (fib_result == BPF_FIB_LKUP_RET_NO_NEIGH)
		return (int)redirect_neigh(params->ifindex, NULL, 0, 0);
	return (int)redirect(params->ifindex, 0);
}

static __always_inline int
fib_redirect_v4(struct __ctx_buff *ctx, int l3_off, struct iphdr *ip4, __s8 *ext_err)
{
	struct bpf_fib_lookup params = {};
	int fib_result = fib_lookup_v4(ctx, &params, ip4->saddr, ip4->daddr);
	int ret;

	if (fib_result != BPF_FIB_LKUP_RET_SUCCESS && fib_result != BPF_FIB_LKUP_RET_NO_NEIGH) {
		*ext_err = (__s8)fib_result;
		return DROP_NO_FIB;
	}
	ret = ipv4_l3(ctx, l3_off, params.smac, params.dmac, ip4);
	if (ret != CTX_ACT_OK)
		return ret;
	return fib_do_redirect(ctx, &params, fib_result);
}
