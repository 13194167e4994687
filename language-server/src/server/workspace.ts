// Finding the bpf/ folder to serve, and converting between LSP URIs and paths relative to it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MARKER = 'bpf_lxc.c';
const SKIP = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);
const MAX_DEPTH = 4;

export type RootSearch = { root: string } | { error: string };

/**
 * The bpf/ folder: the configured one if given (absolute, or relative to the first workspace folder),
 * else the shallowest folder holding bpf_lxc.c under the workspace folders (breadth-first, depth ≤ 4).
 */
export function findBpfRoot(workspaceFolders: string[], configured?: string): RootSearch {
  if (configured) {
    const base = workspaceFolders[0] ?? process.cwd();
    const dir = path.resolve(base, configured);
    if (!isDir(dir)) return { error: `dpnav.bpfRoot: ${dir} is not a folder` };
    if (!fs.existsSync(path.join(dir, MARKER))) return { error: `dpnav.bpfRoot: ${dir} holds no ${MARKER}` };
    return { root: dir };
  }
  for (const folder of workspaceFolders) {
    const found = breadthFirst(folder);
    if (found) return { root: found };
  }
  const where = workspaceFolders.length ? workspaceFolders.join(', ') : '(no workspace folder)';
  return { error: `no folder holding ${MARKER} within ${MAX_DEPTH} levels of ${where}; set dpnav.bpfRoot` };
}

function breadthFirst(start: string): string | undefined {
  let level = [start];
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: fs.Dirent[];
      try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { continue; }
      if (entries.some((e) => e.isFile() && e.name === MARKER)) return dir;
      for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) next.push(path.join(dir, e.name));
    }
    // Prefer a folder literally named bpf at the same depth: sort so it is visited first.
    level = next.sort((a, b) => Number(path.basename(b) === 'bpf') - Number(path.basename(a) === 'bpf'));
  }
  return undefined;
}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

/** Maps between document URIs and the index's bpf-relative, '/'-separated paths. */
export class PathMapper {
  constructor(readonly root: string) {}

  /** The bpf-relative path of a file URI, or undefined when the document is outside the tree or not a file. */
  relative(uri: string): string | undefined {
    const fsPath = uriToPath(uri);
    if (fsPath === undefined) return undefined;
    const rel = path.relative(this.root, fsPath);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  }

  uri(relPath: string): string {
    return pathToFileURL(path.join(this.root, relPath)).href;
  }
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try { return fileURLToPath(uri); } catch { return undefined; }
}
