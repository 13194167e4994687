// The pure parts of the webview, in Node: message validation both ways, the panel HTML and its CSP,
// packet diffs, and which programs of the graph a trace ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostMessage, isWebviewMessage } from '../../../webview/src/protocol';
import { traceProblem, graphProblem } from '../../../webview/src/validate';
import { renderPanelHtml, makeNonce } from '../../../webview/src/html';
import { diffPackets, removedSections } from '../../../webview/src/packet-diff';
import { pathGraph } from '../../../webview/src/graph-path';
import { delivered, encapsulated, fixtureGraph, inner, podToPodTrace } from './fixtures';

test('webview messages are checked field by field', () => {
  assert.ok(isWebviewMessage({ type: 'revealStep', stepIndex: 3, function: 'handle_ipv4_from_lxc', call: 'ct_lookup4', aliases: ['a'] }));
  assert.ok(isWebviewMessage({ type: 'runScenario', scenario: 'pod-to-pod-vxlan', mode: 'geneve' }));
  for (const bad of [
    null, 'ready', { type: 'nope' },
    { type: 'revealStep', stepIndex: -1, function: 'f' },
    { type: 'revealStep', stepIndex: 1.5, function: 'f' },
    { type: 'revealStep', stepIndex: 1, function: 42 },
    { type: 'revealStep', stepIndex: 1, function: 'f', aliases: 'g' },
    { type: 'runScenario', scenario: 'x', mode: 'ipip' },
    { type: 'revealProgram', name: 'p', line: '3' },
  ]) assert.equal(isWebviewMessage(bad), false, JSON.stringify(bad));
});

test('host messages are checked, the trace and graph included', () => {
  const trace = podToPodTrace();
  assert.ok(isHostMessage({ type: 'trace', scenario: 's', mode: 'vxlan', trace, startStep: 4 }));
  assert.ok(isHostMessage({ type: 'graph', graph: fixtureGraph() }));
  assert.ok(isHostMessage({ type: 'stepLocation', stepIndex: 2, location: { found: false, reason: 'gone' } }));
  assert.ok(isHostMessage({ type: 'init', state: { scenarios: [{ name: 'a', title: 'A', kind: 'path' }], mode: 'native' } }));
  assert.equal(isHostMessage({ type: 'stepLocation', stepIndex: 2, location: { found: true, file: 'bpf_lxc.c' } }), false);
  assert.equal(isHostMessage({ type: 'trace', scenario: 's', mode: 'vxlan', trace: { ...trace, hops: 'x' } }), false);
  assert.equal(isHostMessage({ type: 'notice', level: 'loud', message: 'm' }), false);
});

test('a malformed trace or graph is described by the path of its first problem', () => {
  assert.equal(traceProblem(podToPodTrace()), undefined);
  const t = podToPodTrace() as unknown as { hops: Array<{ steps: Array<Record<string, unknown>> }> };
  t.hops[4].steps[1].source = { call: 'x' };
  assert.equal(traceProblem(t), 'hops[4].steps[1].source.function: expected a string');
  const gap = podToPodTrace();
  gap.hops[2].steps[0].index = 99;
  assert.equal(traceProblem(gap), 'step index 99 found where 7 was expected');
  const lookup = podToPodTrace();
  (lookup.hops[1].steps[3].lookups![0].key as Record<string, unknown>).ip = { nested: true };
  assert.equal(traceProblem(lookup), 'hops[1].steps[3].lookups[0].key.ip: expected a string, number, boolean or null');
  const disp = { ...podToPodTrace(), disposition: { kind: 'vanished' } };
  assert.equal(traceProblem(disp), 'disposition.kind: unknown disposition');
  const g = fixtureGraph() as unknown as { edges: Array<Record<string, unknown>> };
  g.edges[2].line = 'ten';
  assert.equal(graphProblem(g), 'edges[2].line: expected an integer');
});

test('the panel HTML: nonce-only scripts, no inline or eval, no remote origins', () => {
  const nonce = makeNonce();
  const html = renderPanelHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce, scriptUri: 'https://x/dist/webview.js', codiconCssUri: 'https://x/dist/codicon.css' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'(;|$)`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*(?!\.)|http:/);
  assert.equal((html.match(/<script /g) ?? []).length, 1);
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://x/dist/webview.js">`));
  assert.ok(html.includes('id="vscode-codicon-stylesheet"'), 'vscode-elements finds the codicons by this id');
  assert.notEqual(makeNonce(), nonce);
  assert.throws(() => renderPanelHtml({ cspSource: 'x', nonce: "abc' 'unsafe-inline", scriptUri: 's', codiconCssUri: 'c' }), /nonce/);
  for (const bad of ["https://a 'unsafe-eval'", 'https://a; script-src *', '*', '', "'none'", 'https://a,https://b']) {
    assert.throws(() => renderPanelHtml({ cspSource: bad, nonce, scriptUri: 's', codiconCssUri: 'c' }), /cspSource/, bad);
  }
  // code-server gives a list.
  const list = renderPanelHtml({ cspSource: "'self'  https://*.vscode-cdn.net", nonce, scriptUri: 's', codiconCssUri: 'c' });
  assert.match(list, /font-src 'self' https:\/\/\*\.vscode-cdn\.net;/);
  const quoted = renderPanelHtml({ cspSource: 'https://a', nonce, scriptUri: 'https://a/"><script>alert(1)</script>', codiconCssUri: 'c' });
  assert.equal((quoted.match(/<script/g) ?? []).length, 1, 'a URI cannot close the attribute');
});

test('packet diff: MAC rewrite and TTL are changes, encapsulation adds the outer section', () => {
  const rewrite = diffPackets(inner, delivered);
  assert.deepEqual(rewrite.get('eth.dst'), { kind: 'changed', before: inner.eth.dst });
  assert.deepEqual(rewrite.get('eth.src'), { kind: 'changed', before: inner.eth.src });
  assert.deepEqual(rewrite.get('ipv4.ttl'), { kind: 'changed', before: '64' });
  assert.equal(rewrite.has('ipv4.src'), false);
  const encap = diffPackets(inner, encapsulated);
  assert.deepEqual(encap.get('outer.tunnel.vni'), { kind: 'added' });
  assert.deepEqual(encap.get('meta.mark'), { kind: 'added' });
  assert.equal(encap.has('eth.dst'), false);
  assert.deepEqual(removedSections(encapsulated, inner), ['Outer headers (encapsulation)']);
  assert.equal(diffPackets(undefined, inner).size, 0);
});

test('path graph: programs in the order run, same-named tail programs kept apart, taken edges marked', () => {
  const pg = pathGraph(podToPodTrace(), fixtureGraph());
  assert.deepEqual(pg.path, ['bpf_lxc.c/cil_from_container', 'bpf_lxc.c/tail_handle_ipv4', 'bpf_overlay.c/cil_to_overlay',
    'bpf_overlay.c/cil_from_overlay', 'bpf_overlay.c/tail_handle_ipv4', 'bpf_lxc.c/cil_lxc_policy']);
  const edge = (from: string, to: string) => pg.edges.find((e) => e.from === from && e.to === to);
  assert.equal(edge('bpf_lxc.c/cil_from_container', 'bpf_lxc.c/tail_handle_ipv4')?.onPath, true);
  assert.equal(edge('bpf_lxc.c/cil_from_container', 'bpf_lxc.c/tail_handle_arp')?.onPath, false);
  assert.equal(edge('bpf_overlay.c/tail_handle_ipv4', 'bpf_lxc.c/cil_lxc_policy')?.kind, 'dynamic-tail');
  assert.equal(edge('bpf_lxc.c/tail_handle_ipv4', 'bpf_overlay.c/cil_to_overlay')?.kind, 'hop');
  // Step 5 (conntrack in handle_ipv4_from_lxc) runs inside the lxc tail program, not the overlay one.
  assert.equal(pg.programAtStep[4], 'bpf_lxc.c/tail_handle_ipv4');
  assert.equal(pg.programAtStep[0], undefined);
  const bare = pathGraph(podToPodTrace(), undefined);
  assert.ok(bare.path.includes('cil_from_container') && bare.edges.every((e) => e.onPath));
});
