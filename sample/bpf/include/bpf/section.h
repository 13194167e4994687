/* Sample tree: __section_entry marks a program the loader attaches
 * (or, for policy programs, inserts into the policy map); the function name is
 * the program name. Maps live in ".maps" as BTF-described structs.
 */
#pragma once

#include "compiler.h"

#ifndef PROG_TYPE
# error "include bpf/ctx/skb.h first"
#endif

#define __section_entry \
	__section(PROG_TYPE "/entry")
#define __section_maps_btf \
	__section(".maps")
