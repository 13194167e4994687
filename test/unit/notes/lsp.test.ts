// Notes through the real LSP path (a client over stdio, test/unit/lsp/harness.ts) on a scratch copy of the
// legacy fixture: create/edit/delete by request, notes in hover (inert), code lenses and code actions,
// notes following inserted lines, a moved function's note orphaned with a re-attachment candidate, and
// a change on disk picked up live.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeAction, CodeLens, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { repoRoot, startSession, positionOf, type LspSession } from '../lsp/harness';
import {
  NotesChangedNotification, NotesDeleteRequest, NotesListRequest, NotesSetRequest, type NotesList, type NotesWriteResult,
} from '../../../language-server/src/notes/protocol';

const scratch: string[] = [];
after(() => { for (const d of scratch) fs.rmSync(d, { recursive: true, force: true }); });

function copyLegacy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-notes-lsp-'));
  scratch.push(dir);
  fs.cpSync(path.join(repoRoot, 'test/fixtures/legacy/bpf'), path.join(dir, 'bpf'), { recursive: true });
  return dir;
}

const LXC = 'bpf/bpf_lxc.c';
const HOSTILE = 'verdict <img src=x onerror=alert(1)> <script>alert(2)</script> [run](command:workbench.action.terminal.new) ![i](https://x/y.png)';
const hoverText = (h: Hover | null) => (h?.contents as MarkupContent | undefined)?.value ?? '';

async function set(s: LspSession, params: unknown): Promise<NotesWriteResult> { return s.request<NotesWriteResult>(NotesSetRequest, params); }

test('create, edit, delete by request; hover, lenses and code actions show the notes, inert', async () => {
  const ws = copyLegacy();
  const s = await startSession({ workspace: ws, initializationOptions: { codeLensCommands: true } });
  try {
    const uri = await s.open(LXC);
    const text = fs.readFileSync(path.join(ws, LXC), 'utf8');
    const created = await set(s, { target: { kind: 'node', function: 'tail_handle_ipv4', file: 'bpf_lxc.c' }, text: 'IPv4 egress **starts** here', tag: 'egress', color: '#0a0' });
    assert.ok(created.ok && created.note, JSON.stringify(created));
    const edge = await set(s, { target: { kind: 'edge', caller: 'handle_xgress', callee: 'tail_handle_ipv4', slot: 'CILIUM_CALL_IPV4_FROM_LXC', object: 'bpf_lxc.c' }, text: HOSTILE });
    assert.ok(edge.ok, JSON.stringify(edge));
    const edited = await set(s, { id: created.note!.id, target: { kind: 'node', function: 'tail_handle_ipv4', file: 'bpf_lxc.c' }, text: 'IPv4 egress starts here (edited)' });
    assert.ok(edited.ok && edited.note?.created === created.note!.created);
    assert.equal(edited.note?.tag, undefined, 'an edit replaces text, tag and colour together');
    const invalid = await set(s, { target: { kind: 'node', function: 'f' }, text: 'x' });
    assert.deepEqual(invalid, { ok: false, error: 'invalid dpnav/notes/set params: a node target needs function and file' });

    const onDisk = JSON.parse(fs.readFileSync(path.join(ws, '.vscode/datapath-notes.json'), 'utf8'));
    assert.equal(onDisk.version, 1);
    assert.deepEqual(onDisk.notes.map((n: { text: string }) => n.text).sort(), ['IPv4 egress starts here (edited)', HOSTILE].sort());

    const onName = await s.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'tail_handle_ipv4(', 1) });
    assert.match(hoverText(onName), /\*\*📝 Notes\*\*\n\nIPv4 egress starts here \\\(edited\\\)|IPv4 egress starts here \(edited\)/);
    const atSite = await s.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'CILIUM_CALL_IPV4_FROM_LXC); /* tail_handle_ipv4', 1) });
    const shown = hoverText(atSite);
    assert.ok(shown.includes('📝 Notes'), shown);
    assert.ok(shown.includes('verdict \\<img src=x onerror=alert(1)\\> \\<script\\>alert(2)\\</script\\> \\[run\\](command:workbench.action.terminal.new) !\\[i\\](https://x/y.png)'), shown);
    assert.ok(!/(^|[^\\])<(img|script)/.test(shown) && !/(^|[^\\])\]\(command:/.test(shown), `no live HTML or command link: ${shown}`);

    const lenses = await s.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    const noteLenses = lenses.filter((l) => l.command?.title.startsWith('📝'));
    assert.deepEqual(noteLenses.map((l) => [l.range.start.line, l.command!.title, l.command!.command]).sort(), [
      [positionOf(text, 'tail_handle_ipv4(').line, '📝 IPv4 egress starts here (edited)', 'dpnav.notes.edit'],
      [positionOf(text, 'CILIUM_CALL_IPV4_FROM_LXC); /* tail_handle_ipv4').line, `📝 ${HOSTILE.slice(0, 79)}…`, 'dpnav.notes.edit'],
    ].sort());

    const sitePos = positionOf(text, 'CILIUM_CALL_IPV4_FROM_LXC); /* tail_handle_ipv4', 1);
    const actions = await s.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: sitePos, end: sitePos }, context: { diagnostics: [] } });
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Add datapath note…'), titles.join(' | '));
    assert.ok(titles.some((t) => t.startsWith('Edit note: verdict')) && titles.some((t) => t.startsWith('Delete note: verdict')), titles.join(' | '));
    const add = actions.find((a) => a.title === 'Add datapath note…')!;
    assert.deepEqual(add.command!.arguments![0], { kind: 'edge', caller: 'handle_xgress', callee: 'tail_handle_ipv4', slot: 'CILIUM_CALL_IPV4_FROM_LXC', object: 'bpf_lxc.c' });

    // Five lines inserted above: the note follows the function (keyed by name + file, not line).
    await s.change(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, '/* a */\n/* b */\n/* c */\n/* d */\n/* e */\n');
    const moved = await s.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { ...positionOf(text, 'tail_handle_ipv4(', 1), line: positionOf(text, 'tail_handle_ipv4(').line + 5 } });
    assert.ok(hoverText(moved).includes('IPv4 egress starts here'), hoverText(moved));
    const list = await s.request<NotesList>(NotesListRequest, {});
    const node = list.notes.find((r) => r.note.id === created.note!.id)!;
    assert.deepEqual(node.status === 'attached' && node.place, { file: 'bpf_lxc.c', line: positionOf(text, 'tail_handle_ipv4(').line + 6 });

    const deleted = await s.request<NotesWriteResult>(NotesDeleteRequest, { id: created.note!.id });
    assert.deepEqual(deleted, { ok: true, deleted: true });
    assert.equal(JSON.parse(fs.readFileSync(path.join(ws, '.vscode/datapath-notes.json'), 'utf8')).notes.length, 1);
  } finally {
    await s.close();
  }
});

test('a moved function\'s note is orphaned with where it was and a candidate; a disk change is picked up live', async () => {
  const ws = copyLegacy();
  const lxcPath = path.join(ws, LXC);
  const source = fs.readFileSync(lxcPath, 'utf8');
  const start = source.indexOf('__section_tail(CILIUM_MAP_CALLS, CILIUM_CALL_IPV4_FROM_LXC) int tail_handle_ipv4');
  const end = source.indexOf('\n}\n', start) + 3;
  fs.writeFileSync(lxcPath, source.slice(0, start) + source.slice(end));
  fs.appendFileSync(path.join(ws, 'bpf/lib/l3.h'), '\n' + source.slice(start, end));
  fs.mkdirSync(path.join(ws, '.vscode'));
  const note = (id: string, target: object, text: string, lastKnown?: object) => ({ id, target, text, created: '2026-01-01T00:00:00.000Z', updated: '2026-01-01T00:00:00.000Z', ...(lastKnown ? { lastKnown } : {}) });
  fs.writeFileSync(path.join(ws, '.vscode/datapath-notes.json'), JSON.stringify({ version: 1, notes: [
    note('moved', { kind: 'node', function: 'tail_handle_ipv4', file: 'bpf_lxc.c' }, 'survives a move', { file: 'bpf_lxc.c', line: 38 }),
    note('gone', { kind: 'node', function: 'no_such_function', file: 'bpf_lxc.c' }, 'target deleted'),
    note('kept', { kind: 'node', function: 'tail_handle_arp', file: 'bpf_lxc.c' }, 'still here'),
  ] }, null, 2));
  const s = await startSession({ workspace: ws });
  try {
    const list = await s.request<NotesList>(NotesListRequest, {});
    const byId = new Map(list.notes.map((r) => [r.note.id, r]));
    const moved = byId.get('moved')!;
    assert.equal(moved.status, 'orphaned');
    assert.deepEqual(moved.status === 'orphaned' && [moved.lastKnown, moved.candidates.map((c) => [c.target, c.place.file]).sort((a, b) => String(a[1]).localeCompare(String(b[1])))], [
      // the fixture also defines tail_handle_ipv4 in bpf_overlay.c: both are offered
      { file: 'bpf_lxc.c', line: 38 },
      [[{ kind: 'node', function: 'tail_handle_ipv4', file: 'bpf_overlay.c' }, 'bpf_overlay.c'], [{ kind: 'node', function: 'tail_handle_ipv4', file: 'lib/l3.h' }, 'lib/l3.h']],
    ]);
    const gone = byId.get('gone')!;
    assert.deepEqual([gone.status, gone.status === 'orphaned' && gone.candidates.length], ['orphaned', 0]);
    assert.equal(byId.get('kept')!.status, 'attached');

    // Another window (or a git pull) rewrites the file: the server tells the client.
    const changed = new Promise<NotesList>((resolve) => s.connection.onNotification(NotesChangedNotification, (p: NotesList) => resolve(p)));
    const file = path.join(ws, '.vscode/datapath-notes.json');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    doc.notes = doc.notes.filter((n: { id: string }) => n.id !== 'gone');
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
    const pushed = await changed;
    assert.deepEqual(pushed.notes.map((r) => r.note.id).sort(), ['kept', 'moved']);
  } finally {
    await s.close();
  }
});
