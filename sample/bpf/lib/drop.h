/* Sample tree: turning an error into a drop (the real datapath also emits a
 * monitor event here; this sample only records the reason in the mark).
 */
#pragma once

#include "common.h"


static __always_inline int send_drop_notify_error(struct __ctx_buff *ctx, __u32 src_id,
						  int error, enum metric_dir dir __maybe_unused)
{
	ctx->mark = src_id;
	ctx_store_meta(ctx, CB_SRC_LABEL, (__u32)-error);
	return CTX_ACT_DROP;
}

/* The same with the destination identity and the extended error code. */
static __always_inline int send_drop_notify_ext(struct __ctx_buff *ctx, __u32 src_id, __u32 dst_id,
						int error, __s8 ext_err, enum metric_dir dir)
{
	ctx_store_meta(ctx, CB_FROM_HOST, dst_id ^ (__u32)ext_err);
	return send_drop_notify_error(ctx, src_id, error, dir);
}

/* Without a destination identity: for errors found before the destination is known. */
static __always_inline int send_drop_notify_error_ext(struct __ctx_buff *ctx, __u32 src_id, int error,
						      __s8 ext_err, enum metric_dir dir)
{
	return send_drop_notify_ext(ctx, src_id, 0, error, ext_err, dir);
}
