// Worker thread: whole-file extraction (prepare → tree-sitter → assemble) for a batch of files.
// Messages in:  { kind: 'init', roles, macros, rolesHash }   once, the tree-wide macro roles
//               { kind: 'extract', id, files: [{ file, text }] }
// Messages out: { id, facts: FileFacts[] } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { loadCParser, type CompiledWasm } from './wasm';
import { extractFile, type RolesContext } from './extract';
import type { MacroDef } from './directives';
import type { RolesData } from './worker-pool';

const port = parentPort;
if (port) {
  const ready = loadCParser((workerData as { wasm?: CompiledWasm } | undefined)?.wasm);
  let ctx: RolesContext | undefined;
  port.on('message', async (msg: { kind: 'init'; data: RolesData } | { kind: 'extract'; id: number; files: { file: string; text: string }[] }) => {
    if (msg.kind === 'init') {
      const table = new Map<string, MacroDef>(msg.data.macros.map((m) => [m.name, m]));
      ctx = {
        roles: { attributeLike: new Set(msg.data.attributeLike), markers: new Set(msg.data.markers), generators: new Set(msg.data.generators) },
        macros: { get: (n) => table.get(n) },
        rolesHash: msg.data.rolesHash,
      };
      return;
    }
    try {
      const cp = await ready;
      if (!ctx) throw new Error('parse worker used before init');
      port.postMessage({ id: msg.id, facts: msg.files.map((f) => extractFile(cp, f.file, f.text, ctx!)) });
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
