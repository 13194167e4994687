/* Sample tree: checks specific to packets leaving a pod. */
#pragma once

#include "common.h"

#ifndef LXC_IPV4
# define LXC_IPV4	0x0a00010a	/* set per endpoint by the agent */
#endif

#ifdef ENABLE_SIP_VERIFICATION
/* A pod may only send from its own address. */
static __always_inline int is_valid_lxc_src_ipv4(const struct iphdr *ip4)
{
	return ip4->saddr == LXC_IPV4;
}
#else
static __always_inline int is_valid_lxc_src_ipv4(const struct iphdr *ip4 __maybe_unused)
{
	return 1;
}
#endif
