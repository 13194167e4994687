/* Sample tree: trace events ("the packet passed observation point X"),
 * which Hubble/`cilium monitor` show. Written to the cilium_events ring.
 */
#pragma once

#include "common.h"

#define BPF_MAP_TYPE_PERF_EVENT_ARRAY	4
#define BPF_F_CURRENT_CPU		0xffffffffULL

enum trace_point {
	TRACE_TO_LXC,
	TRACE_TO_PROXY,
	TRACE_TO_HOST,
	TRACE_TO_STACK,
	TRACE_TO_OVERLAY,
	TRACE_FROM_LXC,
	TRACE_FROM_PROXY,
	TRACE_FROM_HOST,
	TRACE_FROM_STACK,
	TRACE_FROM_OVERLAY,
	TRACE_FROM_NETWORK,
	TRACE_TO_NETWORK,
};

struct trace_event {
	__u8 obs_point;
	__u32 src_label;
	__u32 dst_label;
	__u32 ifindex;
	__u32 orig_ip;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); /* one ring per CPU */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cilium_events __section_maps_btf;

static __always_inline void
send_trace_notify(struct __ctx_buff *ctx, enum trace_point obs_point, __u32 src, __u32 dst,
		  __u32 ifindex)
{
	struct trace_event ev = { .obs_point = (__u8)obs_point, .src_label = src,
				  .dst_label = dst, .ifindex = ifindex };

	perf_event_output(ctx, &cilium_events, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
}

/* Same, also recording the packet's address before any rewrite. */
static __always_inline void
send_trace_notify4(struct __ctx_buff *ctx, enum trace_point obs_point, __u32 src, __u32 dst,
		   __be32 orig_addr, __u32 ifindex)
{
	struct trace_event ev = { .obs_point = (__u8)obs_point, .src_label = src,
				  .dst_label = dst, .ifindex = ifindex, .orig_ip = orig_addr };

	perf_event_output(ctx, &cilium_events, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
}
