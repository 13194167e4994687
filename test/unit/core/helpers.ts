// Builds small C trees in a temp dir for the core's tests. The prelude defines the macro shapes the
// tests rely on the way a Cilium tree does (never hard-coded in the core: the core derives them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatapathIndex } from '../../../language-server/src/core/index';

export const PRELUDE = `#pragma once
#define __always_inline __attribute__((always_inline)) inline
#define __maybe_unused __attribute__((__unused__))
#define __stringify(X) #X
#define __section(X) __attribute__((section(X), used))
#define __section_tail(ID, KEY) __section(__stringify(ID) "/" __stringify(KEY))
#define PROG_TYPE "tc"
#define __section_entry __section(PROG_TYPE  "/entry")
#define __declare_tail(index) __section(PROG_TYPE "/tail") __attribute__((btf_decl_tag("tail:cilium_calls/" __stringify(index))))
#define CILIUM_MAP_POLICY 1
#define CILIUM_MAP_CALLS 2
#define BPF_MAP_TYPE_PROG_ARRAY 3
#define __uint(name, val) int (*name)[val]
#define __section_maps_btf  __section(".maps") /* BTF maps */
struct __ctx_buff { int protocol; };
`;

export async function treeOf(files: Record<string, string>): Promise<{ dir: string; index: DatapathIndex; done: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-core-test-'));
  const all: Record<string, string> = { 'lib/prelude.h': PRELUDE, ...files };
  for (const [rel, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const index = await DatapathIndex.open(dir, { cacheDir: false, workers: false });
  return { dir, index, done: async () => { await index.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** 0-based position of the n-th occurrence of `needle` in `text`. */
export function positionOf(text: string, needle: string, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`'${needle}' not in text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}
