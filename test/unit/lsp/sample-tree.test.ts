// The bundled sample tree (sample/bpf) through a real client: the whole egress-to-ingress walk of the
// README, hop by hop, including the dynamic policy call and redirect_ep; and dpnav/locate as the
// extension uses it to map simulator steps (function + anchored call) into the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot, type LspSession } from './harness';
import { useFixtureSession, type FixtureTree } from './navigate';
import type { LocateResult } from '../../../language-server/src/server/protocol';

const workspace = path.join(repoRoot, 'sample');
let s: LspSession;
let t: FixtureTree;

useFixtureSession(workspace, (session, tree) => { s = session; t = tree; });

test('pod egress to pod ingress, hop by hop', async () => {
  const [entry] = await t.prepare('bpf/bpf_lxc.c', 'cil_from_container', 'int cil_from_container');
  const tail = await t.hop(entry!, 'tail_handle_ipv4', /^tail call via tail_call_internal \[CILIUM_CALL_IPV4_FROM_LXC\]/, 'bpf/bpf_lxc.c');
  const handler = await t.hop(tail, 'handle_ipv4_from_lxc', /^call/);
  const forward = await t.hop(handler, 'ipv4_forward_to_destination', /^call/);
  const delivery = await t.hop(forward, 'ipv4_local_delivery', /^call/);
  const local = await t.hop(delivery, 'local_delivery', /^call/);
  const policy = await t.hop(local, 'cil_lxc_policy', /^dynamic tail call via tail_call_policy/);
  const ingress = await t.hop(policy, 'tail_ipv4_policy', /^tail call via tail_call_internal \[CILIUM_CALL_IPV4_TO_LXC_POLICY_ONLY\]/);
  await t.hop(ingress, 'ipv4_policy', /^call/);
  const redirect = await t.hop(ingress, 'redirect_ep', /^call/);
  assert.equal(redirect.uri, s.uri('bpf/lib/local_delivery.h'));
});

test('host and overlay entries reach local delivery', async () => {
  const [fromHost] = await t.prepare('bpf/bpf_host.c', 'cil_from_host', 'int cil_from_host');
  const netdev = await t.hop(fromHost!, 'do_netdev', /^call/);
  const tail = await t.hop(netdev, 'tail_handle_ipv4_from_host', /^tail call via tail_call_internal/);
  const handler = await t.hop(tail, 'handle_ipv4', /^call/, 'bpf/bpf_host.c');
  const cont = await t.hop(handler, 'handle_ipv4_cont', /^call/, 'bpf/bpf_host.c');
  await t.hop(cont, 'ipv4_local_delivery', /^call/);
  const [fromOverlay] = await t.prepare('bpf/bpf_overlay.c', 'cil_from_overlay', 'int cil_from_overlay');
  const overlayTail = await t.hop(fromOverlay!, 'tail_handle_ipv4', /^tail call via tail_call_internal/, 'bpf/bpf_overlay.c');
  const overlayHandler = await t.hop(overlayTail, 'handle_ipv4', /^call/, 'bpf/bpf_overlay.c');
  await t.hop(overlayHandler, 'ipv4_local_delivery', /^call/);
});

test('dpnav/locate finds a step\'s function and its anchored call', async () => {
  const step = await s.request<LocateResult>('dpnav/locate', { function: 'local_delivery', call: 'tail_call_policy' });
  assert.ok(step.found, JSON.stringify(step));
  assert.equal(step.uri, s.uri('bpf/lib/local_delivery.h'));
  assert.equal(step.range.start.line, t.line('bpf/lib/local_delivery.h', 'int local_delivery('));
  assert.equal(step.callRange?.start.line, t.line('bpf/lib/local_delivery.h', 'return tail_call_policy(ctx, ep->lxc_id);'));
  const viaAlias = await s.request<LocateResult>('dpnav/locate', { function: 'handle_xgress', aliases: ['cil_from_container'], call: 'tail_call_static', callAliases: ['tail_call_internal'] });
  assert.ok(viaAlias.found);
  assert.equal(viaAlias.matchedName, 'cil_from_container');
  assert.equal(viaAlias.matchedCall, 'tail_call_internal');
  assert.equal(viaAlias.callRange?.start.line, t.line('bpf/bpf_lxc.c', 'tail_call_internal(ctx, CILIUM_CALL_IPV4_FROM_LXC'));
});
