// Content-keyed on-disk cache of a whole index, named by a hash of every file's path and content hash plus
// the core's version. An entry is two files: `<key>.json` (macro roles and the graph build: all a warm
// start needs to answer graph queries) and `<key>.facts.json` (per-file facts, read on the first query
// that needs them, so a warm start does not pay for them). Nothing is parsed on a warm start. Macro bodies
// are stored as text and re-tokenized on first use; line starts are recomputed from the file texts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { FileFacts } from './facts';
import { tokenize } from './tokens';
import { lineStarts } from './extract';

/** Bump when FileFacts or extraction changes meaning. */
export const CACHE_VERSION = 'dpnav-core-4';

export function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'dpnav');
}

export function treeKey(root: string, hashes: ReadonlyMap<string, string>): string {
  const h = crypto.createHash('sha1').update(CACHE_VERSION).update('\0').update(root);
  for (const f of [...hashes.keys()].sort()) h.update('\0').update(f).update(':').update(hashes.get(f)!);
  return h.digest('hex');
}

/** What a cache entry holds besides the facts: derived data that is expensive to recompute. */
export interface CachedExtras {
  roles?: { attributeLike: string[]; markers: string[]; generators: string[]; rolesHash: string };
  build?: unknown;
  /** Stored with the facts and read with them (data only queries over facts need). */
  withFacts?: unknown;
}

export interface CacheEntry extends CachedExtras {
  /**
   * Reads the entry's per-file facts (line starts recomputed from `textOf`); undefined when that half of
   * the entry is gone or corrupt: the caller then re-extracts.
   */
  loadFiles(textOf: (file: string) => string | undefined): { files: FileFacts[]; withFacts?: unknown } | undefined;
}

export function loadCached(dir: string, key: string): CacheEntry | undefined {
  let raw: string;
  try { raw = fs.readFileSync(path.join(dir, `${key}.json`), 'utf8'); } catch { return undefined; }
  let head: { version: string } & CachedExtras;
  try { head = JSON.parse(raw) as typeof head; } catch { return undefined; } // a corrupt entry is just a miss
  if (head.version !== CACHE_VERSION) return undefined;
  return { ...head, loadFiles: (textOf) => loadFacts(path.join(dir, `${key}.facts.json`), textOf) };
}

function loadFacts(file: string, textOf: (file: string) => string | undefined): { files: FileFacts[]; withFacts?: unknown } | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string; files: (Omit<FileFacts, 'lineStarts'> & { lineStarts?: number[] })[]; withFacts?: unknown };
    if (data.version !== CACHE_VERSION) return undefined;
    // A file without text (deleted since) is left out; callers check what they got.
    data.files = data.files.filter((f) => textOf(f.file) !== undefined);
    for (const f of data.files) {
      f.lineStarts = lineStarts(textOf(f.file)!);
      // Macro bodies are tokenized on first use: most are never expanded in a session.
      for (const d of f.defines) {
        let body: ReturnType<typeof tokenize> | undefined;
        Object.defineProperty(d, 'body', { get: () => (body ??= tokenize(d.bodyText)), set: (v) => { body = v; }, enumerable: false, configurable: true });
      }
    }
    return { files: data.files as FileFacts[], withFacts: data.withFacts };
  } catch {
    return undefined;
  }
}

/** Keeps the `keep` most recently written entries: one per tree state adds up over a day of edits. */
function evictOld(dir: string, keep: number): void {
  const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.facts.json'))
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const e of entries.slice(keep)) {
    fs.rmSync(path.join(dir, e.f), { force: true });
    fs.rmSync(path.join(dir, e.f.replace(/\.json$/, '.facts.json')), { force: true });
  }
}

/** The entry last written for a bpf/ root (any tree state): its unchanged files' facts can be reused. */
export function latestCached(dir: string, root: string): CacheEntry | undefined {
  try {
    const key = fs.readFileSync(path.join(dir, latestName(root)), 'utf8').trim();
    return /^[0-9a-f]{40}$/.test(key) ? loadCached(dir, key) : undefined;
  } catch {
    return undefined;
  }
}

function latestName(root: string): string {
  return `latest-${crypto.createHash('sha1').update(CACHE_VERSION).update('\0').update(root).digest('hex')}.txt`;
}

export function storeCached(dir: string, key: string, files: readonly FileFacts[], extras: CachedExtras = {}, root?: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const slim = files.map(({ lineStarts: _starts, ...f }) => ({ ...f, defines: f.defines.map(({ body: _body, ...d }) => d) }));
    // Facts first: a head on disk promises its facts file.
    const write = (name: string, data: unknown) => {
      const tmp = path.join(dir, `${name}.${process.pid}.tmp`);
      fs.writeFileSync(tmp, JSON.stringify(data));
      fs.renameSync(tmp, path.join(dir, name));
    };
    const { withFacts, ...head } = extras;
    write(`${key}.facts.json`, { version: CACHE_VERSION, files: slim, withFacts });
    write(`${key}.json`, { version: CACHE_VERSION, ...head });
    if (root) fs.writeFileSync(path.join(dir, latestName(root)), key);
    evictOld(dir, 12);
  } catch {
    // A read-only or full cache directory must not break indexing.
  }
}
