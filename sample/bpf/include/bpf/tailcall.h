/* Sample tree: the two tail-call primitives.
 * tail_call_static wants a constant slot (the real one pins it in inline asm);
 * tail_call_dynamic is for keys only known at run time, e.g. an endpoint id.
 */
#pragma once

#include "compiler.h"
#include "helpers.h"

#define tail_call_static(CTX, MAP, SLOT) \
	tail_call(CTX, &(MAP), SLOT)

static __always_inline __maybe_unused void tail_call_dynamic(struct __ctx_buff *ctx, const void *map, __u32 key)
{
	tail_call(ctx, map, key);
}
