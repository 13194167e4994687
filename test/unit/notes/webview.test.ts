// Notes in the real webview (Chromium, test/unit/webview/harness.ts): badges on the noted graph node and
// edge, the notes pane adding, editing and deleting through protocol messages, hostile note text shown as
// text and never run, and malformed notes messages rejected.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PanelHost, closeBrowser, fixtureHost } from '../webview/harness';
import { isWebviewMessage, isHostMessage, type WebviewNote } from '../../../webview/src/protocol';

after(closeBrowser);

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const LINK = '[x](command:workbench.action.terminal.new)';

const notes: WebviewNote[] = [
  { id: 'n1', target: { kind: 'node', function: 'cil_from_container', file: 'bpf_lxc.c' }, text: `entry ${IMG} ${SCRIPT} ${LINK}`, tag: 'pod', color: '#f80' },
  { id: 'e1', target: { kind: 'edge', caller: 'cil_from_container', callee: 'tail_handle_ipv4', slot: 'CILIUM_CALL_IPV4_FROM_LXC', object: 'bpf_lxc.c' }, text: 'only with ENABLE_IPV4' },
  { id: 'x1', target: { kind: 'node', function: 'cil_from_container', file: 'other.c' }, text: 'same name, other file: not this node' },
];

test('graph badges, the notes pane, and hostile note text staying text', async () => {
  const host = await PanelHost.open(fixtureHost());
  try {
    await host.page.click('vscode-tab-header[data-pane="graph"]');
    await host.page.waitForSelector('#graph svg .gnode');
    await host.send({ type: 'notes', notes });
    await host.page.waitForSelector('#graph .node-badge');
    const badges = await host.page.evaluate(() => ({
      nodes: [...document.querySelectorAll('#graph .gnode')].filter((g) => g.querySelector('.node-badge')).map((g) => g.getAttribute('data-program')),
      nodeCount: document.querySelector('#graph .gnode[data-program="cil_from_container"] .node-badge')?.getAttribute('data-notes'),
      nodeFill: document.querySelector('#graph .gnode[data-program="cil_from_container"] .node-badge')?.getAttribute('fill'),
      edges: [...document.querySelectorAll('#graph .edge-badge')].map((b) => `${b.getAttribute('data-from')}>${b.getAttribute('data-to')}`),
    }));
    assert.deepEqual(badges.nodes, ['cil_from_container'], 'only the noted program has a badge');
    assert.equal(badges.nodeCount, '1', 'the note on the same name in another file is not counted');
    assert.equal(badges.nodeFill, '#f80');
    assert.equal(badges.edges.length, 1, `one noted edge: ${badges.edges.join(', ')}`);

    await host.page.click('#graph .gnode[data-program="cil_from_container"] .node-badge');
    await host.page.waitForSelector('.notes-pane .note');
    const pane = await host.page.evaluate(() => ({
      heading: document.querySelector('.notes-heading')?.textContent,
      body: document.querySelector('.notes-pane .note-body')?.textContent,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      links: document.querySelectorAll('a').length,
    }));
    assert.equal(pane.heading, 'Notes on cil_from_container (bpf_lxc.c)');
    assert.equal(pane.body, `entry ${IMG} ${SCRIPT} ${LINK}`, 'note text shown literally');
    assert.deepEqual([pane.pwned, pane.images, pane.scripts, pane.links], [undefined, 0, 1, 0], 'nothing from the note ran or became an element');

    // Add a note from the pane: the webview posts a valid setNote for this program.
    await host.page.fill('.notes-pane .note-text', 'policy verdict is decided here');
    await host.page.fill('.notes-pane .note-tag', 'policy');
    await host.page.click('.notes-pane .note-save');
    const setNote = host.posted.find((m) => m.type === 'setNote');
    assert.deepEqual(setNote, { type: 'setNote', target: { kind: 'node', function: 'cil_from_container', file: 'bpf_lxc.c' }, text: 'policy verdict is decided here', tag: 'policy' });
    assert.ok(isWebviewMessage(setNote), 'the host accepts it');

    // Edit and delete an existing note.
    await host.page.click('.notes-pane .note[data-note-id="n1"] .note-edit');
    assert.equal(await host.page.inputValue('.notes-pane .note-text'), `entry ${IMG} ${SCRIPT} ${LINK}`);
    await host.page.fill('.notes-pane .note-text', 'edited');
    await host.page.click('.notes-pane .note-save');
    await host.page.click('.notes-pane .note[data-note-id="n1"] .note-delete');
    const posted = host.posted.filter((m) => m.type === 'setNote' || m.type === 'deleteNote').slice(1);
    assert.deepEqual(posted, [
      { type: 'setNote', target: { kind: 'node', function: 'cil_from_container', file: 'bpf_lxc.c' }, text: 'edited', tag: 'pod', id: 'n1' },
      { type: 'deleteNote', id: 'n1' },
    ]);

    // A malformed notes message is refused (reported, not applied): the badges stay as they were.
    await host.send({ type: 'notes', notes: [{ id: 'bad', target: { kind: 'node', function: 'cil_from_container' }, text: 'no file' }] });
    await host.page.waitForTimeout(200);
    assert.equal(await host.page.locator('#graph .gnode[data-program="cil_from_container"] .node-badge').getAttribute('data-notes'), '1');
    assert.deepEqual(host.errors, []);
    assert.deepEqual(await host.cspViolations(), []);
    await host.screenshot('notes');
  } finally {
    await host.close();
  }
});

test('notes messages are validated on both sides', () => {
  assert.equal(isHostMessage({ type: 'notes', notes }), true);
  assert.equal(isHostMessage({ type: 'notes', notes: [{ ...notes[0], color: 'red;background:url(x)' }] }), false);
  assert.equal(isHostMessage({ type: 'notes', notes: [{ ...notes[0], target: { kind: 'edge', caller: 'a' } }] }), false);
  assert.equal(isWebviewMessage({ type: 'setNote', target: notes[0].target, text: '   ' }), false, 'empty text');
  assert.equal(isWebviewMessage({ type: 'setNote', target: { kind: 'program', name: 'x' }, text: 'x' }), false);
  assert.equal(isWebviewMessage({ type: 'deleteNote', id: '' }), false);
  assert.equal(isWebviewMessage({ type: 'deleteNote', id: 'n1' }), true);
});
