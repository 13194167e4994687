import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatapathIndex } from '../../../language-server/src/core/index';
import { ModeEvaluation, edgesOnlyIn } from '../../../language-server/src/modes/evaluate';
import { builtinMode, modeFromSettings, type DatapathMode } from '../../../language-server/src/modes/modes';

const fixtures = path.join(__dirname, '../../fixtures');
const opened = new Map<string, Promise<DatapathIndex>>();
function open(tree: string): Promise<DatapathIndex> {
  let p = opened.get(tree);
  if (!p) { p = DatapathIndex.open(path.join(fixtures, tree, 'bpf'), { cacheDir: false, workers: false }); opened.set(tree, p); }
  return p;
}
after(async () => { for (const p of opened.values()) await (await p).close(); });

const mode = (name: string) => builtinMode(name)!;
/** Callees of from_container in the modes fixture, as compiled in a mode. */
async function calleesIn(m: DatapathMode): Promise<string[]> {
  const index = await open('modes');
  const g = new ModeEvaluation(index, m).filterGraph(index.graph());
  return g.edges.filter((e) => e.from === 'from_container').map((e) => e.to).sort();
}

test('#elif chain picks one branch per mode', async () => {
  assert.deepEqual(await calleesIn(mode('vxlan')), ['lxc_only', 'send_vxlan']);
  assert.deepEqual(await calleesIn(mode('geneve')), ['lxc_only', 'send_geneve']);
  assert.deepEqual(await calleesIn(mode('native')), ['lxc_only', 'pass_to_stack']);
  assert.deepEqual(await calleesIn(mode('native-host-routing')), ['lxc_only', 'redirect_to_peer'],
    'the __and(is_defined(..), is_defined(..)) helper selects the host-routing branch');
});

test('config stand-ins at the root never count; the tree\'s own #ifndef defaults do', async () => {
  // node_config.h defines ENABLE_IPV6 and TUNNEL_MODE: no built-in mode compiles handle_v6.
  for (const m of ['vxlan', 'geneve', 'native', 'native-host-routing']) assert.ok(!(await calleesIn(mode(m))).includes('handle_v6'), m);
  // Nested #ifdef / __or helper / TUNNEL_PORT default from lib/helpers.h (4789) when the mode leaves it unset.
  const user = modeFromSettings({ name: 'tunnel-default-port', defines: { TUNNEL_MODE: 1, ENABLE_IPV4: 1, ENABLE_IPV6: 1 } }, 'test');
  assert.deepEqual(await calleesIn(user), ['check_port', 'handle_v6', 'lxc_only', 'send_vxlan']);
  // vxlan sets TUNNEL_PORT 8472: the innermost #if fails.
  assert.ok(!(await calleesIn(mode('vxlan'))).includes('check_port'));
});

test('inactive regions name the failing directive; nested ones merge', async () => {
  const index = await open('modes');
  const ev = new ModeEvaluation(index, mode('native'));
  const regions = ev.inactiveRegions('bpf_lxc.c');
  // lines are 0-based: `#if defined(TUNNEL_MODE) && …` is line 20 of the file, `ret = send_geneve(x);` line 21
  const geneve = ev.inactiveAt('bpf_lxc.c', 20);
  assert.ok(geneve, 'send_geneve line is inactive in native');
  assert.equal(geneve.directiveLine, 19);
  assert.match(geneve.directive, /^#if defined\(TUNNEL_MODE\) && TUNNEL_PROTOCOL == GENEVE_PROTO$/);
  assert.match(geneve.reason, /is false in mode native/);
  assert.equal(ev.inactiveAt('bpf_lxc.c', 26), undefined, 'the #else branch (pass_to_stack) is active');
  assert.equal(ev.inactiveAt('bpf_lxc.c', 22)?.reason, '`TUNNEL_MODE` is not defined in mode native');
  assert.equal(ev.inactiveAt('bpf_lxc.c', 19), undefined, 'directive lines themselves stay visible');
  // ENABLE_IPV4 holds but __or(TUNNEL_MODE, NODEPORT) fails: check_port (line 37) and the nested #if's
  // #endif are one region reported on the outermost failing directive (line 35)
  const nested = regions.find((r) => r.startLine <= 36 && r.endLine >= 37);
  assert.ok(nested, JSON.stringify(regions));
  assert.match(nested.directive, /^#if __or\(is_defined\(TUNNEL_MODE\), is_defined\(ENABLE_NODEPORT\)\)$/);
  // an #else region after a taken branch says which earlier condition holds
  const vx = new ModeEvaluation(index, mode('vxlan'));
  assert.match(vx.inactiveAt('bpf_lxc.c', 26)?.reason ?? '', /earlier branch's condition `defined\(TUNNEL_MODE\)` holds/);
});

test('unknown symbols are undefined and listed', async () => {
  const index = await open('modes');
  const ev = new ModeEvaluation(index, mode('vxlan'));
  const names = ev.unknownSymbols().map((u) => u.name);
  assert.ok(names.includes('SOMETHING_NOBODY_DEFINES'), names.join(','));
  assert.ok(ev.inactiveAt('bpf_lxc.c', 46), 'the mystery() call is compiled out');
  assert.ok(!names.includes('__OPT_ON_TUNNEL_MODE'), 'placeholder names made by pasting are not user symbols');
});

test('modern fixture: the lxc → encap call exists in tunnel modes only', async () => {
  const index = await open('modern');
  const g = index.graph();
  const encap = (m: string) => new ModeEvaluation(index, mode(m)).filterGraph(g).edges
    .some((e) => e.from === 'handle_ipv4_from_lxc' && e.to === 'encap_and_redirect_lxc');
  assert.equal(encap('vxlan'), true);
  assert.equal(encap('geneve'), true);
  assert.equal(encap('native'), false);
  assert.equal(encap('native-host-routing'), false);
  const onlyVxlan = edgesOnlyIn(new ModeEvaluation(index, mode('vxlan')).filterGraph(g), new ModeEvaluation(index, mode('native')).filterGraph(g));
  assert.ok(onlyVxlan.some((e) => e.to === 'encap_and_redirect_lxc'));
});

test('legacy fixture: invoke_tailcall_if takes the tail call or its fallback, never both', async () => {
  const index = await open('legacy');
  const g = index.graph();
  const edgesTo = (m: DatapathMode) => new ModeEvaluation(index, m).filterGraph(g).edges
    .filter((e) => e.from === 'handle_xgress' && e.to === 'tail_handle_ipv6').map((e) => e.kind).sort();
  const v6 = modeFromSettings({ name: 'v6', defines: { ENABLE_IPV6: 1 } }, 'test');
  assert.deepEqual(edgesTo(v6), ['tail']);
  assert.deepEqual(edgesTo(mode('native')), ['call']);
  const progs = (m: DatapathMode) => new ModeEvaluation(index, m).filterGraph(g).programs.filter((p) => p.name === 'tail_handle_ipv6').length;
  assert.equal(progs(v6), 1);
  assert.equal(progs(mode('native')), 0, 'declare_tailcall_if(is_defined(ENABLE_IPV6), …) declares no program without IPv6');
});

test('graph conditions split into conjuncts only where && binds loosest', async () => {
  const { conjuncts } = await import('../../../language-server/src/modes/evaluate');
  assert.deepEqual(conjuncts('defined(A) && !(B || C) && (D ? 1 : 0)'), ['defined(A)', '!(B || C)', '(D ? 1 : 0)']);
  assert.deepEqual(conjuncts('A && B || C'), ['A && B || C']);
  assert.deepEqual(conjuncts('A ? B && C : D'), ['A ? B && C : D']);
  assert.deepEqual(conjuncts('X == 1'), ['X == 1']);
});

test('a condition that cannot be evaluated counts as false and is reported with its file', async () => {
  const { scanDirectives } = await import('../../../language-server/src/core/directives');
  const text = '#include "lib/x.h"\n#if (1 +\nint a;\n#endif\nint b;\n';
  const scan = scanDirectives(text, 'bpf_lxc.c');
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)];
  const facts = { ...scan, file: 'bpf_lxc.c', hash: 'h', rolesHash: 'r', lineStarts, functions: [], maps: [], enumerators: [], diagnostics: [] };
  const source = { files: () => ['bpf_lxc.c'], facts: (f: string) => (f === 'bpf_lxc.c' ? facts : undefined) };
  const ev = new ModeEvaluation(source, mode('vxlan'));
  assert.equal(ev.inactiveAt('bpf_lxc.c', 2)?.directive, '#if (1 +');
  assert.equal(ev.inactiveAt('bpf_lxc.c', 4), undefined);
  assert.deepEqual(ev.conditionErrors().map((e) => e.split(': ').slice(0, 2).join(': ')), ['bpf_lxc.c: #if (1 +']);
});
