// Where the analysis runs. Building the index of a real tree keeps a thread busy for seconds (and an
// edit's re-index for a few hundred ms), so by default it lives in a worker thread: the server's own
// thread stays free to answer every request at once (empty while indexing) and to keep talking LSP.
// When the worker script is not available, the same feature table runs in-process.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Analysis } from './analysis';
import { buildAnalysis } from './core-adapter';
import { runFeature, type Counts, type FeatureArgs, type FeatureName, type FeatureResult } from './features';
import { PathMapper } from './workspace';
import type { IndexLimits } from './protocol';

export interface AnalysisRunner {
  readonly mode: 'worker' | 'in-process';
  /** Set by the owner: the runner can no longer answer (only a worker can die). */
  onDeath: ((err: Error) => void) | undefined;
  open(root: string, limits?: IndexLimits, onProgress?: (done: number, total: number) => void): Promise<Counts>;
  /** Applied in order, before any later query. */
  update(file: string, text: string): void;
  remove(file: string): void;
  query<K extends FeatureName>(name: K, args: FeatureArgs<K>): Promise<FeatureResult<K>>;
  close(): Promise<void>;
}

/** Messages to the worker. */
export type ToWorker =
  | { type: 'open'; root: string; limits?: IndexLimits }
  | { type: 'update'; file: string; text: string }
  | { type: 'remove'; file: string }
  | { type: 'query'; id: number; name: FeatureName; args: unknown };
/** Messages from the worker. */
export type FromWorker =
  | { type: 'opened'; counts: Counts }
  | { type: 'progress'; done: number; total: number }
  | { type: 'openFailed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string }
  | { type: 'log'; message: string };

export class InProcessRunner implements AnalysisRunner {
  readonly mode = 'in-process' as const;
  onDeath: ((err: Error) => void) | undefined;
  private analysis: Analysis | undefined;
  private mapper: PathMapper | undefined;
  constructor(private readonly log: (message: string) => void) {}

  async open(root: string, limits?: IndexLimits, onProgress?: (done: number, total: number) => void): Promise<Counts> {
    this.analysis = await buildAnalysis(root, limits, onProgress);
    this.mapper = new PathMapper(this.analysis.root);
    // In this thread caches fill on demand (warming here would only move the wait).
    return runFeature(this.analysis, this.mapper, 'counts', undefined as never);
  }
  update(file: string, text: string): void {
    try { this.analysis?.updateFile(file, text); } catch (err) { this.log(`re-indexing ${file} failed: ${message(err)}`); }
  }
  remove(file: string): void {
    try { this.analysis?.removeFile(file); } catch (err) { this.log(`removing ${file} failed: ${message(err)}`); }
  }
  async query<K extends FeatureName>(name: K, args: FeatureArgs<K>): Promise<FeatureResult<K>> {
    if (!this.analysis || !this.mapper) throw new Error('no index');
    return runFeature(this.analysis, this.mapper, name, args);
  }
  async close(): Promise<void> {}
}

export class WorkerRunner implements AnalysisRunner {
  readonly mode = 'worker' as const;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private opening: { resolve: (c: Counts) => void; reject: (e: Error) => void } | undefined;
  private onProgress: ((done: number, total: number) => void) | undefined;
  private dead: Error | undefined;

  /** Called once if the worker dies (crash, out of memory) while the server still needs it. */
  onDeath: ((err: Error) => void) | undefined;

  constructor(private readonly worker: Worker, private readonly log: (message: string) => void) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(new Error(`analysis worker failed: ${err.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`analysis worker exited (${code})`)));
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'opened': this.opening?.resolve(m.counts); this.opening = undefined; this.onProgress = undefined; break;
      case 'progress': this.onProgress?.(m.done, m.total); break;
      case 'openFailed': this.opening?.reject(new Error(m.message)); this.opening = undefined; break;
      case 'result': this.pending.get(m.id)?.resolve(m.value); this.pending.delete(m.id); break;
      case 'error': this.pending.get(m.id)?.reject(new Error(m.message)); this.pending.delete(m.id); break;
      case 'log': this.log(m.message); break;
    }
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    this.onDeath?.(err);
    this.opening?.reject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private post(m: ToWorker): void {
    if (this.dead) throw this.dead;
    this.worker.postMessage(m);
  }

  open(root: string, limits?: IndexLimits, onProgress?: (done: number, total: number) => void): Promise<Counts> {
    this.onProgress = onProgress;
    return new Promise((resolve, reject) => {
      this.opening = { resolve, reject };
      try { this.post({ type: 'open', root, limits }); } catch (err) { reject(err as Error); }
    });
  }
  update(file: string, text: string): void { if (!this.dead) this.post({ type: 'update', file, text }); }
  remove(file: string): void { if (!this.dead) this.post({ type: 'remove', file }); }
  query<K extends FeatureName>(name: K, args: FeatureArgs<K>): Promise<FeatureResult<K>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try { this.post({ type: 'query', id, name, args }); } catch (err) { this.pending.delete(id); reject(err as Error); }
    });
  }
  async close(): Promise<void> {
    this.dead ??= new Error('closed');
    this.onDeath = undefined;
    await this.worker.terminate();
  }
}

/**
 * The worker when its script is next to this code: dist/analysis-worker.js beside the bundle, or
 * analysis-worker.ts beside this file when running from source under tsx. Else in-process.
 * DPNAV_ANALYSIS_THREAD=main forces in-process (for profiling).
 */
export function createRunner(log: (message: string) => void): AnalysisRunner {
  if (process.env.DPNAV_ANALYSIS_THREAD === 'main') return new InProcessRunner(log);
  const bundled = path.join(__dirname, 'analysis-worker.js');
  const source = path.join(__dirname, 'analysis-worker.ts');
  try {
    // The worker's stdout must not reach ours: on --stdio that is the JSON-RPC stream. Capture both
    // streams and pass any text on to the client's log.
    const streams = { stdout: true, stderr: true } as const;
    if (fs.existsSync(bundled)) return new WorkerRunner(captured(new Worker(bundled, streams), log), log);
    // From source (tests, benchmarks under tsx): register tsx's CommonJS hook inside the worker first.
    if (fs.existsSync(source)) {
      const bootstrap = `require('tsx/cjs'); require(${JSON.stringify(source)});`;
      return new WorkerRunner(captured(new Worker(bootstrap, { eval: true, ...streams }), log), log);
    }
  } catch (err) {
    log(`analysis worker unavailable (${message(err)}); indexing in the server thread`);
  }
  return new InProcessRunner(log);
}

function captured(worker: Worker, log: (message: string) => void): Worker {
  for (const stream of [worker.stdout, worker.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => { for (const line of chunk.split('\n')) if (line.trim()) log(`analysis: ${line}`); });
  }
  return worker;
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
