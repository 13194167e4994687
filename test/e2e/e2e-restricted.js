// End-to-end test of Restricted Mode (Workspace Trust, docs/reliability.md "Untrusted workspaces"): a second,
// short code-server session started by test/e2e/run.sh with Workspace Trust on and the folder never trusted.
//   node e2e-restricted.js <baseUrl> <workspaceFolder>
// The workspace is a fresh copy of sample/ (it holds bpf/). Before the page loads, this script adds:
//   decoy/bpf/                 a copy of bpf/ plus one program, decoy_only_entry, found in no other tree;
//   decoy/notes.json           a notes file whose note on the entry program says DECOY_NOTE;
//   .vscode/settings.json      the workspace's restricted settings: dpnav.bpfRoot → decoy/bpf,
//                              dpnav.notesFile → decoy/notes.json, dpnav.modes → one decoy mode;
//   .vscode/datapath-notes.json the default notes file, with WORKSPACE_NOTE on the same program.
// In Restricted Mode none of the three settings may count: the server must serve bpf/ (found on its own) and
// the default notes file, and offer only the user's modes (test/e2e/settings.json). Trusting the folder then
// makes all three count, which shows the decoys would have been seen had they been used.
'use strict';
const fs = require('fs');
const path = require('path');
const { definitionOf, tailCallSite } = require('./c-source');
const {
  launchBrowser, stepper, waitFor, runCommand, notificationTexts, activeEditorPath, openFile, goToLine,
  definitionThroughSlot, hoverOnFunction,
} = require('./workbench');

const BASE = process.argv[2];
const FOLDER = process.argv[3];
if (!BASE || !FOLDER) {
  console.error('usage: node e2e-restricted.js <baseUrl> <workspaceFolder>');
  process.exit(2);
}
const BPF = path.join(FOLDER, 'bpf');
const DECOY_BPF = path.join(FOLDER, 'decoy', 'bpf');
const ENTRY = 'cil_from_container';
const DECOY_FN = 'decoy_only_entry';
const DECOY_NOTE = 'DECOY note from the notesFile the workspace names';
const WORKSPACE_NOTE = 'workspace note from the default notes file';
const USER_MODE = 'e2e-own-host-routing';      // test/e2e/settings.json (user settings): honoured in any workspace
const DECOY_MODE = 'e2e-decoy-workspace-mode'; // .vscode/settings.json: ignored until the folder is trusted
const { step, results } = stepper();

function notesFile(text) {
  const stamp = '2026-01-01T00:00:00.000Z';
  return JSON.stringify({
    version: 1,
    notes: [{ id: 'e2e-restricted', target: { kind: 'node', function: ENTRY, file: 'bpf_lxc.c' }, text, created: stamp, updated: stamp }],
  }, null, 2) + '\n';
}

function writeWorkspace() {
  fs.cpSync(BPF, DECOY_BPF, { recursive: true });
  fs.appendFileSync(path.join(DECOY_BPF, 'bpf_lxc.c'), [
    '',
    '/* e2e decoy: a program only the tree named by the workspace\'s dpnav.bpfRoot has. */',
    '__section_entry',
    `int ${DECOY_FN}(struct __ctx_buff *ctx)`,
    '{',
    '\treturn CTX_ACT_OK;',
    '}',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(FOLDER, 'decoy', 'notes.json'), notesFile(DECOY_NOTE));
  fs.mkdirSync(path.join(FOLDER, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(FOLDER, '.vscode', 'datapath-notes.json'), notesFile(WORKSPACE_NOTE));
  fs.writeFileSync(path.join(FOLDER, '.vscode', 'settings.json'), JSON.stringify({
    'dpnav.bpfRoot': 'decoy/bpf',
    'dpnav.notesFile': 'decoy/notes.json',
    'dpnav.modes': [{ name: DECOY_MODE, defines: { ENABLE_IPV4: 1 } }],
  }, null, 2) + '\n');
}

/** The folders and file of the active editor, from its breadcrumbs ("decoy/bpf/bpf_lxc.c"). */
/** Workspace symbol search (Ctrl+T) for `name`: whether a row names it once the server has answered. */
async function workspaceSymbolFound(page, name) {
  await page.keyboard.press('Control+T');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(`#${name}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name });
  // Answered: a row for the name, or VS Code's "No matching workspace symbols", shown once the providers have
  // answered, on two polls in a row.
  let empty = 0;
  const answer = await waitFor(`no answer to the workspace symbol search for ${name}`, async () => {
    if (await row.count()) return { ok: true, value: true };
    empty = (await page.locator('.quick-input-list .monaco-list-row', { hasText: 'No matching workspace symbols' }).count()) ? empty + 1 : 0;
    return { ok: empty >= 2, value: false, detail: 'neither a row nor "No matching workspace symbols"' };
  }, 15000);
  await page.keyboard.press('Escape');
  return answer.value;
}

/** The names the datapath-mode picker offers for `filter` (picker closed again). */
async function offeredModes(page, filter) {
  await runCommand(page, 'Datapath: Choose Datapath Mode');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(filter);
  await page.waitForTimeout(500);
  const rows = await page.locator('.quick-input-list .monaco-list-row').allTextContents();
  await page.keyboard.press('Escape');
  return rows.map((r) => r.trim());
}

/** The text of the code lens over `fn` that carries a note (📝), once shown. */
async function noteLens(page) {
  const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: '📝' }).first();
  await lens.waitFor({ timeout: 60000 });
  return (await lens.textContent()) || '';
}

(async () => {
  writeWorkspace();
  const browser = await launchBrowser();
  const page = browser.page;
  const statusItem = page.locator('.statusbar-item', { hasText: /programs ·|Datapath/ }).first();
  const trustItem = page.locator('[id="status.workspaceTrust"]');
  let programs;
  try {
    await step(page, 'the folder opens in Restricted Mode, without a dialog', 'r1-restricted', async () => {
      await page.goto(`${BASE}/?folder=${encodeURIComponent(FOLDER)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'bpf' }).first().waitFor({ timeout: 90000 });
      await trustItem.filter({ hasText: 'Restricted Mode' }).waitFor({ timeout: 30000 });
      const dialogs = await page.locator('.monaco-dialog-box').count();
      if (dialogs) throw new Error(`a dialog is open: "${(await page.locator('.monaco-dialog-box').first().textContent()).slice(0, 200)}"`);
      return `status bar "${(await trustItem.textContent()).trim()}"`;
    });

    await step(page, 'the extension activates and indexes bpf/, not the tree the workspace\'s dpnav.bpfRoot names', 'r2-indexed', async () => {
      const found = await waitFor('status bar never showed the program count', async () => {
        const text = (await statusItem.textContent({ timeout: 1000 }).catch(() => '')) || '';
        if (/^\s*Datapath · /.test(text) || /no bpf\/ tree/.test(text)) throw new Error(`the server reports a problem: status bar "${text.trim()}"`);
        const m = /(\d+) programs ·/.exec(text);
        return { ok: !!m && m[1] !== '0', detail: `status bar: "${text.trim()}"`, value: m && Number(m[1]) };
      }, 120000);
      programs = found.value;
      // Positive first: the search answers for a function of bpf/. Then the decoy tree's own function.
      if (!(await workspaceSymbolFound(page, ENTRY))) throw new Error(`workspace symbol search does not find ${ENTRY}`);
      if (await workspaceSymbolFound(page, DECOY_FN)) throw new Error(`${DECOY_FN} (only in decoy/bpf) is found: the workspace's dpnav.bpfRoot was used`);
      return `${programs} programs; ${ENTRY} found, ${DECOY_FN} not`;
    });

    await step(page, 'navigation works on bpf/: go to definition through a tail-call slot; hover shows the program and the default notes file\'s note, never the decoy note', 'r3-navigation', async () => {
      const site = tailCallSite(BPF, path.join(BPF, 'bpf_lxc.c'));
      if (!site) throw new Error('no tail call in bpf_lxc.c with a CILIUM_CALL_* slot that has a program declared for it');
      const definition = await definitionThroughSlot(page, site, () => openFile(page, 'bpf/bpf_lxc.c'));
      if (!(await activeEditorPath(page)).startsWith('bpf/')) throw new Error(`definition landed in ${await activeEditorPath(page)}`);
      await openFile(page, 'bpf/bpf_lxc.c');
      const entry = definitionOf(BPF, ENTRY);
      await goToLine(page, entry.nameLine);   // the lens over the entry program is drawn once in view
      const lensText = await noteLens(page);
      if (!lensText.includes(WORKSPACE_NOTE) || lensText.includes('DECOY')) throw new Error(`note lens "${lensText}"`);
      const hover = await hoverOnFunction(page, ENTRY, 'Notes');
      const hoverText = (await hover.textContent()) || '';
      await page.mouse.move(5, 5);
      // The hover names the program's kind and attach point (as the Datapath view groups it: lxc* · tc-ingress).
      for (const part of ['entry', 'lxc*', WORKSPACE_NOTE]) {
        if (!hoverText.includes(part)) throw new Error(`hover lacks "${part}": "${hoverText.slice(0, 300)}"`);
      }
      if (hoverText.includes('DECOY')) throw new Error(`hover shows the decoy note: "${hoverText.slice(0, 300)}"`);
      return `${definition}; lens "${lensText.trim().slice(0, 50)}…"`;
    });

    await step(page, 'Choose Datapath Mode offers the user\'s mode, not the workspace\'s; no notification beyond Restricted Mode\'s own', 'r4-modes', async () => {
      const rows = await offeredModes(page, 'e2e-');
      if (!rows.some((r) => r.includes(USER_MODE))) throw new Error(`the user's mode ${USER_MODE} is not offered: ${JSON.stringify(rows)}`);
      if (rows.some((r) => r.includes(DECOY_MODE))) throw new Error(`the workspace's mode ${DECOY_MODE} is offered: ${JSON.stringify(rows)}`);
      const view = page.locator('.activitybar .action-item a[aria-label^="Datapath"], .activitybar .action-item[aria-label^="Datapath"]').first();
      await view.click();
      const tree = page.locator('.sidebar .monaco-list-row');
      await tree.filter({ hasText: ENTRY }).first().waitFor({ timeout: 30000 });
      if (await tree.filter({ hasText: DECOY_FN }).count()) throw new Error(`the Datapath view lists ${DECOY_FN}`);
      const texts = await notificationTexts(page);
      const others = texts.filter((t) => !/restricted mode|trust/i.test(t));
      if (others.length) throw new Error(`notifications: ${JSON.stringify(texts)}`);
      return `offered ${rows.length} mode(s) for "e2e-", ${USER_MODE} among them; Datapath view without ${DECOY_FN}; notifications ${JSON.stringify(texts)}`;
    });

    await step(page, 'trusting the folder (Manage Workspace Trust) makes the workspace\'s dpnav.bpfRoot, notesFile and modes count', 'r5-trusted', async () => {
      await runCommand(page, 'Workspaces: Manage Workspace Trust');
      await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click({ timeout: 15000 });
      await trustItem.waitFor({ state: 'hidden', timeout: 15000 });
      // The trust editor opens as a modal editor over the workbench: close it.
      await page.locator('.modal-editor-part [aria-label^="Close Modal Editor"]').first().click({ timeout: 10000 });
      await page.locator('.modal-editor-part').waitFor({ state: 'hidden', timeout: 10000 });
      // The server hears the settings again and indexes decoy/bpf: its extra program is counted and found.
      const count = await waitFor('status bar never counted the decoy tree', async () => {
        const text = (await statusItem.textContent({ timeout: 1000 }).catch(() => '')) || '';
        const m = /(\d+) programs ·/.exec(text);
        return { ok: !!m && Number(m[1]) === programs + 1, detail: `status bar: "${text.trim()}", ${programs} before`, value: m && Number(m[1]) };
      }, 60000);
      if (!(await workspaceSymbolFound(page, DECOY_FN))) throw new Error(`${DECOY_FN} not found once trusted`);
      await openFile(page, 'decoy/bpf/bpf_lxc.c');
      await goToLine(page, definitionOf(DECOY_BPF, ENTRY).nameLine);
      const lensText = await noteLens(page);
      if (!lensText.includes(DECOY_NOTE)) throw new Error(`note lens in decoy/bpf "${lensText}"`);
      const rows = await offeredModes(page, 'e2e-');
      if (!rows.some((r) => r.includes(DECOY_MODE))) throw new Error(`the workspace's mode is not offered once trusted: ${JSON.stringify(rows)}`);
      return `${count.value} programs (${DECOY_FN} found), lens "${lensText.trim().slice(0, 50)}…", ${DECOY_MODE} offered`;
    });
  } finally {
    await browser.close();
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((err) => {
  console.error('e2e-restricted crashed:', err);
  console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
});
