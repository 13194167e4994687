// The analysis worker thread (see runner.ts): owns the index, applies edits and answers feature
// queries in the order they arrive, so an edit always precedes the queries sent after it.
import { parentPort } from 'node:worker_threads';
import type { Analysis } from './analysis';
import { buildAnalysis } from './core-adapter';
import { runFeature } from './features';
import type { FromWorker, ToWorker } from './runner';
import { PathMapper } from './workspace';

const port = parentPort;
if (!port) throw new Error('analysis-worker.ts must run as a worker thread');

let analysis: Analysis | undefined;
let mapper: PathMapper | undefined;
/** Messages that arrived while the index was being built; replayed in order once it exists. */
let queued: ToWorker[] | undefined;

const send = (m: FromWorker) => port.postMessage(m);
const text = (err: unknown) => (err instanceof Error ? err.message : String(err));

function handle(m: ToWorker): void {
  if (queued && m.type !== 'open') { queued.push(m); return; }
  switch (m.type) {
    case 'open': {
      queued = [];
      buildAnalysis(m.root, m.limits, (done, total) => send({ type: 'progress', done, total })).then((a) => {
        analysis = a;
        mapper = new PathMapper(a.root);
        send({ type: 'opened', counts: runFeature(a, mapper, 'counts', undefined as never) });
        warmSoon();
      }, (err) => send({ type: 'openFailed', message: text(err) })).finally(() => {
        const replay = queued ?? [];
        queued = undefined;
        for (const q of replay) handle(q);
      });
      return;
    }
    case 'update':
      try { analysis?.updateFile(m.file, m.text); } catch (err) { send({ type: 'log', message: `re-indexing ${m.file} failed: ${text(err)}` }); }
      warmAfterEdits();
      return;
    case 'remove':
      try { analysis?.removeFile(m.file); } catch (err) { send({ type: 'log', message: `removing ${m.file} failed: ${text(err)}` }); }
      return;
    case 'query':
      if (!analysis || !mapper) { send({ type: 'error', id: m.id, message: 'no index' }); return; }
      try {
        send({ type: 'result', id: m.id, value: runFeature(analysis, mapper, m.name, m.args as never) });
      } catch (err) {
        send({ type: 'error', id: m.id, message: `${m.name}: ${err instanceof Error && err.stack ? err.stack : text(err)}` });
      }
      return;
  }
}

/**
 * Fills the per-file caches a few files at a time between messages, so workspace symbols are ready
 * without delaying the requests that arrive right after indexing.
 */
let warming = false;
/**
 * After edits, the caches of the edited files are filled once editing pauses: while the user types, the
 * requests that follow each edit compute what they need and nothing else competes with them.
 */
const WARM_AFTER_EDITS_MS = 300;
let editPause: NodeJS.Timeout | undefined;
function warmAfterEdits(): void {
  if (editPause) clearTimeout(editPause);
  editPause = setTimeout(() => { editPause = undefined; warmSoon(); }, WARM_AFTER_EDITS_MS);
}
function warmSoon(): void {
  if (warming) return;
  warming = true;
  setImmediate(() => {
    warming = false;
    try { if (analysis?.warm(4)) warmSoon(); } catch (err) { send({ type: 'log', message: `warming caches failed: ${text(err)}` }); }
  });
}

port.on('message', handle);
