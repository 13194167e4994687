// Content-keyed on-disk cache of a whole index: one JSON file per tree state, named by a hash of every
// file's path and content hash plus the core's version. A warm start reads the files, hashes them and
// loads the entry; nothing is parsed. Macro bodies are stored as text and re-tokenized on load.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { FileFacts } from './facts';
import { tokenize } from './tokens';

/** Bump when FileFacts or extraction changes meaning. */
export const CACHE_VERSION = 'dpnav-core-2';

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
}

export function loadCached(dir: string, key: string): (CachedExtras & { files: FileFacts[] }) | undefined {
  const p = path.join(dir, `${key}.json`);
  let raw: string;
  try { raw = fs.readFileSync(p, 'utf8'); } catch { return undefined; }
  try {
    const data = JSON.parse(raw) as { version: string; files: FileFacts[] } & CachedExtras;
    if (data.version !== CACHE_VERSION) return undefined;
    // Macro bodies are tokenized on first use: most are never expanded in a session.
    for (const f of data.files) {
      for (const d of f.defines) {
        let body: ReturnType<typeof tokenize> | undefined;
        Object.defineProperty(d, 'body', { get: () => (body ??= tokenize(d.bodyText)), set: (v) => { body = v; }, enumerable: false, configurable: true });
      }
    }
    return data;
  } catch {
    return undefined; // a corrupt entry is just a miss
  }
}

/** Keeps the `keep` most recently written entries: one per tree state adds up over a day of edits. */
function evictOld(dir: string, keep: number): void {
  const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const e of entries.slice(keep)) fs.rmSync(path.join(dir, e.f), { force: true });
}

export function storeCached(dir: string, key: string, files: readonly FileFacts[], extras: CachedExtras = {}): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const slim = files.map((f) => ({ ...f, defines: f.defines.map(({ body: _body, ...d }) => d) }));
    const tmp = path.join(dir, `${key}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, files: slim, ...extras }));
    fs.renameSync(tmp, path.join(dir, `${key}.json`));
    evictOld(dir, 12);
  } catch {
    // A read-only or full cache directory must not break indexing.
  }
}
