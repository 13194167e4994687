/* Sample tree: packet headers, verdicts, drop reasons, identities and the
 * endpoint record shared by every program object.
 */
#pragma once

#include <bpf/api.h>

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_P_IPV6	0x86DD

struct iphdr {
	__u8 ihl_version;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
};

union macaddr {
	__u8 addr[6];
};

/* Verdicts a tc program hands back to the kernel. */
#define CTX_ACT_OK		0
#define CTX_ACT_DROP		2
#define CTX_ACT_REDIRECT	7

/* Drop reasons: negative, so IS_ERR() tells them from verdicts. */
#define DROP_INVALID_SIP	-132
#define DROP_POLICY		-133
#define DROP_INVALID		-134
#define DROP_UNKNOWN_L3		-139
#define DROP_MISSED_TAIL_CALL	-140
#define DROP_UNSUPPORTED_L2	-143
#define DROP_EP_NOT_READY	-151

#define IS_ERR(ret)	((ret) < 0)

/* Security identities used when nothing more specific is known. */
#define HOST_ID			1
#define WORLD_IPV4_ID		9

enum metric_dir {
	METRIC_INGRESS = 1,
	METRIC_EGRESS,
};

/* cb[] slots carried across tail calls. */
#define CB_SRC_LABEL		0
#define CB_FROM_HOST		1

/* A local endpoint (pod, or the host itself) as the agent describes it. */
struct endpoint_info {
	__u32 ifindex;
	__u16 lxc_id;
	__u16 flags;
	union macaddr mac;
	union macaddr node_mac;
};

#define ENDPOINT_F_HOST		1

/* The IPv4 header behind the Ethernet header, or NULL when the packet is
 * too short (the verifier insists on this bounds check).
 */
static __always_inline struct iphdr *ctx_ip4(const struct __ctx_buff *ctx)
{
	struct iphdr *ip4 = (void *)((char *)(unsigned long)ctx->data + ETH_HLEN);

	if ((void *)(ip4 + 1) > (void *)(unsigned long)ctx->data_end)
		return NULL;
	return ip4;
}

static __always_inline bool validate_ethertype(const struct __ctx_buff *ctx, __u16 *proto)
{
	*proto = (__u16)ctx->protocol;
	return ctx->len >= ETH_HLEN;
}

#ifdef ENABLE_IDENTITY_MARK
static __always_inline void set_identity_mark(struct __ctx_buff *ctx, __u32 identity)
{
	ctx->mark = (identity << 16) | 0x0f00;
}
#endif
