// `dpnav graph` through its module (the same code bin/dpnav.js runs), on the modern fixture tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../../cli/graph';

const MODERN = path.join(__dirname, '..', '..', 'fixtures', 'modern', 'bpf');

/** Runs the command with --out to a temp file (stdout belongs to the test runner) and captures stderr. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-cli-')), 'out');
  const err: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    const code = await run([...argv, '--out', file]);
    return { code, out: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', err: err.join('\n') };
  } finally {
    console.error = error;
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

test('json output follows graph-schema and matches the fixture programs', async () => {
  const r = await capture([MODERN, '--format', 'json', '--no-cache']);
  assert.equal(r.code, 0, r.err);
  const g = JSON.parse(r.out);
  const expected = JSON.parse(fs.readFileSync(path.join(MODERN, '..', 'expected-graph.json'), 'utf8'));
  assert.deepEqual(g.programs.map((p: { name: string; object: string }) => `${p.object}:${p.name}`).sort(),
    expected.programs.map((p: { name: string; object: string }) => `${p.object}:${p.name}`).sort());
  assert.ok(g.edges.every((e: { kind: string; line: number }) => ['call', 'tail', 'dynamic-tail'].includes(e.kind) && e.line >= 1));
});

test('dot and mermaid draw entries to tail programs, one cluster per object', async () => {
  const dot = await capture([MODERN, '--format=dot', '--no-cache']);
  assert.equal(dot.code, 0, dot.err);
  assert.match(dot.out, /^digraph tailcalls \{/);
  assert.match(dot.out, /label="bpf_lxc\.c"/);
  assert.match(dot.out, /"bpf_lxc\.c::cil_from_container" -> "bpf_lxc\.c::tail_handle_ipv4"/);
  const mm = await capture([MODERN, '--format', 'mermaid', '--no-cache']);
  assert.equal(mm.code, 0, mm.err);
  assert.match(mm.out, /^flowchart LR/);
  assert.match(mm.out, /subgraph obj\d+\["bpf_overlay\.c"\]/);
  assert.match(mm.out, /-\.->\|"?policy"?\|/);
});

test('errors: missing dir, no bpf_lxc.c, bad format → message and exit 2', async () => {
  const missing = await capture(['/no/such/dir']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /\/no\/such\/dir: no such directory/);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-cli-empty-'));
  const none = await capture([empty]);
  fs.rmSync(empty, { recursive: true, force: true });
  assert.equal(none.code, 2);
  assert.match(none.err, /no bpf_lxc\.c/);
  const fmt = await capture([MODERN, '--format', 'png']);
  assert.equal(fmt.code, 2);
  assert.match(fmt.err, /unknown format 'png'/);
  const usage = await capture([]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /missing <bpf-dir>/);
});
