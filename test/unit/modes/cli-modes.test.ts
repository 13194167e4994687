import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../../cli/graph';
import type { Graph } from '../../../language-server/src/core/graph-schema';

const modern = path.join(__dirname, '../../fixtures/modern/bpf');

/** Runs `dpnav graph` with --out into a temp file (stdout belongs to the test runner), stderr captured. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const outFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-cli-out-')), 'out.txt');
  const err: string[] = [];
  const error = console.error;
  console.error = (...xs: unknown[]) => { err.push(xs.join(' ')); };
  try {
    const code = await run([...argv, '--out', outFile]);
    return { code, out: fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '', err: err.join('\n') };
  } finally {
    console.error = error;
  }
}

test('--mode vxlan --compare native lists the tunnel call on the vxlan side only', async () => {
  const r = await capture([modern, '--no-cache', '--mode', 'vxlan', '--compare', 'native']);
  assert.equal(r.code, 0, r.err);
  const [vxlanPart, nativePart] = r.out.split('only in native');
  assert.match(vxlanPart, /^only in vxlan \(not in native\): 0 programs, 1 edges\n {2}call +handle_ipv4_from_lxc → encap_and_redirect_lxc {2}bpf_lxc\.c:47 {2}if defined\(TUNNEL_MODE\)/);
  assert.match(nativePart, /^ \(not in vxlan\): 0 programs, 0 edges/);
});

test('--compare --format json gives both sides as data', async () => {
  const r = await capture([modern, '--no-cache', '--mode', 'native', '--compare', 'vxlan', '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { modeA: string; modeB: string; onlyInA: { edges: unknown[] }; onlyInB: { edges: Array<{ to: string; line: number }> } };
  assert.equal(j.modeA, 'native');
  assert.equal(j.onlyInA.edges.length, 0);
  assert.deepEqual(j.onlyInB.edges.map((e) => [e.to, e.line]), [['encap_and_redirect_lxc', 47]]);
});

test('--mode from a generated config header', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-cli-mode-'));
  const header = path.join(dir, 'node_config.h');
  fs.writeFileSync(header, '#define TUNNEL_MODE 1\n');
  const r = await capture([modern, '--no-cache', '--mode', header]);
  assert.equal(r.code, 0, r.err);
  const g = JSON.parse(r.out) as Graph;
  assert.ok(g.edges.some((e) => e.to === 'encap_and_redirect_lxc'));
});

test('bad mode arguments are clear errors with status 2', async () => {
  const unknown = await capture([modern, '--mode', 'warp-drive']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown mode 'warp-drive' \(vxlan, geneve, native, native-host-routing/);
  const missing = await capture([modern, '--mode', '/nonexistent/node_config.h']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /mode header \/nonexistent\/node_config\.h: no such file/);
  const lone = await capture([modern, '--compare', 'native']);
  assert.equal(lone.code, 2);
  assert.match(lone.err, /--compare needs --mode/);
});
