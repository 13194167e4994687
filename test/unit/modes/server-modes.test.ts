// Datapath modes through a real LSP client: dpnav/setMode, dpnav/modeChanged, dpnav/inactiveRegions,
// and the graph, call hierarchy and hover of the server following the mode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Hover } from 'vscode-languageserver-protocol';
import { repoRoot, startSession, type LspSession } from '../lsp/harness';
import { FixtureTree } from '../lsp/navigate';
import {
  GraphRequest, InactiveRegionsRequest, ModeChangedNotification, SetModeNotification,
  type Graph, type InactiveRegionsResult, type ModeStatus,
} from '../../../language-server/src/server/protocol';

const workspace = path.join(repoRoot, 'test/fixtures/modern');
let s: LspSession;
let t: FixtureTree;
const statuses: ModeStatus[] = [];

before(async () => {
  s = await startSession({ workspace, initializationOptions: { modes: [{ name: 'tunnel-only', defines: { TUNNEL_MODE: 1 } }] } });
  t = new FixtureTree(s);
  s.connection.onNotification(ModeChangedNotification, (m: ModeStatus) => { statuses.push(m); });
});
after(async () => { await s?.close(); });

async function switchTo(mode: string | null): Promise<ModeStatus> {
  const before = statuses.length;
  await s.connection.sendNotification(SetModeNotification, { mode });
  const deadline = Date.now() + 20_000;
  // the status that answers this request: for this mode, or an error (earlier notifications may still arrive)
  const answers = (m: ModeStatus) => m.mode === mode || (m.error !== undefined && m.mode === null);
  while (!statuses.slice(before).some(answers)) {
    if (Date.now() > deadline) throw new Error(`no dpnav/modeChanged after setMode ${mode}\n${s.serverStderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return statuses.slice(before).find(answers)!;
}

const encapEdge = (g: Graph) => g.edges.some((e) => e.from === 'handle_ipv4_from_lxc' && e.to === 'encap_and_redirect_lxc');
async function outgoingNames(): Promise<string[]> {
  const [item] = await t.prepare('bpf/bpf_lxc.c', 'handle_ipv4_from_lxc');
  return (await t.outgoing(item!)).map((c) => c.to.name);
}

test('native mode: the tunnel branch is greyed, its edge is gone from graph and hierarchy, hover says why', async () => {
  const status = await switchTo('native');
  assert.equal(status.mode, 'native');
  assert.equal(status.error, undefined);
  const uri = s.uri('bpf/bpf_lxc.c');
  const regions = await s.request<InactiveRegionsResult>(InactiveRegionsRequest, { textDocument: { uri } });
  assert.equal(regions.mode, 'native');
  // bpf_lxc.c:45 `#ifdef TUNNEL_MODE` guards lines 46–48 (0-based 45–47)
  const tunnel = regions.regions.find((r) => r.directive === '#ifdef TUNNEL_MODE');
  assert.ok(tunnel, JSON.stringify(regions));
  assert.deepEqual([tunnel.range.start.line, tunnel.range.end.line, tunnel.directiveLine], [45, 47, 44]);
  assert.equal(encapEdge(await s.request<Graph>(GraphRequest, {})), false);
  assert.ok(!(await outgoingNames()).includes('encap_and_redirect_lxc'));
  const hover = await s.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 46, character: 12 } });
  const text = typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
  assert.match(text, /Compiled out in mode native\*\* by `#ifdef TUNNEL_MODE` \(line 45\): `TUNNEL_MODE` is not defined in mode native/);
});

test('switching to vxlan brings the edge back; a user mode from settings works too', async () => {
  assert.equal((await switchTo('vxlan')).mode, 'vxlan');
  assert.equal(encapEdge(await s.request<Graph>(GraphRequest, {})), true);
  assert.ok((await outgoingNames()).includes('encap_and_redirect_lxc'));
  assert.equal((await switchTo('tunnel-only')).mode, 'tunnel-only');
  assert.equal(encapEdge(await s.request<Graph>(GraphRequest, {})), true);
});

test('an unknown mode is an error naming it; null shows every branch', async () => {
  const bad = await switchTo('no-such-mode');
  assert.equal(bad.mode, null);
  assert.match(bad.error ?? '', /unknown datapath mode 'no-such-mode'/);
  assert.equal((await switchTo(null)).mode, null);
  const uri = s.uri('bpf/bpf_lxc.c');
  const regions = await s.request<InactiveRegionsResult>(InactiveRegionsRequest, { textDocument: { uri } });
  assert.deepEqual(regions, { mode: null, regions: [] });
  assert.equal(encapEdge(await s.request<Graph>(GraphRequest, {})), true, 'without a mode every edge is shown');
});
