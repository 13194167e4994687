// A small pool of parse workers. Uses dist/parse-worker.js next to the bundle when present; under tsx
// (tests, benchmarks from source) it starts the .ts worker with tsx's loader.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileFacts } from './facts';
import type { MacroDef } from './directives';
import type { CompiledWasm } from './wasm';

/** What a worker needs to blank and expand like the main thread: the tree-wide macro roles. */
export interface RolesData {
  attributeLike: string[];
  markers: string[];
  generators: string[];
  /** Definitions of the attribute-like and generator macros (the only ones extraction looks up). */
  macros: MacroDef[];
  rolesHash: string;
}

/** Every module the worker bundle contains (a change to any of them makes dist/parse-worker.js stale). */
const WORKER_SOURCES = ['parse-worker.ts', 'extract.ts', 'directives.ts', 'macros.ts', 'tokens.ts', 'wasm.ts'];

function workerScript(): { source: string; eval: boolean } | undefined {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const js = path.join(here, 'parse-worker.js');
  if (fs.existsSync(js)) return { source: js, eval: false };
  // Running from source: a bundled worker in the repo's dist/ is much faster to start than tsx, so use
  // it when it is at least as new as the extraction code it bundles.
  const dist = path.join(here, '..', '..', '..', 'dist', 'parse-worker.js');
  const newest = Math.max(...WORKER_SOURCES.map((f) => mtime(path.join(here, f))));
  if (fs.existsSync(dist) && mtime(dist) >= newest) return { source: dist, eval: false };
  // From source (tests, benchmarks under tsx): register tsx's CommonJS hook inside the worker first.
  const ts = path.join(here, 'parse-worker.ts');
  if (fs.existsSync(ts)) return { source: `require('tsx/cjs'); require(${JSON.stringify(ts)});`, eval: true };
  return undefined;
}

function mtime(p: string): number {
  try { return fs.statSync(p).mtimeMs; } catch { return 0; }
}

export class ParsePool {
  private workers: Worker[] = [];
  private pending = new Map<number, { resolve: (s: FileFacts[]) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private rr = 0;

  /**
   * Whether a pool is worth starting by default: only with more than two cores. A worker runs the
   * extraction code in a fresh isolate, whose optimizing compiler (TurboFan, on V8's background threads)
   * compiles it all again; on two cores that compilation and the worker take the core the calling
   * thread's own compiler and GC use, and the tree is indexed slower than by the calling thread alone
   * (v1.19 tree on 2 cores, test/bench/index-bench.ts: 8–13% faster and 20–30% less CPU without the worker).
   */
  static worthwhile(): boolean {
    return (os.availableParallelism?.() ?? os.cpus().length) > 2;
  }

  /** Default size leaves one core to the calling thread, which extracts too. */
  static create(wasm?: CompiledWasm, size = Math.max(1, Math.min(4, (os.availableParallelism?.() ?? os.cpus().length) - 1))): ParsePool | undefined {
    const script = workerScript();
    if (!script) return undefined;
    const pool = new ParsePool();
    for (let i = 0; i < size; i++) {
      // A bundled worker needs none of the parent's loader flags (`--import tsx` under tests and benchmarks
      // would make every module load go through tsx's hooks: hundreds of ms before the first parse).
      // The compiled WASM modules go along: the worker instantiates them without compiling again (V8 shares the code).
      const w = new Worker(script.source, { eval: script.eval, workerData: { wasm }, ...(script.eval ? {} : { execArgv: [] }) });
      w.on('message', (msg: { id: number; facts?: FileFacts[]; error?: string }) => {
        const p = pool.pending.get(msg.id);
        if (!p) return;
        pool.pending.delete(msg.id);
        if (msg.facts) p.resolve(msg.facts); else p.reject(new Error(msg.error ?? 'parse worker failed'));
      });
      const fail = (err: Error) => { for (const p of pool.pending.values()) p.reject(err); pool.pending.clear(); };
      w.on('error', fail);
      w.on('exit', (code) => { if (pool.pending.size) fail(new Error(`parse worker exited (${code})`)); });

      pool.workers.push(w);
    }
    return pool;
  }

  init(data: RolesData): void {
    for (const w of this.workers) w.postMessage({ kind: 'init', data });
  }

  get size(): number { return this.workers.length; }

  /** Extracts a batch on worker `which` (round-robin when omitted). */
  extract(files: { file: string; text: string }[], which?: number): Promise<FileFacts[]> {
    const id = this.nextId++;
    const w = this.workers[which ?? this.rr++ % this.workers.length];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ kind: 'extract', id, files });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
