/* Sample tree: umbrella include; bpf/ctx/skb.h must come first. */
#pragma once

#include "compiler.h"
#include "section.h"
#include "loader.h"
#include "helpers.h"
#include "tailcall.h"
