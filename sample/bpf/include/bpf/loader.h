/* Sample tree: BTF map field macros (libbpf convention). */
#pragma once

#define __uint(field, value)	int (*field)[value]
#define __type(field, ty)	typeof(ty) *field
#define __array(field, ty)	typeof(ty) *field[]

#define BPF_MAP_TYPE_HASH	1
#define BPF_MAP_TYPE_PROG_ARRAY	3
#define LIBBPF_PIN_BY_NAME	1
