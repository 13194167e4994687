// The webview's built bundle (dist/webview.js) in real Chromium, on the page renderPanelHtml builds,
// with a host stub answering like the extension: a real simulator trace when the simulator is there.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Step, Trace } from '../../../simulator/src/trace';
import { PanelHost, closeBrowser, fixtureHost, simulatorHost, type HostBehaviour } from './harness';
import { fixtureGraph, podToPodTrace } from './fixtures';

after(closeBrowser);

const allSteps = (t: Trace): Step[] => t.hops.flatMap((h) => h.steps);

async function withPanel(behaviour: HostBehaviour, body: (host: PanelHost) => Promise<void>): Promise<void> {
  const host = await PanelHost.open(behaviour);
  try {
    await host.page.waitForSelector('#steps-list .step');
    await body(host);
    assert.deepEqual(host.errors, [], 'no page errors');
    assert.deepEqual(await host.cspViolations(), [], 'no CSP violations');
  } finally {
    await host.close();
  }
}

const currentStepIndex = (host: PanelHost) =>
  host.page.$eval('#steps-list [aria-selected="true"]', (el) => Number(el.getAttribute('data-index')));
const inspectorSummary = (host: PanelHost) => host.page.textContent('#inspector-summary');

test('renders a simulator trace: every hop and step, the disposition, the topology', async () => {
  const behaviour = (await simulatorHost()) ?? fixtureHost();
  await withPanel(behaviour, async (host) => {
    const run = host.messages('runScenario')[0];
    assert.ok(run, 'the webview asked for the initial scenario');
    const trace = behaviour.runScenario(run.scenario, run.mode);
    const steps = allSteps(trace);
    const summaries = await host.page.$$eval('#steps-list .step .step-summary', (els) => els.map((e) => e.textContent));
    assert.deepEqual(summaries, steps.map((s) => s.summary));
    // One heading per run of steps on the same hop.
    assert.equal(await host.page.$$eval('#steps-list .hop-header', (els) => els.length), trace.hops.filter((h) => h.steps.length).length);
    const firstHop = trace.hops.find((h) => h.steps.length)!;
    assert.equal(await host.page.textContent('#steps-list .hop-header .hop-device'), firstHop.device);
    assert.ok((await host.page.textContent('#disposition'))!.includes((trace.disposition as { target?: string }).target ?? ''));
    const nodes = await host.page.$$eval('#topology .node', (els) => els.map((e) => e.getAttribute('data-node')));
    assert.deepEqual(nodes, [...new Set(trace.hops.filter((h) => h.hook !== 'wire').map((h) => h.node))]);
    assert.equal(await host.page.textContent('#step-position'), `step 1 / ${steps.length}`);
    await host.screenshot('trace');
  });
});

test('step forward and back: the inspector follows and highlights the fields the step changed', async () => {
  const behaviour = (await simulatorHost()) ?? fixtureHost();
  await withPanel(behaviour, async (host) => {
    const run = host.messages('runScenario')[0];
    const steps = allSteps(behaviour.runScenario(run.scenario, run.mode));
    const rewritesMac = (s: Step) => s.packetBefore && s.packetAfter && !s.packetAfter.outer && s.packetBefore.eth.dst !== s.packetAfter.eth.dst;
    const rewritesTtl = (s: Step) => s.packetBefore?.ipv4 && s.packetAfter?.ipv4 && s.packetBefore.ipv4.ttl !== s.packetAfter.ipv4.ttl;
    // Prefer the routing step that rewrites MACs and decrements the TTL together (ipv4_l3).
    const macRewrite = Math.max(steps.findIndex((s) => rewritesMac(s) && rewritesTtl(s)), steps.findIndex(rewritesMac));
    const encap = steps.findIndex((s) => s.packetAfter?.outer && s.packetBefore && !s.packetBefore.outer);
    assert.ok(macRewrite > 0 && encap > 0, 'the scenario rewrites a MAC and encapsulates');
    const goTo = async (target: number) => {
      for (let i = await currentStepIndex(host); i !== target; i = await currentStepIndex(host)) {
        await host.page.click(i < target ? '#btn-forward' : '#btn-back');
      }
    };

    await host.page.click('#btn-forward');
    assert.equal(await currentStepIndex(host), 1);
    assert.equal(await inspectorSummary(host), steps[1].summary);
    await host.page.click('#btn-back');
    assert.equal(await currentStepIndex(host), 0);
    assert.equal(await inspectorSummary(host), steps[0].summary);

    await goTo(encap);
    assert.equal(await inspectorSummary(host), steps[encap].summary);
    assert.equal(await host.page.$$eval('#inspector-packet table.section-added[data-section="outer"]', (e) => e.length), 1, 'outer headers marked as added');
    const vni = String(steps[encap].packetAfter!.outer!.tunnel.vni);
    assert.ok((await host.page.textContent('#inspector-packet tr[data-field="outer.tunnel.vni"]'))!.includes(vni));
    await host.screenshot('inspector-encap');

    await goTo(macRewrite);
    assert.equal(await inspectorSummary(host), steps[macRewrite].summary);
    const s = steps[macRewrite];
    const dst = await host.page.$eval('#inspector-packet tr[data-field="eth.dst"]', (el) => ({ changed: el.classList.contains('changed'), text: el.textContent }));
    assert.ok(dst.changed, 'eth.dst highlighted');
    assert.ok(dst.text!.includes(s.packetAfter!.eth.dst) && dst.text!.includes(`was ${s.packetBefore!.eth.dst}`));
    if (rewritesTtl(s)) {
      assert.ok(await host.page.$eval('#inspector-packet tr[data-field="ipv4.ttl"]', (el) => el.classList.contains('changed')), 'TTL highlighted');
    }
    const srcChanged = await host.page.$eval('#inspector-packet tr[data-field="ipv4.src"]', (el) => el.classList.contains('changed'));
    assert.equal(srcChanged, s.packetAfter!.ipv4?.src !== s.packetBefore!.ipv4?.src);
    await host.screenshot('inspector-rewrite');

    await host.page.click('#btn-reset');
    assert.equal(await currentStepIndex(host), 0);
    const stepChanged = host.messages('stepChanged').map((m) => m.stepIndex);
    assert.equal(stepChanged[stepChanged.length - 1], 0);
  });
});

test('keyboard: arrows move through steps, Enter reveals, focus is visible', async () => {
  await withPanel(fixtureHost(), async (host) => {
    const steps = allSteps(podToPodTrace());
    await host.page.focus('#steps-list');
    for (let i = 0; i < 3; i++) await host.page.keyboard.press('ArrowDown');
    assert.equal(await currentStepIndex(host), 3);
    assert.equal(await host.page.getAttribute('#steps-list', 'aria-activedescendant'), 'step-3');
    await host.page.keyboard.press('ArrowUp');
    assert.equal(await currentStepIndex(host), 2);
    await host.page.keyboard.press('End');
    assert.equal(await currentStepIndex(host), steps.length - 1);
    await host.page.keyboard.press('Home');
    assert.equal(await currentStepIndex(host), 0);
    await host.page.keyboard.press('ArrowDown');
    await host.page.keyboard.press('Enter');
    const reveal = host.messages('revealStep').at(-1);
    assert.deepEqual(reveal, { type: 'revealStep', stepIndex: 1, function: steps[1].source.function, fileHint: steps[1].source.fileHint });
    // Keyboard focus draws an outline (focus-visible), not just a colour.
    const outline = await host.page.$eval('#steps-list .step.current', (el) => getComputedStyle(el).outlineStyle);
    assert.equal(outline, 'solid');
    // Tab reaches the controls.
    const reached = new Set<string>();
    await host.page.focus('body');
    for (let i = 0; i < 25; i++) {
      await host.page.keyboard.press('Tab');
      reached.add(await host.page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName.toLowerCase() || ''));
    }
    for (const id of ['scenario-select', 'mode-select', 'btn-forward', 'steps-list']) assert.ok(reached.has(id), `Tab reaches ${id}: ${[...reached].join(' ')}`);
  });
});

test('clicking a step posts revealStep; a found:false answer is shown in the step', async () => {
  const behaviour = fixtureHost({
    locate: (m) => m.function === 'handle_ipv4_from_lxc'
      ? { found: false, reason: 'handle_ipv4_from_lxc (or handle_ipv4_from_lxc_legacy) is not defined in this tree' }
      : { found: true, file: 'bpf_lxc.c', line: 1234, function: m.function, matchedName: m.function },
  });
  await withPanel(behaviour, async (host) => {
    const steps = allSteps(podToPodTrace());
    const target = steps.findIndex((s) => s.source.function === 'handle_ipv4_from_lxc' && s.source.call === 'lookup_ip4_remote_endpoint');
    await host.page.click(`#step-${target}`);
    assert.deepEqual(host.messages('revealStep').at(-1), {
      type: 'revealStep', stepIndex: target, function: 'handle_ipv4_from_lxc', call: 'lookup_ip4_remote_endpoint', fileHint: 'bpf_lxc.c',
    });
    assert.equal(await currentStepIndex(host), target);
    await host.page.waitForSelector(`#step-${target} .step-location.missing`);
    assert.match((await host.page.textContent(`#step-${target} .step-location`))!, /not in this tree: handle_ipv4_from_lxc \(or handle_ipv4_from_lxc_legacy\) is not defined/);
    assert.match((await host.page.textContent('#inspector'))!, /not in this tree/);
    await host.screenshot('not-found');
    await host.page.click('#step-1');
    await host.page.waitForSelector('#step-1 .step-location.found');
    assert.equal((await host.page.textContent('#step-1 .step-location'))!.trim(), 'bpf_lxc.c:1234');
    // The earlier answer stays with its step.
    assert.ok(await host.page.$(`#step-${target} .step-location.missing`));
  });
});

test('tail-call graph: programs on the path highlighted, click and Enter post revealProgram', async () => {
  await withPanel(fixtureHost(), async (host) => {
    await host.page.click('vscode-tab-header[data-pane="graph"]');
    await host.page.waitForSelector('#graph svg .gnode');
    const onPath = await host.page.$$eval('#graph .gnode.on-path', (els) => els.map((e) => e.getAttribute('data-id')));
    assert.deepEqual(new Set(onPath), new Set([
      'bpf_lxc.c/cil_from_container', 'bpf_lxc.c/tail_handle_ipv4', 'bpf_overlay.c/cil_to_overlay', 'bpf_overlay.c/cil_from_overlay',
      'bpf_overlay.c/tail_handle_ipv4', 'bpf_lxc.c/cil_lxc_policy']));
    const offPath = await host.page.$$eval('#graph .gnode:not(.on-path)', (els) => els.map((e) => e.getAttribute('data-id')));
    assert.ok(offPath.includes('bpf_lxc.c/tail_handle_arp'), 'neighbours drawn for context');
    const taken = await host.page.$$eval('#graph path.edge.on-path', (els) => els.map((e) => `${e.getAttribute('data-from')}>${e.getAttribute('data-to')}`));
    assert.ok(taken.includes('bpf_lxc.c/cil_from_container>bpf_lxc.c/tail_handle_ipv4'));
    assert.ok(!taken.includes('bpf_lxc.c/cil_from_container>bpf_lxc.c/tail_handle_arp'));
    await host.page.click('#graph .gnode[data-id="bpf_overlay.c/tail_handle_ipv4"]');
    const overlayTail = fixtureGraph().programs.find((p) => p.name === 'tail_handle_ipv4' && p.object === 'bpf_overlay.c')!;
    assert.deepEqual(host.messages('revealProgram').at(-1), { type: 'revealProgram', name: 'tail_handle_ipv4', file: overlayTail.file, line: overlayTail.line });
    await host.page.focus('#graph .gnode[data-id="bpf_lxc.c/cil_from_container"]');
    await host.page.keyboard.press('Enter');
    assert.equal(host.messages('revealProgram').at(-1)?.name, 'cil_from_container');
    // Stepping into a program marks its node as current.
    await host.page.click('#step-4');
    assert.equal(await host.page.getAttribute('#graph .gnode.current', 'data-id'), 'bpf_lxc.c/tail_handle_ipv4');
    await host.screenshot('graph');
  });
});

test('run to function and play stop at the breakpoint', async () => {
  await withPanel(fixtureHost(), async (host) => {
    const steps = allSteps(podToPodTrace());
    const first = steps.findIndex((s) => s.source.function === 'ipv4_local_delivery');
    await host.page.$eval('#breakpoint-select', (el) => {
      (el as HTMLElement & { value: string }).value = 'ipv4_local_delivery';
      el.dispatchEvent(new Event('change'));
    });
    await host.page.waitForSelector('#steps-list .step.breakpoint');
    const marked = await host.page.$$eval('#steps-list .step.breakpoint', (els) => els.map((e) => Number(e.getAttribute('data-index'))));
    assert.deepEqual(marked, steps.flatMap((s, i) => (s.source.function === 'ipv4_local_delivery' ? [i] : [])));
    await host.page.click('#btn-run-to');
    assert.equal(await currentStepIndex(host), first);
    await host.page.click('#btn-reset');
    await host.page.click('#btn-play');
    await host.page.waitForFunction((want) => document.querySelector('#steps-list [aria-selected="true"]')?.getAttribute('data-index') === String(want), first, { timeout: 20_000 });
    await host.page.waitForTimeout(900);
    assert.equal(await currentStepIndex(host), first, 'play paused at the breakpoint');
    assert.equal(await host.page.getAttribute('#btn-play', 'aria-label'), 'Play');
  });
});

test('scenario and mode pickers re-run; colours follow the VS Code theme variables', async () => {
  const behaviour = (await simulatorHost()) ?? fixtureHost();
  await withPanel(behaviour, async (host) => {
    // Prefer a scenario that ends in a drop, to see how a drop is shown.
    const others = behaviour.scenarios.filter((s) => s.name !== host.messages('runScenario')[0].scenario);
    const other = others.find((s) => behaviour.runScenario(s.name, 'vxlan').disposition.kind === 'dropped') ?? others[0];
    const choose = (selector: string, value: string) => host.page.$eval(selector, (el, v) => {
      (el as HTMLElement & { value: string }).value = v;
      el.dispatchEvent(new Event('change'));
    }, value);
    await choose('#scenario-select', other.name);
    assert.deepEqual(host.messages('runScenario').at(-1), { type: 'runScenario', scenario: other.name, mode: 'vxlan' });
    const expected = allSteps(behaviour.runScenario(other.name, 'vxlan'));
    await host.page.waitForFunction((n) => document.querySelectorAll('#steps-list .step').length === n, expected.length);
    const dropped = behaviour.runScenario(other.name, 'vxlan').disposition;
    if (dropped.kind === 'dropped') {
      assert.match((await host.page.textContent('#disposition'))!, new RegExp(`dropped on ${dropped.node}: .*\\(${dropped.reason.code}\\)`));
      const dropStep = expected.findIndex((s) => s.notification?.type === 'drop');
      if (dropStep >= 0) {
        await host.page.click(`#step-${dropStep}`);
        assert.match((await host.page.textContent('#inspector-event'))!, /^DROP/);
        assert.ok(await host.page.$(`#step-${dropStep}.drop`));
      }
      await host.screenshot('drop');
    }
    await choose('#mode-select', 'native');
    assert.deepEqual(host.messages('setMode').at(-1), { type: 'setMode', mode: 'native' });
    assert.deepEqual(host.messages('runScenario').at(-1), { type: 'runScenario', scenario: other.name, mode: 'native' });

    // VS Code sets these on the document; the panel must take its colours from them.
    await host.page.evaluate(() => {
      const light: Record<string, string> = {
        '--vscode-editor-background': '#ffffff', '--vscode-foreground': '#3b3b3b', '--vscode-sideBar-background': '#f8f8f8',
        '--vscode-panel-border': '#e5e5e5', '--vscode-list-activeSelectionBackground': '#e4e6f1', '--vscode-list-activeSelectionForeground': '#000000',
        '--vscode-input-background': '#ffffff', '--vscode-descriptionForeground': '#717171', '--vscode-textLink-foreground': '#005fb8',
        '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b', '--vscode-sideBarSectionHeader-foreground': '#3b3b3b',
      };
      for (const [k, v] of Object.entries(light)) document.documentElement.style.setProperty(k, v);
    });
    assert.equal(await host.page.$eval('body', (b) => getComputedStyle(b).backgroundColor), 'rgb(255, 255, 255)');
    assert.equal(await host.page.$eval('body', (b) => getComputedStyle(b).color), 'rgb(59, 59, 59)');
    await host.page.click('#step-3');
    await host.screenshot('light');
  });
});

test('a narrow panel beside the editor keeps the steps usable and the details reachable', async () => {
  const host = await PanelHost.open(fixtureHost(), { width: 540, height: 860 });
  try {
    await host.page.waitForSelector('#steps-list .step');
    const listHeight = await host.page.$eval('#steps-list', (el) => el.clientHeight);
    assert.ok(listHeight >= 160, `steps list is ${listHeight}px high`);
    await host.page.click('#step-6');
    await host.page.locator('#inspector-summary').scrollIntoViewIfNeeded();
    assert.ok(await host.page.isVisible('#inspector-summary'));
    const overflow = await host.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling of the page (${overflow}px)`);
    await host.screenshot('narrow');
    await host.page.evaluate(() => window.scrollTo(0, 0));
    await host.screenshot('narrow-top');
    assert.deepEqual(host.errors, []);
  } finally {
    await host.close();
  }
});
