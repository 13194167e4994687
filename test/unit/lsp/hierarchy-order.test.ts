// Call hierarchy on names defined more than once (each object's own handle_ipv4 / tail_handle_ipv4), and a
// tail-call wrapper's own dynamic call, on the modern fixture through a real client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot } from './harness';
import { useFixtureSession, type FixtureTree } from './navigate';

const workspace = path.join(repoRoot, 'test/fixtures/modern');
let t: FixtureTree;

useFixtureSession(workspace, (_session, tree) => { t = tree; });

const where = (items: { uri: string; selectionRange: { start: { line: number } } }[]) =>
  items.map((i) => `${path.basename(i.uri)}:${i.selectionRange.start.line}`);

test('prepare on a definition puts that definition first', async () => {
  // tail_handle_ipv4 is defined in bpf_lxc.c (0-based line 71) and bpf_overlay.c (line 20); the tree lists lxc first.
  const onOverlay = await t.prepare('bpf/bpf_overlay.c', 'tail_handle_ipv4', '__declare_tail(CILIUM_CALL_IPV4_FROM_OVERLAY)');
  assert.deepEqual(where(onOverlay), ['bpf_overlay.c:20', 'bpf_lxc.c:71']);
  const onLxc = await t.prepare('bpf/bpf_lxc.c', 'tail_handle_ipv4', '__declare_tail(CILIUM_CALL_IPV4_FROM_LXC)');
  assert.deepEqual(where(onLxc), ['bpf_lxc.c:71', 'bpf_overlay.c:20']);
});

test("prepare at a call site puts the definition of the site's own object first", async () => {
  // handle_ipv4: bpf_host.c line 12 and bpf_overlay.c line 11; the call in tail_handle_ipv4 of bpf_overlay.c sees its own.
  const items = await t.prepare('bpf/bpf_overlay.c', 'handle_ipv4', 'int tail_handle_ipv4(struct __ctx_buff *ctx)\n{');
  assert.deepEqual(where(items), ['bpf_overlay.c:11', 'bpf_host.c:12']);
  const fromHost = await t.prepare('bpf/bpf_host.c', 'handle_ipv4', 'return handle_ipv4');
  assert.deepEqual(where(fromHost), ['bpf_host.c:12', 'bpf_overlay.c:11']);
});

test("a wrapper's outgoing calls show its own dynamic tail call", async () => {
  const [wrapper] = await t.prepare('bpf/lib/local_delivery.h', 'tail_call_policy', '__must_check int\n');
  const calls = await t.outgoing(wrapper!);
  const dynamic = calls.filter((c) => /^dynamic tail call/.test(c.to.detail ?? ''));
  assert.deepEqual(dynamic.map((c) => `${c.to.name} [${c.to.detail}]`), ['cil_lxc_policy [dynamic tail call via tail_call_dynamic [ep_id]]']);
  // The range is the slot argument of the tail_call_dynamic call (0-based line 19).
  assert.equal(dynamic[0]!.fromRanges[0]!.start.line, t.line('bpf/lib/local_delivery.h', 'tail_call_dynamic(ctx, &cilium_call_policy, ep_id)'));
  // Its callers still reach the policy program through the wrapper.
  const [delivery] = await t.prepare('bpf/lib/local_delivery.h', 'ipv4_local_delivery');
  await t.hop(delivery!, 'cil_lxc_policy', 'dynamic tail call via tail_call_policy [ep->lxc_id]');
});
