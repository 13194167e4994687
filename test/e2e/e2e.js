// End-to-end test of the installed extension in a real VS Code workbench (code-server), driven by
// playwright-core with Debian's chromium. Started by test/e2e/run.sh: node e2e.js <baseUrl> <workspaceFolder>
// The workspace is a copy of sample/ (it holds bpf/). Expected lines are computed from those C files here,
// never from the extension's own output. Screenshots go to $E2E_OUT/e2e-*.png.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');
const { definitionOf, tailCallSite } = require('./c-source');

const BASE = process.argv[2];
const FOLDER = process.argv[3];
const OUT = process.env.E2E_OUT || process.cwd();
const BPF = path.join(FOLDER || '', 'bpf');
const ENTRY = 'cil_from_container';
const t0 = Date.now();
const log = (msg) => console.log(`[t+${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const results = [];

if (!BASE || !FOLDER) {
  console.error('usage: node e2e.js <baseUrl> <workspaceFolder>');
  process.exit(2);
}

// F1, type the command title, Enter. Retried: a remote extension's commands reach the palette a while after
// the workbench is up, and an open palette does not refresh its list.
async function runCommand(page, label, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await input.fill('>' + label);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 2000 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`command "${label}" never showed up in the palette`);
      await page.waitForTimeout(1000);
    }
  }
}

async function openFile(page, relPath) {
  const name = path.basename(relPath);
  // Into the first editor group: with focus in the simulator panel, Quick Open would open the file there.
  await runCommand(page, 'View: Focus First Editor Group');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(relPath);
  try {
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: name }).first().waitFor({ timeout: 30000 });
  } catch (err) {
    await page.screenshot({ path: path.join(OUT, `e2e-debug-open-${name}.png`) }).catch(() => undefined);
    throw err;
  }
}

/** Moves the cursor to the start of a 1-based line with Go to Line and waits for the status bar to agree. */
async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('[id="status.editor.selection"]', { hasText: `Ln ${line},` }).waitFor({ timeout: 15000 });
}

/** Puts the cursor at the start of `word` on the 1-based `line` (Find from the line start, then collapse). */
async function cursorOnWord(page, line, word) {
  await goToLine(page, line);
  await page.keyboard.press('Home');
  await page.keyboard.press('Home');
  await page.keyboard.press('Control+F');
  const find = page.locator('.find-widget textarea, .find-widget input').first();
  await find.waitFor({ state: 'visible', timeout: 10000 });
  await find.fill(word);   // incremental search selects the first match after the cursor
  await page.waitForTimeout(300);
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowLeft');
  await page.locator('[id="status.editor.selection"]', { hasText: `Ln ${line},` }).waitFor({ timeout: 10000 });
}

/** The cursor's 1-based line, from the status bar ("Ln 12, Col 3" or "Ln 12, Col 3 (8 selected)"). */
async function cursorLine(page) {
  const text = await page.locator('[id="status.editor.selection"]').textContent({ timeout: 5000 });
  const m = /Ln (\d+)/.exec(text || '');
  return m ? Number(m[1]) : undefined;
}

async function waitFor(what, predicate, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await predicate();
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: ${last ? last.detail : 'timed out'}`);
}

async function step(page, name, shot, body) {
  log(`▶ ${name}`);
  try {
    const detail = await body();
    results.push({ name, ok: true });
    log(`✔ ${name}${detail ? ` — ${detail}` : ''}`);
  } catch (err) {
    results.push({ name, ok: false });
    log(`✖ ${name} — ${err.message.split('\n')[0]}`);
  }
  await page.screenshot({ path: path.join(OUT, `e2e-${shot}.png`) }).catch(() => undefined);
}

(async () => {
  const profile = fs.mkdtempSync('/tmp/dpnav-e2e-chromium-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const statusItem = page.locator('.statusbar-item', { hasText: /programs ·|Datapath/ }).first();
  let revealed;
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
      const currentIndex = Number(await webview.locator('li.step.current').getAttribute('data-index'));
      const rows = webview.locator('li.step:not(.kernel)');
      const count = await rows.count();
      let target;
      for (let i = 0; i < count && !target; i++) {
        const row = rows.nth(i);
        const index = Number(await row.getAttribute('data-index'));
        if (index <= currentIndex) continue;
        const fn = ((await row.locator('.step-anchor').textContent()) || '').split(' › ')[0].trim();
        const def = fn && fn !== ENTRY ? definitionOf(BPF, fn) : undefined;
        if (def) target = { row, index, fn, def };
      }
      if (!target) throw new Error('no later step models a function defined in the sample tree');
      await target.row.scrollIntoViewIfNeeded();
      await target.row.click();
      await target.row.locator('.step-location.found').waitFor({ timeout: 30000 });
      const name = path.basename(target.def.file);
      await page.locator('.tab.active', { hasText: name }).first().waitFor({ timeout: 15000 });
      const line = await waitFor('editor selection did not move into the function', async () => {
        const l = await cursorLine(page);
        return { ok: l !== undefined && l >= target.def.nameLine && l <= target.def.endLine, detail: `cursor on line ${l}, ${target.fn} spans ${target.def.nameLine}-${target.def.endLine}`, value: l };
      }, 15000);
      revealed = target.fn;
      return `step ${target.index + 1} (${target.fn}) → ${name}:${line.value} within ${target.def.nameLine}-${target.def.endLine}`;
    });

    await step(page, 'go to definition on a tail-call slot constant lands on the target program', '5-definition', async () => {
      const site = tailCallSite(BPF, path.join(BPF, 'bpf_lxc.c'));
      if (!site) throw new Error('no tail call in bpf_lxc.c with a CILIUM_CALL_* slot that has a program declared for it');
      const target = site.target;
      await openFile(page, 'bpf/bpf_lxc.c');
      await cursorOnWord(page, site.line, site.slot);
      await page.keyboard.press('F12');
      const name = path.basename(target.file);
      const line = await waitFor('definition did not land on the program', async () => {
        const tab = ((await page.locator('.tab.active').first().textContent().catch(() => '')) || '');
        const l = await cursorLine(page);
        return { ok: tab.includes(name) && l !== undefined && l >= target.declLine && l <= target.nameLine, detail: `${tab.trim()}:${l}, expected ${name}:${target.declLine}-${target.nameLine}`, value: l };
      }, 30000);
      return `${site.slot} at bpf_lxc.c:${site.line} → ${target.program} (${name}:${line.value})`;
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
  } finally {
    await ctx.close().catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
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
