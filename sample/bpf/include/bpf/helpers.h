/* Sample tree: helper declarations. tail_call is the primitive that
 * tail_call_static/tail_call_dynamic end in; redirect/redirect_peer are what
 * ctx_redirect/ctx_redirect_peer in bpf/ctx/skb.h wrap.
 */
#pragma once

#include "compiler.h"

#define BPF_FUNC_map_lookup_elem	1
#define BPF_FUNC_map_update_elem	2
#define BPF_FUNC_skb_store_bytes	9
#define BPF_FUNC_tail_call		12
#define BPF_FUNC_skb_get_tunnel_key	20
#define BPF_FUNC_skb_set_tunnel_key	21
#define BPF_FUNC_redirect		23
#define BPF_FUNC_perf_event_output	25
#define BPF_FUNC_fib_lookup		69
#define BPF_FUNC_redirect_neigh		152
#define BPF_FUNC_redirect_peer		155

/* redirect() flag: enter the target device's ingress instead of leaving through it. */
#define BPF_F_INGRESS	(1U << 0)

struct bpf_tunnel_key {
	__u32 tunnel_id;
	__u32 remote_ipv4;
	__u8 tunnel_ttl;
};

/* Trimmed bpf_fib_lookup: what the route lookup needs and returns. */
struct bpf_fib_lookup {
	__u8 family;
	__u32 ifindex;
	__be32 ipv4_src;
	__be32 ipv4_dst;
	__u8 smac[6];
	__u8 dmac[6];
};

#define BPF_FUNC(NAME, ...) \
	(*NAME)(__VA_ARGS__) __maybe_unused = (void *)BPF_FUNC_##NAME

static void *BPF_FUNC(map_lookup_elem, const void *map, const void *k);
static long BPF_FUNC(map_update_elem, const void *map, const void *k, const void *v, __u64 flags);
static void BPF_FUNC(tail_call, struct __ctx_buff *ctx, const void *map, __u32 slot);
static long BPF_FUNC(redirect, __u32 ifindex, __u64 flags);
static long BPF_FUNC(redirect_peer, __u32 ifindex, __u64 flags);
static long BPF_FUNC(skb_set_tunnel_key, struct __ctx_buff *ctx, const struct bpf_tunnel_key *key,
		     __u32 size, __u64 flags);
static long BPF_FUNC(skb_get_tunnel_key, struct __ctx_buff *ctx, struct bpf_tunnel_key *key,
		     __u32 size, __u64 flags);
static long BPF_FUNC(skb_store_bytes, struct __ctx_buff *ctx, __u32 off, const void *from,
		     __u32 len, __u64 flags);
static long BPF_FUNC(perf_event_output, void *ctx, const void *map, __u64 flags, const void *data,
		     __u64 size);
static long BPF_FUNC(fib_lookup, void *ctx, struct bpf_fib_lookup *params, int plen, __u32 flags);
static long BPF_FUNC(redirect_neigh, __u32 ifindex, const void *params, int plen, __u64 flags);

#define bpf_htons(X)	__builtin_bswap16(X)
