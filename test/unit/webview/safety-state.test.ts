// Hostile workspace strings stay text, the what-if editor reports errors at their position, malformed
// host messages are reported, and the panel's state survives a reload through getState/setState.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Trace } from '../../../simulator/src/trace';
import { PanelHost, closeBrowser, fixtureHost, simulatorHost } from './harness';
import { podToPodTrace } from './fixtures';

after(closeBrowser);

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';

function hostileTrace(): Trace {
  const t = podToPodTrace();
  t.scenario = SCRIPT;
  t.hops[1].device = `lxc${IMG}`;
  t.hops[1].program = SCRIPT;
  const step = t.hops[1].steps[3];
  step.summary = `lookup ${IMG}`;
  step.source = { function: SCRIPT, call: IMG };
  step.lookups = [{ map: IMG, key: { [IMG]: SCRIPT }, result: { note: IMG } }];
  t.hops[0].steps[0].packetAfter!.eth.src = IMG;
  return t;
}

test('hostile strings in scenario, trace, graph and errors render as text and run nothing', async () => {
  const host = await PanelHost.open(fixtureHost({
    scenarios: [{ name: 'evil', title: `evil ${SCRIPT}`, description: IMG, kind: 'path' }],
    runScenario: () => hostileTrace(),
    scenarioText: `{"name": "${IMG}"}`,
    locate: () => ({ found: false, reason: IMG }),
  }));
  try {
    await host.page.waitForSelector('#steps-list .step');
    await host.page.click('#step-4');
    await host.page.waitForSelector('#step-4 .step-location.missing');
    await host.send({ type: 'notice', level: 'warning', message: SCRIPT });
    await host.send({ type: 'traceError', message: IMG, line: 1, column: 11, fieldPath: SCRIPT });
    await host.page.click('vscode-tab-header[data-pane="graph"]');
    await host.page.waitForSelector('#graph svg .gnode');
    await host.page.waitForTimeout(300);
    const probe = await host.page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      text: document.getElementById('app')!.textContent,
    }));
    assert.equal(probe.pwned, undefined, 'no injected handler or script ran');
    assert.equal(probe.images, 0, 'no <img> element was created');
    assert.equal(probe.scripts, 1, 'only the panel script is in the page');
    assert.ok(probe.text!.includes(`lookup ${IMG}`), 'the summary is shown literally');
    assert.ok(probe.text!.includes(`not in this tree: ${IMG}`));
    assert.ok(probe.text!.includes(SCRIPT));
    await host.page.click('vscode-tab-header[data-pane="inspector"]');
    assert.ok((await host.page.textContent('#inspector'))!.includes(IMG), 'map name and key shown literally');
    assert.deepEqual(host.errors, []);
    assert.deepEqual(await host.cspViolations(), []);
    await host.screenshot('hostile');
  } finally {
    await host.close();
  }
});

test('state survives a reload: trace, step, breakpoint, pane and the unapplied what-if draft', async () => {
  const host = await PanelHost.open(fixtureHost());
  try {
    await host.page.waitForSelector('#steps-list .step');
    await host.page.click('#step-6');
    await host.page.$eval('#breakpoint-select', (el) => {
      (el as HTMLElement & { value: string }).value = 'ipv4_local_delivery';
      el.dispatchEvent(new Event('change'));
    });
    await host.page.click('vscode-tab-header[data-pane="whatif"]');
    await host.page.click('#whatif-text');
    await host.page.keyboard.press('Control+End');
    await host.page.keyboard.type('\n// draft');
    const runsBefore = host.messages('runScenario').length;
    // The reloaded panel's host knows no trace: what is shown must come from getState.
    host.behaviour = fixtureHost({ runScenario: () => { throw new Error('the restored panel must not re-run'); } });
    await host.reload();
    await host.page.waitForSelector('#steps-list .step');
    assert.equal(await host.page.getAttribute('#steps-list [aria-selected="true"]', 'data-index'), '6');
    assert.equal(await host.page.textContent('#inspector-summary'), podToPodTrace().hops[1].steps[5].summary);
    assert.ok((await host.page.$$('#steps-list .step.breakpoint')).length > 0, 'breakpoint restored');
    assert.equal(await host.page.$eval('#tabs', (el) => (el as HTMLElement & { selectedIndex: number }).selectedIndex), 2);
    assert.match(await host.page.$eval('#whatif-text', (el) => (el as HTMLElement & { value: string }).value), /\/\/ draft$/);
    assert.equal(host.messages('runScenario').length, runsBefore, 'no new run after the reload');
    assert.equal(host.messages('ready').length, 2);
    assert.deepEqual(host.errors, []);
    await host.screenshot('restored');
  } finally {
    await host.close();
  }
});

test('what-if: Apply re-runs with the edited text; an error is shown with its position', async () => {
  const behaviour = (await simulatorHost()) ?? fixtureHost({
    runScenarioText: (text) => (text.includes('"ttl": "x"')
      ? { type: 'traceError', message: 'expected a number', file: 'what-if.json', line: 3, column: 10, fieldPath: 'packet.ttl' }
      : podToPodTrace()),
  });
  const host = await PanelHost.open(behaviour);
  try {
    await host.page.waitForSelector('#steps-list .step');
    await host.page.click('vscode-tab-header[data-pane="whatif"]');
    const original = await host.page.$eval('#whatif-text', (el) => (el as HTMLElement & { value: string }).value);
    assert.ok(original.length > 0, 'the scenario text is in the editor');
    // Break the second line's value: a string where the scenario wants something else.
    const lines = original.split('\n');
    const broken = [lines[0], lines[1].replace(/:\s*.*?(,?)$/, ': [[[]]]$1'), ...lines.slice(2)].join('\n')
      .replace(/("ttl":\s*)\d+/, '$1"x"');
    await host.page.$eval('#whatif-text', (el, text) => {
      (el as HTMLElement & { value: string }).value = text;
      el.dispatchEvent(new Event('input'));
    }, broken);
    await host.page.click('#whatif-apply');
    assert.equal(host.messages('runScenarioText').at(-1)?.text, broken);
    await host.page.waitForSelector('#whatif-error:not([hidden])');
    const error = (await host.page.textContent('#whatif-error'))!;
    assert.match(error, /line \d+/);
    assert.ok(await host.page.$('#whatif-error .error-excerpt'), 'the offending line is quoted');
    assert.ok(!(await host.page.$eval('#banner', (el) => (el as HTMLElement).hidden)), 'banner shows the error too');
    await host.screenshot('whatif-error');
    await host.page.click('#whatif-revert');
    assert.equal(await host.page.$eval('#whatif-text', (el) => (el as HTMLElement & { value: string }).value), original);
    const traces = host.messages('runScenarioText').length;
    await host.page.click('#whatif-apply');
    assert.equal(host.messages('runScenarioText').length, traces + 1);
    await host.page.waitForFunction(() => document.getElementById('whatif-error')!.hidden);
    assert.deepEqual(host.errors, []);
  } finally {
    await host.close();
  }
});

test('a malformed trace from the host is reported with the path of the problem', async () => {
  const host = await PanelHost.open(fixtureHost());
  try {
    await host.page.waitForSelector('#steps-list .step');
    const bad = podToPodTrace() as unknown as { hops: Array<{ steps: Array<Record<string, unknown>> }> };
    bad.hops[1].steps[2].summary = 42;
    await host.send({ type: 'trace', scenario: 'x', mode: 'vxlan', trace: bad });
    await host.page.waitForSelector('#banner:not([hidden])');
    assert.match((await host.page.textContent('#banner'))!, /malformed trace: hops\[1\]\.steps\[2\]\.summary: expected a string/);
    assert.equal(await host.page.$$eval('#steps-list .step', (e) => e.length), 18, 'the previous trace stays');
  } finally {
    await host.close();
  }
});

test('init with a trace, then gotoStep: the panel shows that step (Simulate From This Function)', async () => {
  const host = await PanelHost.open(fixtureHost());
  try {
    await host.page.waitForSelector('#steps-list .step');
    await host.page.click('#step-3');
    const trace = podToPodTrace();
    trace.hops[4].steps[3].summary = 'the step the editor asked for';
    await host.send({ type: 'init', state: { scenarios: fixtureHost().scenarios, mode: 'geneve', scenario: 'pod-to-pod-vxlan', trace } });
    assert.equal(await host.page.getAttribute('#steps-list [aria-selected="true"]', 'data-index'), '0', 'a new trace starts at its first step');
    await host.send({ type: 'gotoStep', stepIndex: trace.hops[4].steps[3].index });
    assert.equal(await host.page.textContent('#inspector-summary'), 'the step the editor asked for');
    assert.equal(host.messages('stepChanged').at(-1)?.stepIndex, trace.hops[4].steps[3].index);
    // Out of range is clamped to the last step rather than ignored or crashing.
    await host.send({ type: 'gotoStep', stepIndex: 999 });
    assert.equal(await host.page.getAttribute('#steps-list [aria-selected="true"]', 'data-index'), String(trace.hops.flatMap((h) => h.steps).length - 1));
    assert.ok(await host.page.$('#topology .device[data-device="cilium_geneve"]'), 'the topology follows the mode');
    assert.deepEqual(host.errors, []);
  } finally {
    await host.close();
  }
});
