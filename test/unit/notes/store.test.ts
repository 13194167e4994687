// The notes store through its API: create/edit/delete, merging concurrent writers, atomic writes, and a
// malformed file reported with its position and left byte-for-byte untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NotesStore, MAX_NOTES_BYTES } from '../../../language-server/src/notes/store';
import { NotesFileError } from '../../../language-server/src/notes/schema';

const repoRoot = path.resolve(__dirname, '../../..');
const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-notes-')), '.vscode', 'datapath-notes.json');
const node = (fn: string, file = 'bpf_lxc.c') => ({ kind: 'node' as const, function: fn, file });

test('create, edit and delete a note; the file is the documented shape', () => {
  const file = tempFile();
  let clock = Date.parse('2026-01-02T03:04:05.000Z');
  const store = new NotesStore(file, { now: () => new Date(clock), newId: () => 'n1' });
  assert.equal(store.notes.length, 0, 'a missing file is an empty set of notes');
  const created = store.set({ target: node('cil_from_container'), text: 'entry from the pod', tag: 'policy', color: '#f80', place: { file: 'bpf_lxc.c', line: 40 } });
  clock += 60_000;
  store.set({ id: created.id, target: node('cil_from_container'), text: 'entry from the **pod**', tag: 'policy' });
  const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(onDisk, {
    version: 1,
    notes: [{
      id: 'n1', target: { kind: 'node', function: 'cil_from_container', file: 'bpf_lxc.c' }, text: 'entry from the **pod**',
      tag: 'policy', created: '2026-01-02T03:04:05.000Z', updated: '2026-01-02T03:05:05.000Z',
      lastKnown: { file: 'bpf_lxc.c', line: 40 },
    }],
  }, 'edit keeps id, created and last known place; drops the colour it was not given');
  assert.equal(store.delete('n1'), true);
  assert.equal(store.delete('n1'), false, 'deleting twice finds nothing the second time');
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { version: 1, notes: [] });
  const leftovers = fs.readdirSync(path.dirname(file)).filter((f) => f !== 'datapath-notes.json');
  assert.deepEqual(leftovers, [], 'no temporary or lock file is left behind');
});

test('invalid input is refused with a reason and nothing is written', () => {
  const file = tempFile();
  const store = new NotesStore(file);
  assert.throws(() => store.set({ target: node('f'), text: '   ' }), /text must be a non-empty string/);
  assert.throws(() => store.set({ target: node('f'), text: 'x', color: 'red' }), /color must be #rgb or #rrggbb/);
  assert.throws(() => store.set({ target: { kind: 'edge', caller: 'a', callee: '' }, text: 'x' }), /edge target needs caller and callee/);
  assert.equal(fs.existsSync(file), false);
});

test('two store instances with stale views interleave writes and lose nothing', () => {
  const file = tempFile();
  let n = 0;
  const a = new NotesStore(file, { newId: () => `a${n++}` });
  const b = new NotesStore(file, { newId: () => `b${n++}` });
  const a0 = a.set({ target: node('f1'), text: 'from A' });
  const b0 = b.set({ target: node('f2'), text: 'from B' }); // b never re-loaded: its view lacks a0
  a.set({ target: node('f3'), text: 'A again' });
  b.set({ id: a0.id, target: node('f1'), text: 'B edits A\'s note' }); // last writer wins for one note
  a.delete(b0.id);
  b.set({ target: node('f4'), text: 'B after the delete' });
  const fresh = new NotesStore(file);
  const byText = fresh.notes.map((x) => `${x.id}:${x.text}`).sort();
  assert.deepEqual(byText, [`${a0.id}:B edits A's note`, 'a2:A again', 'b3:B after the delete'].sort());
  assert.deepEqual(a.notes.length, 2, 'a sees the disk as of its own last write');
});

test('two processes writing at once lose nothing (lock + re-read + rename)', async () => {
  const file = tempFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const script = (who: string) => `
    const { NotesStore } = require(${JSON.stringify(path.join(repoRoot, 'language-server/src/notes/store.ts'))});
    const s = new NotesStore(${JSON.stringify(file)});
    for (let i = 0; i < 25; i++) s.set({ id: '${who}' + i, target: { kind: 'node', function: 'f' + i, file: 'x.h' }, text: '${who} ' + i });`;
  const runOne = (who: string) => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script(who)], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${who} exited ${code}: ${err}`))));
  });
  await Promise.all([runOne('p'), runOne('q')]);
  const ids = new NotesStore(file).notes.map((x) => x.id);
  assert.equal(ids.length, 50, `all 50 notes present, got ${ids.length}`);
});

test('a malformed file is reported with path and line:column and never overwritten', () => {
  const file = tempFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const broken = '{\n  "version": 1,\n  "notes": [\n    { "id": "x", }\n  ]\n}\n';
  fs.writeFileSync(file, broken);
  const past = new Date('2025-01-01T00:00:00Z');
  fs.utimesSync(file, past, past);
  const store = new NotesStore(file);
  assert.equal(store.state.ok, false);
  const error = (store.state as { error: NotesFileError }).error;
  assert.equal(error.file, file);
  assert.deepEqual([error.line, error.column], [4, 18], 'the closing brace where a property was expected after the comma');
  assert.throws(() => store.set({ target: node('f'), text: 'x' }), (e: unknown) => e instanceof NotesFileError && e.line === 4);
  assert.throws(() => store.delete('x'), NotesFileError);
  assert.equal(fs.readFileSync(file, 'utf8'), broken, 'bytes unchanged');
  assert.equal(fs.statSync(file).mtimeMs, past.getTime(), 'mtime unchanged');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['datapath-notes.json'], 'no temp or lock file left');
});

test('a notes file over the size limit is refused by name and never overwritten', () => {
  const file = tempFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"version": 1, "notes": []}');
  fs.truncateSync(file, MAX_NOTES_BYTES + 1); // sparse: the size is what counts, not the bytes
  const store = new NotesStore(file);
  assert.equal(store.state.ok, false);
  const error = (store.state as { error: NotesFileError }).error;
  assert.equal(error.file, file);
  assert.match(error.message, /over 16 MB/);
  assert.throws(() => store.set({ target: node('f'), text: 'x' }), NotesFileError);
  assert.equal(fs.statSync(file).size, MAX_NOTES_BYTES + 1, 'size unchanged: nothing was written');
});

test('schema errors name the field\'s position', () => {
  const file = tempFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"version": 1, "notes": [{"id": "a", "target": {"kind": "program"}, "text": "t", "created": "", "updated": ""}]}');
  const state = new NotesStore(file).state;
  assert.equal(state.ok, false);
  const e = (state as { error: NotesFileError }).error;
  assert.match(e.message, /target\.kind" must be "node" or "edge"/);
  assert.deepEqual([e.line, e.column], [1, 57]);
  fs.writeFileSync(file, '{"version": 2, "notes": []}');
  assert.match((new NotesStore(file).state as { error: NotesFileError }).error.message, /:1:13: unsupported version 2/);
});

test('changes on disk are picked up by watch()', async () => {
  const file = tempFile();
  const store = new NotesStore(file);
  const seen: number[] = [];
  const got = new Promise<void>((resolve) => {
    store.watch((state) => { seen.push(state.notes.length); if (state.notes.length === 1) resolve(); }, 50);
  });
  new NotesStore(file).set({ target: node('f'), text: 'written by another window' });
  // The store's poll timer is unref'd (it must not keep an editor's process alive); keep this test's alive.
  const keepAlive = setInterval(() => {}, 1000);
  try { await got; } finally { clearInterval(keepAlive); }
  store.dispose();
  assert.equal(store.notes[0].text, 'written by another window');
});
