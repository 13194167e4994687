/* Sample tree: attribute macros the analyser has to see through
 * when they sit between `static` and the return type.
 */
#pragma once

#define __section(NAME)		__attribute__((section(NAME), used))
#define __always_inline		inline __attribute__((__always_inline__))
#define __maybe_unused		__attribute__((unused))
#define __must_check		__attribute__((__warn_unused_result__))

/* Arguments are expanded by the caller before they reach the '#'. */
#define __stringify(X)		#X
