// Owns the analysis for the server's lifetime: finds the bpf/ folder, has the index built in the
// background (in the analysis worker, see runner.ts), forwards editor changes lazily (a changed file is
// re-indexed right before the next query, or after a short pause), publishes the tree's diagnostics
// and reports progress as dpnav/indexState. Queries never wait for indexing: until the index exists,
// definition, references and symbols are answered in this thread from a text scan of the tree
// (quick-index.ts: a few files per turn of the event loop, the asked-about file at once), and the other
// features get the caller's fallback at once.
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Counts, FeatureArgs, FeatureName, FeatureResult } from './features';
import { IndexStateNotification, type IndexLimits, type IndexState } from './protocol';
import { createRunner, message, type AnalysisRunner } from './runner';
import { PARTIAL_FEATURES, type QuickAnalysis } from './quick-index';
import { buildQuickAnalysis } from './core-adapter';
import { runFeature } from './features';
import { findBpfRoot, PathMapper } from './workspace';

/** How long after the last keystroke a changed file is re-indexed when no request asks for it first. */
const IDLE_REINDEX_MS = 200;
/** Least time between two indexing-progress notifications. */
const PROGRESS_MS = 250;
/** Files the text scan reads per turn of the event loop while the tree is indexed (a few ms of work at most). */
const QUICK_SCAN_FILES = 2;

export class IndexHost {
  private runner: AnalysisRunner | undefined;
  private ready = false;
  /** While the index is built: the text scan that answers PARTIAL_FEATURES. */
  private quick: QuickAnalysis | undefined;
  private mapperValue: PathMapper | undefined;
  private stateValue: IndexState = { state: 'searching', files: 0, programs: 0 };
  /** Editor texts not yet given to the index, by bpf-relative path (null: removed). */
  private pending = new Map<string, string | null>();
  private idleTimer: NodeJS.Timeout | undefined;
  /** Diagnostics last sent, per URI, as JSON: only changed sets are re-sent. */
  private published = new Map<string, string>();
  private settledWaiters: Array<() => void> = [];
  /** Bumped by reset(): a start() that outlives its generation stops quietly. */
  private generation = 0;

  constructor(private readonly connection: Connection) {}

  get state(): IndexState { return this.stateValue; }
  get mapper(): PathMapper | undefined { return this.mapperValue; }
  get isSettled(): boolean { return this.stateValue.state !== 'searching' && this.stateValue.state !== 'indexing'; }

  /** Resolves once the initial index is finished (or failed / found no tree). */
  settled(): Promise<void> {
    if (this.isSettled) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /**
   * Runs a feature against the index with every pending edit applied first. While the index is built,
   * the features of PARTIAL_FEATURES answer from a text scan and the others `fallback`; a failing query
   * answers `fallback` too (logged).
   */
  async query<K extends FeatureName>(name: K, args: FeatureArgs<K>, fallback: FeatureResult<K>): Promise<FeatureResult<K>> {
    if (!this.ready || !this.runner) {
      if (!this.quick || !this.mapperValue || !PARTIAL_FEATURES.has(name)) return fallback;
      try {
        return runFeature(this.quick, this.mapperValue, name, args);
      } catch (err) {
        this.connection.console.error(`dpnav: ${name} during indexing failed: ${message(err)}`);
        return fallback;
      }
    }
    this.flush();
    try {
      return await this.runner.query(name, args);
    } catch (err) {
      this.connection.console.error(`dpnav: ${name} failed: ${message(err)}`);
      return fallback;
    }
  }

  async start(workspaceFolders: string[], configuredRoot: string | undefined, openDocuments: () => TextDocument[], limits?: IndexLimits): Promise<void> {
    const generation = this.generation;
    const found = findBpfRoot(workspaceFolders, configuredRoot);
    if ('error' in found) {
      this.setState({ state: 'no-root', files: 0, programs: 0, message: found.error });
      return;
    }
    this.mapperValue = new PathMapper(found.root);
    this.startQuickScan(found.root, limits, generation);
    for (const doc of openDocuments()) this.documentChanged(doc);
    const started = Date.now();
    this.setState({ state: 'indexing', root: found.root, files: 0, programs: 0 });
    const runner = createRunner((m) => this.connection.console.error(`dpnav: ${m}`));
    this.runner = runner;
    runner.onDeath = (err) => {
      if (generation !== this.generation) return;
      this.ready = false;
      this.connection.console.error(`dpnav: ${err.message}`);
      this.setState({ state: 'error', root: found.root, files: 0, programs: 0, message: `${err.message}; restart the language server to re-index` });
    };
    let counts: Counts;
    try {
      // Progress at most every PROGRESS_MS: a notification per file would flood the client.
      let lastProgress = 0;
      counts = await runner.open(found.root, limits, (done, total) => {
        const now = Date.now();
        if (generation !== this.generation || (now - lastProgress < PROGRESS_MS && done < total)) return;
        lastProgress = now;
        this.setState({ state: 'indexing', root: found.root, files: done, filesTotal: total, programs: 0 });
      });
    } catch (err) {
      if (generation !== this.generation) return;
      this.quick = undefined;
      this.setState({ state: 'error', root: found.root, files: 0, programs: 0, message: message(err) });
      return;
    }
    if (generation !== this.generation) return;
    this.ready = true;
    this.quick = undefined;
    const elapsedMs = Date.now() - started;
    if (this.pending.size) {
      this.flush();
      counts = await runner.query('counts', undefined as never).catch(() => counts);
    }
    if (generation !== this.generation) return;
    this.setState({ state: 'ready', root: found.root, ...counts, elapsedMs, thread: runner.mode });
    await this.publishDiagnostics();
  }

  documentChanged(doc: TextDocument): void {
    const rel = this.mapperValue?.relative(doc.uri);
    if (rel === undefined || !/\.[ch]$/.test(rel)) return;
    const text = doc.getText();
    this.pending.set(rel, text);
    this.quick?.setText(rel, text);
    this.scheduleIdleFlush();
  }

  /** Lists the tree and scans it a few files per turn of the event loop until the index exists. */
  private startQuickScan(root: string, limits: IndexLimits | undefined, generation: number): void {
    try {
      this.quick = buildQuickAnalysis(root, limits);
    } catch (err) {
      this.connection.console.error(`dpnav: listing ${root} failed: ${message(err)}`);
      return;
    }
    const quick = this.quick;
    const step = () => {
      if (this.quick !== quick || generation !== this.generation) return;
      try { if (quick.scanSome(QUICK_SCAN_FILES)) setImmediate(step); } catch (err) { this.connection.console.error(`dpnav: text scan failed: ${message(err)}`); }
    };
    setImmediate(step);
  }

  fileRemoved(uri: string): void {
    const rel = this.mapperValue?.relative(uri);
    if (rel === undefined) return;
    this.pending.set(rel, null);
    this.scheduleIdleFlush();
  }

  /** Hands pending edits to the index (in order; the runner applies them before later queries). */
  private flush(): void {
    if (!this.ready || !this.runner || !this.pending.size) return;
    const edits = [...this.pending];
    this.pending.clear();
    for (const [rel, text] of edits) {
      if (text === null) this.runner.remove(rel); else this.runner.update(rel, text);
    }
    this.scheduleIdleFlush();
  }

  private scheduleIdleFlush(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.afterEdits();
    }, IDLE_REINDEX_MS);
    this.idleTimer.unref?.();
  }

  /** After a pause in editing: re-index, re-publish changed diagnostics, report new counts. */
  private async afterEdits(): Promise<void> {
    if (!this.ready || !this.runner) return;
    this.flush();
    await this.publishDiagnostics();
    const counts = await this.query('counts', undefined as never, { files: this.stateValue.files, programs: this.stateValue.programs, tailEdges: this.stateValue.tailEdges ?? 0 });
    this.setState({ ...this.stateValue, ...counts }, true);
  }

  private setState(next: IndexState, onlyIfChanged = false): void {
    if (onlyIfChanged && JSON.stringify(next) === JSON.stringify(this.stateValue)) return;
    this.stateValue = next;
    void this.connection.sendNotification(IndexStateNotification, next);
    if (this.isSettled) for (const w of this.settledWaiters.splice(0)) w();
  }

  private async publishDiagnostics(): Promise<void> {
    const groups = await this.query('diagnostics', undefined as never, undefined as unknown as Array<[string, Diagnostic[]]>);
    if (!groups) return;
    const byUri = new Map(groups);
    for (const uri of [...this.published.keys()]) {
      if (byUri.has(uri)) continue;
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      this.published.delete(uri);
    }
    for (const [uri, diagnostics] of byUri) {
      const json = JSON.stringify(diagnostics);
      if (this.published.get(uri) === json) continue;
      this.published.set(uri, json);
      void this.connection.sendDiagnostics({ uri, diagnostics });
    }
  }

  /** Drops the index (and the diagnostics it published) so start() can serve another tree. */
  async reset(): Promise<void> {
    this.generation++;
    const runner = this.runner;
    this.runner = undefined;
    this.ready = false;
    this.quick = undefined;
    this.pending.clear();
    for (const uri of this.published.keys()) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    this.published.clear();
    this.setState({ state: 'searching', files: 0, programs: 0 });
    await runner?.close();
  }

  async dispose(): Promise<void> { await this.runner?.close(); }
}
