// `dpnav graph --notes` and `dpnav trace --format markdown` through their modules (what bin/dpnav.js runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run as runGraph } from '../../../cli/graph';
import { run as runTrace } from '../../../cli/trace';
import { captureOutput as capture } from '../capture-output';

const repoRoot = path.resolve(__dirname, '../../..');
const LEGACY = path.join(repoRoot, 'test/fixtures/legacy/bpf');


function notesFile(content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-notes-cli-')), 'notes.json');
  fs.writeFileSync(file, content);
  return file;
}

test('dpnav graph --notes puts the notes in mermaid, json and dot', async () => {
  const file = notesFile(JSON.stringify({ version: 1, notes: [
    { id: 'a', target: { kind: 'node', function: 'tail_handle_ipv4', file: 'bpf_lxc.c' }, text: 'IPv4 from the pod', created: 'x', updated: 'x' },
    { id: 'b', target: { kind: 'node', function: 'removed_fn', file: 'bpf_lxc.c' }, text: 'gone', created: 'x', updated: 'x', lastKnown: { file: 'bpf_lxc.c', line: 9 } },
  ] }));
  const mermaid = await capture(() => runGraph([LEGACY, '--no-cache', '--notes', file, '--format', 'mermaid']));
  assert.equal(mermaid.code, 0, mermaid.err);
  assert.match(mermaid.out, /\["tail_handle_ipv4<br\/>📝 IPv4 from the pod"\]/);
  assert.match(mermaid.out, /%% orphaned note on removed_fn \(bpf_lxc\.c\) \(last seen bpf_lxc\.c:9\): gone/);
  const json = await capture(() => runGraph([LEGACY, '--no-cache', '--notes', file]));
  const parsed = JSON.parse(json.out) as { notes: Array<{ note: { id: string }; status: string }> };
  assert.deepEqual(parsed.notes.map((n) => [n.note.id, n.status]), [['a', 'attached'], ['b', 'orphaned']]);
  const dot = await capture(() => runGraph([LEGACY, '--no-cache', '--notes', file, '--format', 'dot']));
  assert.match(dot.out, /label="tail_handle_ipv4\\nCILIUM_CALL_IPV4_FROM_LXC\\n📝 IPv4 from the pod", penwidth=2, tooltip="IPv4 from the pod"\]/);
});

test('a malformed notes file is an error naming its position; the file is untouched', async () => {
  const text = '{ "version": 1, "notes": [ { "id": 1 } ] }';
  const file = notesFile(text);
  const r = await capture(() => runGraph([LEGACY, '--no-cache', '--notes', file, '--format', 'dot']));
  assert.equal(r.code, 2);
  assert.equal(r.err.trimEnd(), `dpnav graph: ${file}:1:36: "id" must be a non-empty string`);
  assert.equal(fs.readFileSync(file, 'utf8'), text);
});

test('dpnav trace --format markdown links each C function into the tree', async () => {
  const r = await capture(() => runTrace(['--scenario', 'pod-to-pod-vxlan', '--format', 'markdown', '--tree', path.join(repoRoot, 'sample/bpf')]));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^# Packet walk-through: pod-to-pod-vxlan\n/);
  const link = r.out.match(/\[`cil_from_container`\]\((\S+)#L(\d+)\) \(`bpf_lxc\.c:(\d+)`\)/);
  assert.ok(link, r.out.slice(0, 800));
  const [, target, line] = link!;
  assert.ok(fs.readFileSync(target!, 'utf8').split('\n')[Number(line) - 1]!.includes('cil_from_container'), 'the link lands on the function');
  const bad = await capture(() => runTrace(['--scenario', 'pod-to-pod-vxlan', '--notes', 'x.json']));
  assert.equal(bad.code, 2, '--notes without --format markdown is a usage error');
});
