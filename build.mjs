// Bundles every part with esbuild into dist/ and copies the runtime assets (tree-sitter WASM, codicons).
// An entry whose source file does not exist yet is skipped, so parts can land one at a time.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

/** @type {Array<esbuild.BuildOptions & {entryPoints: string[]}>} */
const bundles = [
  { entryPoints: ['extension/src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  { entryPoints: ['language-server/src/server/main.ts'], outfile: 'dist/server.js', platform: 'node', format: 'cjs' },
  { entryPoints: ['language-server/src/core/parse-worker.ts'], outfile: 'dist/parse-worker.js', platform: 'node', format: 'cjs' },
  { entryPoints: ['language-server/src/server/analysis-worker.ts'], outfile: 'dist/analysis-worker.js', platform: 'node', format: 'cjs' },
  { entryPoints: ['cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs' },
  { entryPoints: ['webview/src/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
];

const assets = [
  ['node_modules/web-tree-sitter/web-tree-sitter.wasm', 'dist/web-tree-sitter.wasm'],
  ['node_modules/tree-sitter-c/tree-sitter-c.wasm', 'dist/tree-sitter-c.wasm'],
  ['node_modules/@vscode/codicons/dist/codicon.css', 'dist/codicon.css'],
  ['node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/codicon.ttf'],
];

fs.mkdirSync(dist, { recursive: true });
for (const [from, to] of assets) fs.copyFileSync(path.join(root, from), path.join(root, to));
for (const dir of ['language-server/src/core/queries']) {
  const src = path.join(root, dir);
  if (!fs.existsSync(src)) continue;
  fs.mkdirSync(path.join(dist, 'queries'), { recursive: true });
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dist, 'queries', f));
}

// Node bundles prefer ES module builds: jsonc-parser's UMD main loads its parts with a require() esbuild cannot follow.
const present = bundles.filter((b) => fs.existsSync(path.join(root, b.entryPoints[0])))
  .map((b) => (b.platform === 'node' ? { mainFields: ['module', 'main'], ...b } : b));
const common = { absWorkingDir: root, bundle: true, sourcemap: true, target: 'es2022', minify, logLevel: 'warning',
  loader: { '.scm': 'text', '.css': 'text' } };
if (watch) {
  for (const b of present) await (await esbuild.context({ ...common, ...b })).watch();
  console.log('watching', present.map((b) => b.outfile).join(', '));
} else {
  await Promise.all(present.map((b) => esbuild.build({ ...common, ...b })));
}
