// Loads web-tree-sitter and the C grammar from WASM (no native modules: the server runs in VS Code's
// own Node). Looks next to the running bundle first (dist/), then in node_modules.
import fs from 'node:fs';
import path from 'node:path';
// `require` form on purpose: bundled as CommonJS, the package's ESM build would need import.meta.url.
import type * as TreeSitterTypes from 'web-tree-sitter';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TreeSitter = require('web-tree-sitter') as typeof TreeSitterTypes;
const { Parser, Language, Query } = TreeSitter;
type Parser = TreeSitterTypes.Parser;
type Language = TreeSitterTypes.Language;
type Query = TreeSitterTypes.Query;

export interface CParser {
  parser: Parser;
  language: Language;
  queries: { functions: Query; maps: Query; enums: Query };
}

function candidates(file: string): string[] {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const out = [path.join(here, file)];
  // Source layout (tests under tsx): language-server/src/core → repo root.
  for (let dir = here, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    // node_modules before dist/: from source, dist/ may be rewritten by a concurrent build.
    out.push(path.join(dir, 'node_modules', file === 'tree-sitter-c.wasm' ? 'tree-sitter-c' : 'web-tree-sitter', file));
    out.push(path.join(dir, 'dist', file));
  }
  return out;
}

export function locateWasm(file: 'web-tree-sitter.wasm' | 'tree-sitter-c.wasm'): string {
  for (const c of candidates(file)) if (fs.existsSync(c)) return c;
  throw new Error(`cannot find ${file} (looked in dist/ next to the bundle and in node_modules)`);
}

/** Query files live in queries/ next to this module (source) or next to the bundle (dist/queries). */
function readQuery(file: string): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const dir of [path.join(here, 'queries'), path.join(here, '..', 'queries')]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8');
  }
  throw new Error(`cannot find query file ${file} next to ${here}`);
}

/** The two compiled WASM modules: a worker given them instantiates without compiling (V8 shares the code). */
export interface CompiledWasm { runtime: WebAssembly.Module; language: WebAssembly.Module }

let loading: Promise<CParser> | undefined;
let compiled: Promise<CompiledWasm> | undefined;

/** This thread's compiled modules (compiled once; what loadCParser() instantiated). */
export function compiledWasm(): Promise<CompiledWasm> {
  compiled ??= Promise.all([
    WebAssembly.compile(fs.readFileSync(locateWasm('web-tree-sitter.wasm'))),
    WebAssembly.compile(fs.readFileSync(locateWasm('tree-sitter-c.wasm'))),
  ]).then(([runtime, language]) => ({ runtime, language }));
  return compiled;
}

/** One parser per thread; cheap to call repeatedly. `from`: modules compiled by another thread. */
export function loadCParser(from?: CompiledWasm): Promise<CParser> {
  if (from) compiled ??= Promise.resolve(from);
  loading ??= (async () => {
    const modules = await compiledWasm();
    // Emscripten's hook has no way to report failure: a failed instantiation rejects `failed` instead.
    let fail: (err: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => { fail = reject; });
    await Promise.race([failed, Parser.init({
      instantiateWasm: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
        WebAssembly.instantiate(modules.runtime, imports).then((instance) => done(instance, modules.runtime), fail);
        return {};
      },
    })]);
    const language = Language.loadSync(modules.language);
    const parser = new Parser();
    parser.setLanguage(language);
    return {
      parser,
      language,
      queries: {
        functions: new Query(language, readQuery('functions.scm')),
        maps: new Query(language, readQuery('maps.scm')),
        enums: new Query(language, readQuery('enums.scm')),
      },
    };
  })();
  return loading;
}
