// End-to-end test of the installed extension in a real VS Code workbench (code-server), driven by
// playwright-core with Debian's chromium. Started by test/e2e/run.sh: node e2e.js <baseUrl> <workspaceFolder>
// The workspace is a copy of sample/ (it holds bpf/). Expected lines are computed from those C files here,
// never from the extension's own output. Screenshots go to $E2E_OUT/e2e-*.png.
'use strict';
const fs = require('fs');
const path = require('path');
const { definitionOf, tailCallSite } = require('./c-source');
const {
  OUT, launchBrowser, stepper, waitFor, runCommand, notificationTexts, openFile, goToLine, cursorLine,
  definitionThroughSlot, hoverOnFunction,
} = require('./workbench');

const BASE = process.argv[2];
const FOLDER = process.argv[3];
const BPF = path.join(FOLDER || '', 'bpf');
const ENTRY = 'cil_from_container';
const { step, log, results } = stepper();

if (!BASE || !FOLDER) {
  console.error('usage: node e2e.js <baseUrl> <workspaceFolder>');
  process.exit(2);
}

// Hostile workspace content: a notes file (docs/notes.md) whose note text and tag try markup, a script and a
// command link. Each payload would set window.__pwned (or quit the workbench) if anything rendered it as
// markup; the steps below assert it shows as text and that the marker never appears.
const HOSTILE_IMG = '<img src=x onerror="window.__pwned=1">';
const HOSTILE_LINK = '[x](command:workbench.action.quit)';
const HOSTILE_SCRIPT = '<script>window.__pwned=2</script>';
const HOSTILE_TAG = '<svg onload=window.__pwned=3>';
const HOSTILE_NOTE = `${HOSTILE_IMG} ${HOSTILE_LINK} ${HOSTILE_SCRIPT}`;
function writeHostileNotes() {
  const stamp = '2026-01-01T00:00:00.000Z';
  fs.mkdirSync(path.join(FOLDER, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(FOLDER, '.vscode', 'datapath-notes.json'), JSON.stringify({
    version: 1,
    notes: [{ id: 'e2e-hostile', target: { kind: 'node', function: ENTRY, file: 'bpf_lxc.c' }, text: HOSTILE_NOTE, tag: HOSTILE_TAG, created: stamp, updated: stamp }],
  }, null, 2) + '\n');
}

/** Pids of this run's language servers: node processes running dist/server.js of the extension installed in
 *  this run's extensions folder (next to the workspace copy, see run.sh). */
function serverPids() {
  const installed = path.join(path.dirname(FOLDER), 'extensions') + path.sep;
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args;
    try { args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (args.some((a) => a.startsWith(installed) && a.endsWith(path.join('dist', 'server.js')))) pids.push(Number(entry));
  }
  return pids;
}

/** 1-based numbers of the lines drawn greyed (every text span at opacity < 0.9: the "compiled out in this
 *  mode" decoration) in the first editor group's editor, as far as it is rendered. */
async function greyedLines(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container .monaco-editor');
    if (!editor) return [];
    const numbers = new Map();
    for (const row of editor.querySelectorAll('.margin-view-overlays > div')) {
      const n = row.querySelector('.line-numbers');
      if (n) numbers.set(row.style.top, Number(n.textContent));
    }
    const out = [];
    for (const line of editor.querySelectorAll('.view-lines .view-line')) {
      const spans = [...line.querySelectorAll('span span')].filter((x) => x.textContent.trim());
      if (spans.length && spans.every((x) => Number(getComputedStyle(x).opacity) < 0.9)) out.push(numbers.get(line.style.top));
    }
    return out.filter((n) => n !== undefined).sort((a, b) => a - b);
  });
}

/** Opens bpf/bpf_lxc.c and shows the first of its #if blocks the active mode compiles out (the lines the C
 *  source has under #if, tried in order); returns that directive's line and the greyed lines in view. */
async function showCompiledOut(page) {
  await openFile(page, 'bpf/bpf_lxc.c');
  const lines = fs.readFileSync(path.join(BPF, 'bpf_lxc.c'), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*#\s*if/.test(lines[i])) continue;
    await goToLine(page, i + 1);
    const grey = await waitFor('', async () => { const g = await greyedLines(page); return { ok: g.length > 0, value: g }; }, 1500).catch(() => undefined);
    if (grey) return { directive: i + 1, greyed: grey.value };
  }
  throw new Error('no #if block of bpf_lxc.c is greyed in the active mode');
}

/** window.__pwned in the workbench page and in both frames of the simulator webview. */
async function pwnedMarkers(page, webview) {
  const read = (el) => el.evaluate(() => (window).__pwned).catch(() => 'unreadable');
  return {
    workbench: await page.evaluate(() => window.__pwned),
    webviewHost: await read(page.frameLocator('iframe.webview.ready').locator('body')),
    webview: await read(webview.locator('body')),
  };
}

/**
 * Clicks the first step after the current one whose function (not one of `skip`) is defined in the sample
 * tree, and waits for the step to say "found" and the editor to select a line inside that function.
 */
async function revealLaterStep(page, webview, skip) {
  const currentIndex = Number(await webview.locator('li.step.current').getAttribute('data-index'));
  const rows = webview.locator('li.step:not(.kernel)');
  const count = await rows.count();
  let target;
  for (let i = 0; i < count && !target; i++) {
    const row = rows.nth(i);
    const index = Number(await row.getAttribute('data-index'));
    if (index <= currentIndex) continue;
    const fn = ((await row.locator('.step-anchor').textContent()) || '').split(' › ')[0].trim();
    const def = fn && !skip.includes(fn) ? definitionOf(BPF, fn) : undefined;
    if (def) target = { row, index, fn, def };
  }
  if (!target) throw new Error(`no step after ${currentIndex + 1} models a function defined in the sample tree (other than ${skip.join(', ')})`);
  await target.row.scrollIntoViewIfNeeded();
  await target.row.click();
  await target.row.locator('.step-location.found').waitFor({ timeout: 30000 });
  const name = path.basename(target.def.file);
  await page.locator('.tab.active', { hasText: name }).first().waitFor({ timeout: 15000 });
  const line = await waitFor('editor selection did not move into the function', async () => {
    const l = await cursorLine(page);
    return { ok: l !== undefined && l >= target.def.nameLine && l <= target.def.endLine, detail: `cursor on line ${l}, ${target.fn} spans ${target.def.nameLine}-${target.def.endLine}`, value: l };
  }, 15000);
  return { fn: target.fn, index: target.index, detail: `step ${target.index + 1} (${target.fn}) → ${name}:${line.value} within ${target.def.nameLine}-${target.def.endLine}` };
}

(async () => {
  const browser = await launchBrowser();
  const page = browser.page;
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const statusItem = page.locator('.statusbar-item', { hasText: /programs ·|Datapath/ }).first();
  let revealed;
  writeHostileNotes();
  try {
    await step(page, 'workbench opens the sample tree', '1-workbench', async () => {
      await page.goto(`${BASE}/?folder=${encodeURIComponent(FOLDER)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'bpf' }).first().waitFor({ timeout: 90000 });
    });

    await step(page, 'extension activates and the server indexes the tree (status bar)', '2-indexed', async () => {
      const found = await waitFor('status bar never showed the program count', async () => {
        const text = (await statusItem.textContent({ timeout: 1000 }).catch(() => '')) || '';
        if (/^\s*Datapath · /.test(text) || /no bpf\/ tree/.test(text)) throw new Error(`the server reports a problem: status bar "${text.trim()}"`);
        return { ok: /\d+ programs ·/.test(text) && !/\b0 programs/.test(text), detail: `status bar: "${text.trim()}"` };
      }, 120000);
      await runCommand(page, 'Datapath: Show Log');
      const activation = await waitFor('no activation time in the log', async () => {
        const text = (await page.locator('.part.panel').first().textContent({ timeout: 1000 }).catch(() => '')) || '';
        const m = /activated\sin\s([\d.]+)\sms(:[^\n]*?activate\sbody\s[\d.]+\sms)?/.exec(text);   // \s: the editor renders spaces as U+00A0
        return { ok: !!m, detail: m ? m[1] : 'log not visible', value: m && Number(m[1]), breakdown: m && (m[2] || '').replace(/\s+/g, ' ').trim() };
      }, 20000);
      console.log(`ACTIVATION_MS=${activation.value} ${activation.breakdown}`);
      await runCommand(page, 'View: Hide Panel', 10000).catch(() => undefined);
      return `${found.detail}; activated in ${activation.value} ms`;
    });

    await step(page, 'the Datapath view lists the entry program under its attach point; a click opens it', '2b-datapath-view', async () => {
      await page.locator('.activitybar .action-item a[aria-label^="Datapath"], .activitybar .action-item[aria-label^="Datapath"]').first().click();
      const rows = page.locator('.sidebar .monaco-list-row');
      await rows.filter({ hasText: 'lxc* · tc-ingress' }).first().waitFor({ timeout: 30000 });
      const entryRow = rows.filter({ hasText: ENTRY }).first();
      await entryRow.waitFor({ timeout: 10000 });
      const entry = definitionOf(BPF, ENTRY);
      const site = tailCallSite(BPF, path.join(BPF, 'bpf_lxc.c'));
      if (!site) throw new Error('no tail call with a declared CILIUM_CALL_* slot in bpf_lxc.c');
      // Expanding the entry program lists the program it tail-calls, with the slot.
      await entryRow.locator('.monaco-tl-twistie').click();
      await rows.filter({ hasText: site.target.program }).filter({ hasText: site.slot }).first().waitFor({ timeout: 10000 });
      await page.screenshot({ path: path.join(OUT, 'e2e-2b-datapath-tree.png') });
      await entryRow.click();
      await page.locator('.tab.active', { hasText: path.basename(entry.file) }).first().waitFor({ timeout: 15000 });
      await waitFor('the editor did not go to the program', async () => {
        const l = await cursorLine(page);
        return { ok: l === entry.nameLine, detail: `cursor on line ${l}, ${ENTRY} is on line ${entry.nameLine}` };
      }, 10000);
      await page.locator('.activitybar .action-item a[aria-label^="Explorer"], .activitybar .action-item[aria-label^="Explorer"]').first().click().catch(() => undefined);
      return `${ENTRY} at line ${entry.nameLine}, tail-calls ${site.target.program} via ${site.slot}`;
    });

    await step(page, `Simulate From This Function in ${ENTRY} opens the simulator at its step`, '3-simulate', async () => {
      const entry = definitionOf(BPF, ENTRY);
      if (!entry || path.basename(entry.file) !== 'bpf_lxc.c') throw new Error(`${ENTRY} is not defined in bpf/bpf_lxc.c of the sample`);
      await openFile(page, 'bpf/bpf_lxc.c');
      await goToLine(page, entry.bodyLine + 1);
      await runCommand(page, 'Datapath: Simulate From This Function');
      // Several scenarios pass through the entry program: a QuickPick asks which; take the first offered.
      const picker = page.locator('.quick-input-widget', { hasText: `Scenarios through ${ENTRY}` });
      if (await picker.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) {
        await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 5000 });
        await page.keyboard.press('Enter');
      }
      const current = webview.locator('li.step.current');
      await current.waitFor({ timeout: 60000 });
      const anchor = (await current.locator('.step-anchor').textContent()) || '';
      const hop = await webview.locator('li.hop-header').first().textContent();
      if (!anchor.split(' › ')[0].includes(ENTRY)) throw new Error(`current step is in "${anchor}", not ${ENTRY}`);
      return `current step ${await current.getAttribute('data-index')}: ${anchor}; first hop ${hop}`;
    });

    await step(page, 'clicking a later step selects that function\'s line in the editor', '4-reveal', async () => {
      const r = await revealLaterStep(page, webview, [ENTRY]);
      revealed = r.fn;
      return r.detail;
    });

    await step(page, 'the language server is killed: it is restarted, the user is told once, the panel keeps its trace and step, a click on a step reveals the source again', '4b-restart', async () => {
      await runCommand(page, 'Notifications: Clear All Notifications', 10000);
      const shown = async () => ({
        step: await webview.locator('li.step.current').getAttribute('data-index', { timeout: 10000 }),
        position: ((await webview.locator('#step-position').textContent({ timeout: 5000 })) || '').trim(),
        steps: await webview.locator('li.step').count(),
        anchors: (await webview.locator('li.step .step-anchor').allTextContents()).join('|'),
      });
      const before = await shown();
      // The editor greys what the mode compiles out; the restarted server must be told the mode again.
      const compiledOut = await showCompiledOut(page);
      const old = serverPids();
      if (old.length !== 1) throw new Error(`expected one language server process of this run, found ${old.length}`);
      process.kill(old[0], 'SIGKILL');
      const restarted = await waitFor('no new language server process', async () => {
        const now = serverPids().filter((p) => !old.includes(p));
        return { ok: now.length === 1, detail: `server processes: ${serverPids().join(', ') || 'none'}`, value: now[0] };
      }, 60000);
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'stopped unexpectedly and was restarted' }).first().waitFor({ timeout: 30000 });
      // The new server re-indexes; the status bar must come back to a program count.
      await waitFor('status bar never showed the program count after the restart', async () => {
        const text = (await statusItem.textContent({ timeout: 1000 }).catch(() => '')) || '';
        return { ok: /[1-9]\d* programs ·/.test(text), detail: `status bar: "${text.trim()}"` };
      }, 120000);
      const after = await shown();
      for (const key of Object.keys(before)) {
        if (before[key] !== after[key]) throw new Error(`the panel changed across the restart: ${key} was ${JSON.stringify(before[key]).slice(0, 120)}, is ${JSON.stringify(after[key]).slice(0, 120)}`);
      }
      // The new server starts with no datapath mode (it would grey nothing): the client sends it again. An
      // editor shown anew has no decorations and asks the new server for its greyed regions.
      await openFile(page, 'bpf/bpf_host.c');
      await openFile(page, 'bpf/bpf_lxc.c');
      await goToLine(page, compiledOut.directive);
      await waitFor('after the restart the editor does not grey what the mode compiles out', async () => {
        const g = await greyedLines(page);
        return { ok: JSON.stringify(g) === JSON.stringify(compiledOut.greyed), detail: `greyed lines ${JSON.stringify(g)}, before the restart ${JSON.stringify(compiledOut.greyed)}` };
      }, 30000, 500);
      const mode = { value: ((await statusItem.textContent()) || '').split('·').pop().trim() };
      // Navigation from the panel goes through the new server (dpnav/locate).
      const r = await revealLaterStep(page, webview, [ENTRY, revealed]);
      const texts = await notificationTexts(page);
      const told = texts.filter((t) => /stopped unexpectedly and was restarted/.test(t));
      const others = texts.filter((t) => !told.includes(t));
      if (told.length !== 1 || others.length) throw new Error(`expected exactly one notification (the restart), got ${JSON.stringify(texts)}`);
      return `server ${old[0]} killed, ${restarted.value} took over in mode ${mode.value}; step ${Number(after.step) + 1} of ${after.steps} kept; one warning; ${r.detail}`;
    });

    await step(page, 'go to definition on a tail-call slot constant lands on the target program', '5-definition', async () => {
      const site = tailCallSite(BPF, path.join(BPF, 'bpf_lxc.c'));
      if (!site) throw new Error('no tail call in bpf_lxc.c with a CILIUM_CALL_* slot that has a program declared for it');
      return definitionThroughSlot(page, site);
    });

    await step(page, 'the simulator panel comes back after a window reload, at the same step', '6-reload', async () => {
      const before = await webview.locator('li.step.current').getAttribute('data-index', { timeout: 10000 });
      const scenario = await webview.locator('#step-position').textContent({ timeout: 5000 });
      // Developer: Reload Window shuts the workbench down in order, so VS Code saves the webview's state first;
      // a raw browser reload may cut that save short, and the panel would come back as new.
      await Promise.all([
        page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 90000 }),
        runCommand(page, 'Developer: Reload Window'),
      ]);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      const current = webview.locator('li.step.current');
      await current.waitFor({ timeout: 150000 }); // a reloaded workbench restores webviews last; slow under load
      const after = await current.getAttribute('data-index');
      if (after !== before) throw new Error(`current step ${after} after the reload, ${before} before`);
      return `step ${Number(after) + 1} restored (${(scenario || '').trim()})`;
    });

    await step(page, 'Choose Datapath Mode switches the status bar and the simulator to native routing', '7-mode', async () => {
      await runCommand(page, 'Datapath: Choose Datapath Mode');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill('native');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'native routing (no tunnel)' }).first().click();
      await page.locator('.statusbar-item', { hasText: /programs · native$/ }).first().waitFor({ timeout: 15000 });
      const mode = await waitFor('the simulator did not switch mode', async () => {
        const value = await webview.locator('#mode-select').evaluate((el) => el.value).catch(() => undefined);
        return { ok: value === 'native', detail: `mode select is ${value}`, value };
      }, 15000);
      return `status bar and panel in mode ${mode.value}`;
    });

    await step(page, 'a mode of your own (dpnav.modes) drives the editor; the simulator runs the closest built-in mode', '8-user-mode', async () => {
      await runCommand(page, 'Datapath: Choose Datapath Mode');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill('e2e-own');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'e2e-own-host-routing' }).first().click();
      await page.locator('.statusbar-item', { hasText: /programs · e2e-own-host-routing$/ }).first().waitFor({ timeout: 15000 });
      const mode = await waitFor('the simulator did not follow the user mode', async () => {
        const value = await webview.locator('#mode-select').evaluate((el) => el.value).catch(() => undefined);
        return { ok: value === 'native-host-routing', detail: `mode select is ${value}`, value };
      }, 15000);
      return `status bar e2e-own-host-routing, simulator ${mode.value}`;
    });

    await step(page, 'a hostile note shows as text in hover and code lens: no markup, no command link, nothing run', '9-hostile-notes', async () => {
      const entry = definitionOf(BPF, ENTRY);
      await openFile(page, 'bpf/bpf_lxc.c');
      // Code lens: the note's first line, as plain text, over the function.
      const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: '📝' }).first();
      await lens.waitFor({ timeout: 60000 });
      const lensText = (await lens.textContent()) || '';
      for (const part of [HOSTILE_TAG, HOSTILE_IMG, HOSTILE_LINK]) {
        if (!lensText.includes(part)) throw new Error(`code lens does not show ${part} as text: "${lensText}"`);
      }
      if (await lens.locator('img, svg, script, a[href*="command:"], [data-href*="command:"]').count()) throw new Error('the code lens holds elements made from the note');
      // Hover on the function name: a Notes section with the text escaped (no link, image or HTML).
      await goToLine(page, entry.nameLine);
      const hover = await hoverOnFunction(page, ENTRY, 'Notes');
      await page.screenshot({ path: path.join(OUT, 'e2e-9-hostile-hover.png') });
      const hoverText = (await hover.textContent()) || '';
      for (const part of [HOSTILE_IMG, HOSTILE_LINK, HOSTILE_SCRIPT]) {
        if (!hoverText.includes(part)) throw new Error(`hover does not show ${part} as text: "${hoverText.slice(0, 300)}"`);
      }
      const live = await hover.locator('img:not(.codicon), script, svg, a[href*="command:"], a[data-href*="command:"], a[href="x"], a[data-href="x"]').count();
      if (live) throw new Error(`the hover holds ${live} element(s) made from the note`);
      const links = await hover.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') || a.getAttribute('data-href') || '').filter((h) => /command:/i.test(h)));
      if (links.length) throw new Error(`command links in the hover: ${links.join(', ')}`);
      await page.mouse.move(5, 5);
      const markers = await pwnedMarkers(page, webview);
      if (markers.workbench !== undefined) throw new Error(`window.__pwned is ${markers.workbench} in the workbench`);
      return `lens "${lensText.trim().slice(0, 60)}…", hover shows the three payloads as text, no marker`;
    });

    await step(page, 'the simulator panel shows the hostile note and a hostile scenario as text and runs nothing', '10-hostile-webview', async () => {
      await runCommand(page, 'Datapath: Open Datapath Simulator');
      await webview.locator('li.step').first().waitFor({ timeout: 60000 });
      await webview.locator('vscode-tab-header[data-pane="graph"]').click();
      const badge = webview.locator('.node-badge.noted').first();
      await badge.waitFor({ timeout: 60000 });
      await badge.dispatchEvent('click');
      const body = webview.locator('.notes-list li.note .note-body').first();
      await body.waitFor({ timeout: 15000 });
      if ((await body.textContent()) !== HOSTILE_NOTE) throw new Error(`note body is "${await body.textContent()}", not the note's text`);
      const tag = (await webview.locator('.notes-list li.note .note-tag-label').first().textContent()) || '';
      if (tag !== HOSTILE_TAG) throw new Error(`note tag is "${tag}"`);
      if (await webview.locator('.notes-pane img, .notes-pane script, .notes-pane svg, .notes-pane a').count()) throw new Error('the notes pane holds elements made from the note');
      // A scenario whose title and packet source are markup: the error names the source, as text.
      await webview.locator('vscode-tab-header[data-pane="whatif"]').click();
      const editor = webview.locator('#whatif-text');
      const original = await editor.evaluate((el) => el.value);
      const scenario = JSON.parse(original);
      scenario.title = HOSTILE_IMG;
      scenario.packet.from = `${HOSTILE_IMG}${HOSTILE_SCRIPT}`;
      await editor.evaluate((el, text) => { el.value = text; el.dispatchEvent(new Event('input')); }, JSON.stringify(scenario, null, 2));
      await webview.locator('#whatif-apply').click();
      const error = webview.locator('#whatif-error:not([hidden])');
      await error.waitFor({ timeout: 15000 });
      const errorText = (await error.textContent()) || '';
      const bannerText = (await webview.locator('#banner').textContent()) || '';
      for (const [where, text] of [['error box', errorText], ['banner', bannerText]]) {
        if (!text.includes(`${HOSTILE_IMG}${HOSTILE_SCRIPT}`)) throw new Error(`the ${where} does not quote the packet source as text: "${text.slice(0, 300)}"`);
      }
      if (await webview.locator('#whatif-error img, #whatif-error script, #banner img, #banner script, .notes-pane img').count()) throw new Error('markup from the scenario became elements');
      await webview.locator('#whatif-revert').click();
      await webview.locator('#whatif-apply').click();
      await webview.locator('#whatif-error[hidden]').waitFor({ state: 'attached', timeout: 15000 });
      await page.waitForTimeout(1000); // an onerror fires once the broken image fails to load
      const markers = await pwnedMarkers(page, webview);
      if (Object.values(markers).some((v) => v !== undefined)) throw new Error(`window.__pwned set: ${JSON.stringify(markers)}`);
      if (!(await page.locator('.monaco-workbench').isVisible())) throw new Error('the workbench is gone');
      return 'note and tag as text in the notes pane; scenario error quotes the markup as text; no marker in any frame';
    });
  } finally {
    await browser.close();
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (revealed) log(`revealed function: ${revealed}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((err) => {
  console.error('e2e crashed:', err);
  console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
});
