// Test host for the webview: serves the panel HTML (from webview/src/html.ts, the same function the
// extension uses) and dist/ on 127.0.0.1, opens it in Debian's Chromium through playwright-core, and
// fakes acquireVsCodeApi: every posted message is recorded on the Node side and answered like the
// extension would (a real simulator trace when simulator/src/index.ts exists, else the fixture).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { renderPanelHtml, makeNonce } from '../../../webview/src/html';
import type { HostMessage, ModeName, ScenarioSummary, StepLocation, WebviewMessage } from '../../../webview/src/protocol';
import type { Trace } from '../../../simulator/src/trace';
import type { Graph } from '../../../language-server/src/core/graph-schema';
import { fixtureGraph, fixtureScenarioText, podToPodTrace } from './fixtures';

export const root = path.resolve(__dirname, '../../..');
const dist = path.join(root, 'dist');
export const resultsDir = path.join(root, 'test-results');
const CHROMIUM = '/usr/bin/chromium';

export interface HostBehaviour {
  scenarios: ScenarioSummary[];
  mode: ModeName;
  runScenario(name: string, mode: ModeName): Trace;
  scenarioText?: string;
  scenarioTextOf?(name: string): string;
  /** What-if: a trace, or the traceError to answer with. */
  runScenarioText?(text: string, mode: ModeName): Trace | Extract<HostMessage, { type: 'traceError' }>;
  firstScenario?: string;
  graph?: Graph;
  /** Answer to revealStep; undefined sends nothing. */
  locate?(m: Extract<WebviewMessage, { type: 'revealStep' }>): StepLocation | undefined;
}

type Simulator = typeof import('../../../simulator/src/index');

/**
 * The extension's side played by the real simulator (built-in scenarios, what-if text through its
 * parser, errors with their position), or undefined when the simulator is not in the tree.
 */
export async function simulatorHost(overrides: Partial<HostBehaviour> = {}): Promise<HostBehaviour | undefined> {
  const entry = path.join(root, 'simulator/src/index.ts');
  if (!fs.existsSync(entry)) return undefined;
  const sim: Simulator = await import(entry);
  const first = sim.listScenarios().find((s) => s.name === 'pod-to-pod-vxlan') ?? sim.listScenarios()[0];
  const scenarioOf = (name: string) => {
    const s = sim.builtinScenario(name);
    if (!s) throw new Error(`no built-in scenario ${name}`);
    return s;
  };
  return {
    scenarios: sim.listScenarios(),
    mode: 'vxlan',
    runScenario: (name, mode) => sim.runScenario(scenarioOf(name), { mode }),
    scenarioTextOf: (name) => sim.scenarioToText(scenarioOf(name)),
    runScenarioText: (text, mode) => {
      try {
        return sim.runScenario(sim.parseScenario(text, 'what-if.json'), { mode });
      } catch (e) {
        if (!(e instanceof sim.ScenarioError)) throw e;
        return { type: 'traceError', message: e.message, file: e.file, line: e.line, column: e.column, fieldPath: e.fieldPath };
      }
    },
    graph: fixtureGraph(),
    firstScenario: first.name,
    ...overrides,
  };
}

export function fixtureHost(overrides: Partial<HostBehaviour> = {}): HostBehaviour {
  return {
    scenarios: [{ name: 'pod-to-pod-vxlan', title: 'Pod to pod across nodes (VXLAN)', kind: 'path', description: 'ICMP echo from pod-a on k8s1 to pod-b on k8s2' }],
    mode: 'vxlan',
    runScenario: () => podToPodTrace(),
    scenarioText: fixtureScenarioText,
    graph: fixtureGraph(),
    ...overrides,
  };
}

// Plain script text (not a function) so the TypeScript transform cannot inject helpers into it.
// State lives in sessionStorage, which survives a reload of the tab like VS Code's webview state does.
const VSCODE_API_STUB = `
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
let acquired = false;
window.acquireVsCodeApi = () => {
  if (acquired) throw new Error('acquireVsCodeApi called twice');
  acquired = true;
  return {
    postMessage: (m) => window.__hostReceive(JSON.parse(JSON.stringify(m))),
    getState: () => JSON.parse(sessionStorage.getItem('vscode-state') ?? 'null') ?? undefined,
    setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
  };
};
`;

/** One Chromium per test file: each test gets its own context (fresh sessionStorage, fresh page). */
let browserPromise: Promise<Browser> | undefined;

export async function closeBrowser(): Promise<void> {
  const browser = await browserPromise;
  browserPromise = undefined;
  await browser?.close();
}

const MIME: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html', '.map': 'application/json' };

export class PanelHost {
  readonly posted: WebviewMessage[] = [];
  readonly errors: string[] = [];
  page!: Page;
  private context!: BrowserContext;
  private server!: http.Server;
  private base = '';

  private constructor(private readonly browser: Browser, public behaviour: HostBehaviour) {}

  static async open(behaviour: HostBehaviour, viewport = { width: 1280, height: 820 }): Promise<PanelHost> {
    const bundle = path.join(dist, 'webview.js');
    if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node build.mjs\` first`);
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    browserPromise ??= chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-quic', '--no-first-run'],
    });
    const host = new PanelHost(await browserPromise, behaviour);
    await host.listen();
    host.context = await host.browser.newContext({ viewport });
    host.page = await host.context.newPage();
    // The machine is shared; give slow moments room rather than fail on a 30 s default.
    host.page.setDefaultTimeout(60_000);
    host.page.on('pageerror', (e) => host.errors.push(`pageerror: ${e.message}`));
    host.page.on('console', (m) => { if (m.type() === 'error') host.errors.push(`console: ${m.text()}`); });
    await host.page.exposeFunction('__hostReceive', (m: WebviewMessage) => host.receive(m));
    await host.page.addInitScript({ content: VSCODE_API_STUB });
    await host.load();
    return host;
  }

  private listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/panel.html') {
        const html = renderPanelHtml({ cspSource: this.base, nonce: makeNonce(), scriptUri: `${this.base}/dist/webview.js`, codiconCssUri: `${this.base}/dist/codicon.css` });
        res.writeHead(200, { 'content-type': 'text/html' }).end(html);
        return;
      }
      if (url.pathname === '/favicon.ico') { res.writeHead(204).end(); return; }
      const file = path.join(dist, path.basename(url.pathname));
      if (!url.pathname.startsWith('/dist/') || !fs.existsSync(file)) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    });
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
      resolve();
    }));
  }

  /** Loads (or reloads) the panel and waits until the webview said ready and drew its steps. */
  async load(): Promise<void> {
    await this.page.goto(`${this.base}/panel.html`);
    await this.page.waitForFunction(() => document.querySelector('#app')?.getAttribute('aria-busy') === 'false');
  }

  async reload(): Promise<void> {
    await this.load();
  }

  async send(m: HostMessage | Record<string, unknown>): Promise<void> {
    await this.page.evaluate((msg) => window.postMessage(msg, '*'), m);
  }

  private async receive(m: WebviewMessage): Promise<void> {
    this.posted.push(m);
    const b = this.behaviour;
    switch (m.type) {
      case 'ready':
        await this.send({ type: 'init', state: { scenarios: b.scenarios, mode: b.mode, scenario: b.firstScenario } });
        break;
      case 'runScenario':
        await this.send({ type: 'trace', scenario: m.scenario, mode: m.mode, trace: b.runScenario(m.scenario, m.mode), scenarioText: b.scenarioTextOf?.(m.scenario) ?? b.scenarioText });
        break;
      case 'runScenarioText': {
        const answer = b.runScenarioText?.(m.text, m.mode);
        if (answer && 'type' in answer) await this.send(answer);
        else if (answer) await this.send({ type: 'trace', scenario: answer.scenario, mode: m.mode, trace: answer, scenarioText: m.text });
        break;
      }
      case 'requestGraph':
        if (b.graph) await this.send({ type: 'graph', graph: b.graph });
        break;
      case 'revealStep': {
        const location = b.locate?.(m);
        if (location) await this.send({ type: 'stepLocation', stepIndex: m.stepIndex, location });
        break;
      }
      default:
        break;
    }
  }

  messages<T extends WebviewMessage['type']>(type: T): Array<Extract<WebviewMessage, { type: T }>> {
    return this.posted.filter((m): m is Extract<WebviewMessage, { type: T }> => m.type === type);
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `webview-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes this panel's page and server; the browser is shared by the file's tests (see closeBrowser). */
  async close(): Promise<void> {
    await this.context.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
