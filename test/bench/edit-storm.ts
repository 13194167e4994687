// An edit storm through a real LSP client: thousands of didChange on one file (typing and erasing a word
// inside a function), with definition / hover / call-hierarchy requests between batches. Checks that the
// answers stay right and samples the server's RSS. Used by edit-storm-bench.ts and the unit test.
import fs from 'node:fs';
import path from 'node:path';
import type { CallHierarchyItem, CallHierarchyOutgoingCall, Hover, Location, LocationLink } from 'vscode-languageserver-protocol';
import { startSession } from '../unit/lsp/harness';

export interface StormOptions {
  /** Workspace holding bpf/ (or the bpf/ folder itself). */
  workspace: string;
  /** File edited, relative to the workspace, and where: a function whose name is called later in the same file. */
  file: string;
  edits: number;
  /** Edits sent before each round of requests. */
  batch: number;
  log?: (line: string) => void;
}

export interface StormResult {
  rssAfterIndexMb: number;
  /** After the first batch of edits: the first re-parse in the analysis thread grows its WASM memory, which never shrinks. */
  rssAfterFirstBatchMb: number;
  rssEndMb: number;
  /** RSS after each round (MB). */
  rssSamplesMb: number[];
  /** Milliseconds per request kind, one entry per round. */
  latencies: Record<'definition' | 'hover' | 'callHierarchy', number[]>;
  /** Rounds whose answers were wrong, described. */
  wrong: string[];
  rounds: number;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * A static function defined in `text` and called further down (on one line, or Cilium's style with the
 * return type on the line above the name): the line of its name, a position inside a call, and the
 * first line of its body.
 */
export function pickTarget(text: string): { name: string; defLine: number; call: { line: number; character: number }; bodyLine: number } {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^static\s+(?:__always_inline\s+)?(?:inline\s+)?\w+\s+(\w+)\s*\(/.exec(lines[i])
      ?? (/^static\b/.test(lines[i - 1] ?? '') ? /^(\w+)\s*\(/.exec(lines[i]) : null);
    if (!m) continue;
    let brace = i + 1;
    while (brace < Math.min(lines.length, i + 8) && lines[brace].trim() !== '{') brace++;
    if (lines[brace]?.trim() !== '{' || !lines[brace + 1]?.trim()) continue;
    const name = m[1];
    for (let j = brace + 1; j < lines.length; j++) {
      const at = lines[j].search(new RegExp(`\\b${name}\\s*\\(`));
      if (at >= 0 && !/^\w/.test(lines[j])) return { name, defLine: i, call: { line: j, character: at + 1 }, bodyLine: brace + 1 };
    }
  }
  throw new Error('no static function called later in the file');
}

export async function runEditStorm(opts: StormOptions): Promise<StormResult> {
  const log = opts.log ?? (() => {});
  const session = await startSession({ workspace: opts.workspace, requestTimeoutMs: 60_000 });
  const result: StormResult = { rssAfterIndexMb: 0, rssAfterFirstBatchMb: 0, rssEndMb: 0, rssSamplesMb: [], latencies: { definition: [], hover: [], callHierarchy: [] }, wrong: [], rounds: 0 };
  try {
    const state = await session.indexStatus();
    if (state.state !== 'ready') throw new Error(`index not ready: ${JSON.stringify(state)}`);
    const text = fs.readFileSync(path.join(opts.workspace, opts.file), 'utf8');
    const target = pickTarget(text);
    const uri = await session.open(opts.file);
    const textDocument = { uri };
    const check = async (round: number) => {
      let t = performance.now();
      const defs = await session.request<Location[] | LocationLink[] | null>('textDocument/definition', { textDocument, position: target.call });
      result.latencies.definition.push(performance.now() - t);
      const first = defs?.[0] as (Location & LocationLink) | undefined;
      const line = first?.targetSelectionRange?.start.line ?? first?.range?.start.line;
      if (line !== target.defLine && line !== target.defLine - 1) result.wrong.push(`round ${round}: definition of ${target.name} at line ${line}, expected ${target.defLine}`);
      t = performance.now();
      const hover = await session.request<Hover | null>('textDocument/hover', { textDocument, position: target.call });
      result.latencies.hover.push(performance.now() - t);
      if (!hover || !JSON.stringify(hover.contents).includes(target.name)) result.wrong.push(`round ${round}: hover lacks ${target.name}`);
      t = performance.now();
      const items = await session.request<CallHierarchyItem[] | null>('textDocument/prepareCallHierarchy', { textDocument, position: target.call });
      const calls = items?.[0] ? await session.request<CallHierarchyOutgoingCall[] | null>('callHierarchy/outgoingCalls', { item: items[0] }) : null;
      result.latencies.callHierarchy.push(performance.now() - t);
      if (items?.[0]?.name !== target.name || !Array.isArray(calls)) result.wrong.push(`round ${round}: call hierarchy of ${target.name}: ${JSON.stringify(items?.[0]?.name)}`);
    };
    await check(0);
    result.rssAfterIndexMb = rssMb(session.child.pid!);
    log(`indexed: RSS ${result.rssAfterIndexMb.toFixed(1)} MB; target ${target.name} (defined line ${target.defLine + 1})`);
    // Typing then erasing a word at the start of a line inside the target's body: the text returns to the
    // original every WORD.length * 2 edits, so every round checks against the same expected answers.
    const WORD = 'abcdefghij';
    let typed = 0;
    for (let sent = 0; sent < opts.edits;) {
      const n = Math.min(opts.batch, opts.edits - sent);
      for (let k = 0; k < n; k++, sent++) {
        const cycle = sent % (WORD.length * 2);
        if (cycle < WORD.length) {
          await session.change(uri, { start: { line: target.bodyLine, character: typed }, end: { line: target.bodyLine, character: typed } }, WORD[cycle]);
          typed++;
        } else {
          typed--;
          await session.change(uri, { start: { line: target.bodyLine, character: typed }, end: { line: target.bodyLine, character: typed + 1 } }, '');
        }
      }
      result.rounds++;
      await check(result.rounds);
      const rss = rssMb(session.child.pid!);
      result.rssSamplesMb.push(rss);
      if (result.rounds === 1) result.rssAfterFirstBatchMb = rss;
      if (result.rounds % 10 === 0) log(`${sent} edits: RSS ${rss.toFixed(1)} MB`);
    }
    // Let the idle re-index run and the garbage collector catch up before the last sample.
    await new Promise((r) => setTimeout(r, 1000));
    await check(result.rounds + 1);
    result.rssEndMb = rssMb(session.child.pid!);
  } finally {
    await session.close();
  }
  return result;
}
