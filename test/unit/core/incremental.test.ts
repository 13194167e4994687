// Edits re-parse incrementally (tree-sitter reuses the file's previous tree) and the graph is rebuilt
// from per-file caches: after any sequence of edits the index must say exactly what a fresh index of
// the edited tree says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatapathIndex } from '../../../language-server/src/core/index';
import { positionOf } from './helpers';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'modern', 'bpf');

function copyTree(from: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-incremental-'));
  fs.cpSync(from, dir, { recursive: true });
  return dir;
}

/** Everything an index answers about one file and the whole tree, minus the absolute root. */
function snapshot(index: DatapathIndex, rel: string) {
  const { root: _root, ...graph } = index.graph();
  const { hash: _hash, ...facts } = index.facts(rel)!;
  return { graph, facts, symbols: index.fileSymbols(rel), diagnostics: index.diagnostics() };
}

test('a sequence of edits leaves the index equal to a fresh index of the edited tree', async () => {
  const dir = copyTree(FIXTURE);
  const rel = 'bpf_lxc.c';
  const original = fs.readFileSync(path.join(dir, rel), 'utf8');
  const edited = await DatapathIndex.open(dir, { cacheDir: false, workers: false });
  try {
    const steps: ((t: string) => string)[] = [
      (t) => t + '\nstatic int probe_one(int x) { return x + 1; }\n',
      // A half-written function: the previous tree has a complete one at this spot.
      (t) => t.replace('static int probe_one(int x) { return x + 1; }', 'static int probe_one(int x) { return x +'),
      (t) => t.replace('return x +', 'return probe_two(x); }\nstatic int probe_two(int y) { return y; }'),
      // An edit near the top shifts every later offset.
      (t) => '/* leading comment */\n' + t,
      // Typing inside a function body: what tree-sitter sees is unchanged (the body is blanked), every
      // later offset moves, and the body gains a call.
      (t) => t.replace('\n{\n', '\n{\n\tint typed_here = probe_one(7);\n'),
      (t) => t.replace('probe_one(7)', 'probe_two(7) + probe_one(8)'),
      // Undo everything: back to the file on disk.
      () => original,
    ];
    let text = original;
    for (const [i, step] of steps.entries()) {
      text = step(text);
      edited.updateFile(rel, text);
      fs.writeFileSync(path.join(dir, rel), text);
      const fresh = await DatapathIndex.open(dir, { cacheDir: false, workers: false });
      try {
        assert.deepEqual(snapshot(edited, rel), snapshot(fresh, rel), `after edit ${i + 1}`);
      } finally {
        await fresh.close();
      }
    }
    // Lookups after the edits answer from the re-indexed text.
    edited.updateFile(rel, original + '\nstatic int probe_three(void) { return 3; }\n');
    const fn = edited.functions('probe_three');
    assert.equal(fn.length, 1);
    assert.deepEqual(edited.symbolAt(rel, positionOf(original + '\nstatic int probe_three(void) { return 3; }\n', 'probe_three'))?.definitions[0].nameRange, fn[0].nameRange);
  } finally {
    await edited.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
