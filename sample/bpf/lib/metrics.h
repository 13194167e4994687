/* Sample tree: per-reason, per-direction packet and byte counters. */
#pragma once

#include "common.h"

#define BPF_MAP_TYPE_PERCPU_HASH	5
#define REASON_FORWARDED		0

struct metrics_key {
	__u8 reason;
	__u8 dir;
	__u16 pad;
};

struct metrics_value {
	__u64 count;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct metrics_key);
	__type(value, struct metrics_value);
	__uint(max_entries, 1024);
} cilium_metrics __section_maps_btf;

static __always_inline void update_metrics(__u64 bytes, __u8 direction, __u8 reason)
{
	struct metrics_key key = { .reason = reason, .dir = direction };
	struct metrics_value *value = map_lookup_elem(&cilium_metrics, &key);

	if (value) {
		value->count += 1;
		value->bytes += bytes;
	}
}
