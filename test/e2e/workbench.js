// Shared by the end-to-end scripts (e2e.js, e2e-restricted.js): the browser, the steps' bookkeeping, and the
// few ways they drive the VS Code workbench (command palette, Quick Open, Go to Line, Find, the status bar,
// the notification center). Screenshots go to $E2E_OUT.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

const OUT = process.env.E2E_OUT || process.cwd();

/** Debian's chromium, headless, in a throw-away profile; close() also removes the profile. */
async function launchBrowser() {
  const profile = fs.mkdtempSync('/tmp/dpnav-e2e-chromium-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  return {
    ctx, page,
    close: async () => { await ctx.close().catch(() => undefined); fs.rmSync(profile, { recursive: true, force: true }); },
  };
}

/** Named steps: each logs ✔/✖ with its detail, never throws, and leaves a screenshot e2e-<shot>.png. */
function stepper() {
  const t0 = Date.now();
  const results = [];
  const log = (msg) => console.log(`[t+${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
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
  return { step, log, results };
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

/** Texts of every notification, visible toasts and the notification center alike (opened for the count). */
async function notificationTexts(page) {
  await runCommand(page, 'Notifications: Show Notifications', 10000);
  const center = page.locator('.notifications-center');
  await center.waitFor({ state: 'visible', timeout: 10000 });
  await page.waitForTimeout(500);
  const texts = await center.locator('.notification-list-item-message').allTextContents();
  await runCommand(page, 'Notifications: Hide Notifications', 10000).catch(() => undefined);
  return texts.map((t) => t.trim());
}

/** The active editor's path as its breadcrumbs show it (`bpf/bpf_lxc.c`). */
async function activeEditorPath(page) {
  const items = await page.locator('.editor-group-container .breadcrumbs-control .monaco-breadcrumb-item .label-name')
    .allTextContents().catch(() => []);
  return items.map((t) => t.trim()).filter(Boolean).join('/');
}

/** Opens `relPath` with Quick Open in the first editor group, taking the row for that file and not a namesake
 *  in another folder, then checks the editor's breadcrumbs. */
async function openFile(page, relPath) {
  const dir = path.dirname(relPath);
  const name = path.basename(relPath);
  // Into the first editor group: with focus in the simulator panel, Quick Open would open the file there.
  await runCommand(page, 'View: Focus First Editor Group');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(relPath);
  try {
    // Enter opens the focused row: wait until the filtered list puts the file there (the list first shows
    // recently opened files, so a row with the name may be on screen before it is the focused one).
    await waitFor(`Quick Open does not offer ${relPath} first`, async () => {
      const row = page.locator('.quick-input-list .monaco-list-row.focused').first();
      const label = ((await row.locator('.label-name').first().textContent({ timeout: 1000 }).catch(() => '')) || '').trim();
      const description = ((await row.locator('.label-description').first().textContent({ timeout: 1000 }).catch(() => '')) || '').trim();
      return { ok: label === name && description === dir, detail: `focused row "${label}" in "${description}"` };
    }, 30000);
    await page.keyboard.press('Enter');
    await waitFor(`the editor did not open ${relPath}`, async () => {
      const shown = await activeEditorPath(page);
      return { ok: shown.startsWith(relPath), detail: `breadcrumbs "${shown}"` };
    }, 30000);
  } catch (err) {
    await page.screenshot({ path: path.join(OUT, `e2e-debug-open-${name}.png`) }).catch(() => undefined);
    throw err;
  }
}

/** Moves the cursor to the start of a 1-based line with Go to Line and waits for the status bar to agree. */
async function goToLine(page, line) {
  // Enter is taken only once the quick input has read the line number (its row says so); under load a
  // too-early Enter is lost, so the whole gesture is retried.
  const selection = page.locator('[id="status.editor.selection"]', { hasText: `Ln ${line},` });
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await input.fill(`:${line}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: `line ${line}` }).first().waitFor({ timeout: 5000 }).catch(() => undefined);
    await page.keyboard.press('Enter');
    try {
      await selection.waitFor({ timeout: 5000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw new Error(`Go to Line ${line}: the cursor never got there (${err.message.split('\n')[0]})`);
      await page.keyboard.press('Escape');
    }
  }
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

/**
 * Go to definition (F12) on the slot constant of `site` (c-source.js tailCallSite) in bpf/bpf_lxc.c, opened by
 * `open`; waits until the editor shows the program declared for that slot. Returns a one-line account.
 */
async function definitionThroughSlot(page, site, open = () => openFile(page, 'bpf/bpf_lxc.c')) {
  const target = site.target;
  await open();
  await cursorOnWord(page, site.line, site.slot);
  await page.keyboard.press('F12');
  const name = path.basename(target.file);
  const line = await waitFor('definition did not land on the program', async () => {
    const tab = ((await page.locator('.tab.active').first().textContent().catch(() => '')) || '');
    const l = await cursorLine(page);
    return { ok: tab.includes(name) && l !== undefined && l >= target.declLine && l <= target.nameLine, detail: `${tab.trim()}:${l}, expected ${name}:${target.declLine}-${target.nameLine}`, value: l };
  }, 30000);
  return `${site.slot} at bpf_lxc.c:${site.line} → ${target.program} (${name}:${line.value})`;
}

/** Hovers the mouse over `fn`'s name where the editor draws it followed by '(' until a hover holding
 *  `hasText` shows; returns that hover's locator. */
async function hoverOnFunction(page, fn, hasText, timeoutMs = 60000) {
  const hover = page.locator('.monaco-hover-content', { hasText }).first();
  const name = page.locator('.monaco-editor .view-line', { hasText: `${fn}(` }).locator('span span', { hasText: new RegExp(`^${fn}$`) }).first();
  await waitFor(`no hover with "${hasText}"`, async () => {
    if (await hover.isVisible().catch(() => false)) return { ok: true };
    await page.mouse.move(5, 5);
    await name.hover({ timeout: 5000 }).catch(() => undefined);
    await hover.waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
    return { ok: await hover.isVisible().catch(() => false), detail: `no such hover over ${fn} (name drawn: ${await name.count()})` };
  }, timeoutMs, 500);
  return hover;
}

module.exports = {
  OUT, launchBrowser, stepper, waitFor, runCommand, notificationTexts, activeEditorPath, openFile, goToLine, cursorOnWord, cursorLine,
  definitionThroughSlot, hoverOnFunction,
};
