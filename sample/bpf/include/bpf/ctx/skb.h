/* Sample tree: the tc flavour of the program context. PROG_TYPE is the first
 * half of every section name; the ctx_* accessors hide skb specifics from the
 * datapath code (an XDP build would swap in its own versions).
 */
#pragma once

#include "../compiler.h"

#define PROG_TYPE	"tc"

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef int __s32;
typedef __u16 __be16;
typedef __u32 __be32;
typedef _Bool bool;
#ifndef NULL
# define NULL	((void *)0)
#endif
#define true	1
#define false	0

struct __sk_buff {
	__u32 len;
	__u32 mark;
	__u32 protocol;
	__u32 ifindex;
	__u32 ingress_ifindex;
	__u32 cb[5];
	__u32 data;
	__u32 data_end;
};

#define __ctx_buff __sk_buff

#include "../helpers.h"

/* Scratch space that survives a tail call: cb[] of the skb. */
static __always_inline __u32 ctx_load_meta(const struct __ctx_buff *ctx, int slot)
{
	return ctx->cb[slot];
}

static __always_inline void ctx_store_meta(struct __ctx_buff *ctx, int slot, __u32 value)
{
	ctx->cb[slot] = value;
}

/* Out through the egress of ifindex (for a veth: into the pod, via backlog). */
static __always_inline int ctx_redirect(const struct __ctx_buff *ctx __maybe_unused,
					int ifindex, __u32 flags)
{
	return (int)redirect(ifindex, flags);
}

/* Straight to the peer of a veth/netkit device, skipping the host backlog. */
static __always_inline int ctx_redirect_peer(const struct __ctx_buff *ctx __maybe_unused,
					     int ifindex, __u32 flags)
{
	return (int)redirect_peer(ifindex, flags);
}
