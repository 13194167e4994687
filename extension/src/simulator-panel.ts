// The Datapath Simulator panel: a single webview that shows a trace, and the host side of its message
// protocol (webview/src/protocol.ts). The host runs the simulator and asks the language server; the webview
// renders, and keeps its own state with setState so the panel survives being hidden (no retained context)
// and a window reload (the serializer registered in extension.ts revives it).
import * as vscode from 'vscode';
import { makeNonce, renderPanelHtml } from '../../webview/src/html';
import { isWebviewMessage, type HostMessage, type ModeName, type NoteTargetMessage, type WebviewMessage, type WebviewNote } from '../../webview/src/protocol';
import type { DatapathMode } from './datapath-mode';
import { columnBeside, revealProgram, revealStepSource } from './reveal';
import { errorText, type ServerConnection } from './server-connection';
import { isModeName, runBuiltin, runText, scenarioSummaries, type RunResult } from './simulation';

export const SIMULATOR_VIEW_TYPE = 'dpnav.simulator';

export interface PanelDependencies {
  extensionUri: vscode.Uri;
  server: ServerConnection;
  mode: DatapathMode;
  log: vscode.LogOutputChannel;
  /** Datapath notes (extension/src/notes.ts): shown as graph badges, edited from the panel. */
  notes?: PanelNotes;
}

export interface PanelNotes {
  webviewNotes(): WebviewNote[];
  setFromWebview(note: { id?: string; target: NoteTargetMessage; text: string; tag?: string }): Promise<void>;
  deleteFromWebview(id: string): Promise<void>;
}

/** What to show once the panel is up: a scenario (in a mode), paused at a step, or the tail-call graph. */
export interface PanelRequest {
  scenario?: string;
  mode?: ModeName;
  startStep?: number;
  /** Fetch the graph from the server and send it along. */
  withGraph?: boolean;
}

export class SimulatorPanel implements vscode.Disposable {
  private static current: SimulatorPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private pending: PanelRequest | undefined;
  private scenario: string | undefined;
  /** Set while the shown trace comes from the what-if editor rather than a built-in scenario. */
  private whatIfText: string | undefined;
  private graphRoot: string | undefined;
  /** A graph was sent to the webview: a mode change sends the new one. */
  private graphShown = false;
  /** True while the host itself switches modes on the way to running something; no extra re-run then. */
  private switchingMode = false;

  /** Opens (or reveals) the panel and shows what `request` asks for. */
  static show(deps: PanelDependencies, request: PanelRequest): SimulatorPanel {
    const existing = SimulatorPanel.current;
    if (existing) {
      existing.panel.reveal(existing.panel.viewColumn ?? vscode.ViewColumn.Beside, false);
      existing.request(request);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SIMULATOR_VIEW_TYPE, 'Datapath Simulator',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, SimulatorPanel.webviewOptions(deps.extensionUri));
    return new SimulatorPanel(panel, deps, request);
  }

  /** Re-attaches to a panel VS Code restored after a reload; `persisted` is what the webview last saved. */
  static revive(panel: vscode.WebviewPanel, persisted: unknown, deps: PanelDependencies): SimulatorPanel {
    SimulatorPanel.current?.dispose();
    panel.webview.options = SimulatorPanel.webviewOptions(deps.extensionUri);
    const saved = (typeof persisted === 'object' && persisted !== null ? persisted : {}) as Record<string, unknown>;
    const scenario = typeof saved.scenario === 'string' ? saved.scenario : undefined;
    // With a saved trace the webview restores itself; the host only needs to know which scenario it shows.
    const hasTrace = typeof saved.trace === 'object' && saved.trace !== null;
    const revived = new SimulatorPanel(panel, deps, hasTrace ? undefined : { scenario });
    revived.scenario = scenario;
    if (hasTrace && typeof saved.scenarioText === 'string' && scenario && !isBuiltin(scenario)) {
      revived.whatIfText = saved.scenarioText;
    }
    return revived;
  }

  static get active(): SimulatorPanel | undefined {
    return SimulatorPanel.current;
  }

  private static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      enableFindWidget: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
    };
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly deps: PanelDependencies, request: PanelRequest | undefined) {
    SimulatorPanel.current = this;
    this.pending = request;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'extension', 'media', 'datapath.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      // Hidden without retained context, the webview reloads when shown again and says 'ready' anew.
      panel.onDidChangeViewState(() => { if (!panel.visible) this.ready = false; }),
      deps.mode.onDidChange((mode) => this.modeChanged(mode)),
      deps.server.onDidInvalidateGraph(() => { if (this.ready && this.graphShown) void this.sendGraph(); }),
    );
  }

  /** Shows a scenario/step/graph now if the webview is listening, else as soon as it says 'ready'. */
  request(request: PanelRequest): void {
    if (this.ready) void this.fulfil(request);
    else this.pending = { ...this.pending, ...request };
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.deps.extensionUri, 'dist');
    // webview.cspSource may be a list of sources (code-server: "'self' https://*.vscode-cdn.net"); the builder checks it.
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      codiconCssUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicon.css')).toString(),
      title: 'Datapath Simulator',
    });
  }

  /** Sends the workspace's notes to the webview (after 'ready' and whenever they change). */
  postNotes(): void {
    if (this.ready && this.deps.notes) this.post({ type: 'notes', notes: this.deps.notes.webviewNotes() });
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isWebviewMessage(raw)) {
      this.deps.log.appendLine(`simulator panel: ignored a malformed message ${safePreview(raw)}`);
      return;
    }
    try {
      await this.handle(raw);
    } catch (err) {
      this.deps.log.appendLine(`simulator panel: ${raw.type} failed: ${errorText(err)}`);
      if (raw.type === 'revealStep') this.post({ type: 'stepLocation', stepIndex: raw.stepIndex, location: { found: false, reason: errorText(err) } });
    }
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        const pending = this.pending;
        this.pending = undefined;
        // A fresh webview with no trace asks for one itself; hand it the trace with init so it does not,
        // then move it to the requested step.
        const run = pending ? await this.runFor(pending) : undefined;
        const shown = run?.ok ? { trace: run.trace, scenarioText: run.scenarioText } : {};
        this.post({ type: 'init', state: { scenarios: scenarioSummaries(), mode: this.deps.mode.current, scenario: this.scenario, ...shown } });
        if (run && !run.ok) this.postError(run);
        if (run?.ok && pending?.startStep !== undefined) this.post({ type: 'gotoStep', stepIndex: pending.startStep });
        if (pending?.withGraph) await this.sendGraph();
        this.postNotes();
        return;
      }
      case 'setNote':
        await this.deps.notes?.setFromWebview(message);
        return;
      case 'deleteNote':
        await this.deps.notes?.deleteFromWebview(message.id);
        return;
      case 'runScenario':
        await this.switchMode(message.mode);
        // The webview re-asks for its current scenario by name after a mode change; a what-if scenario is
        // not a built-in, so re-run its text.
        if (this.whatIfText !== undefined && message.scenario === this.scenario && !isBuiltin(message.scenario)) {
          this.postRun(runText(this.whatIfText, message.mode, 'what-if scenario'));
          return;
        }
        this.whatIfText = undefined;
        this.postRun(runBuiltin(message.scenario, message.mode));
        return;
      case 'runScenarioText':
        await this.switchMode(message.mode);
        this.whatIfText = message.text;
        this.postRun(runText(message.text, message.mode, 'what-if scenario'));
        return;
      case 'setMode':
        // The webview follows a mode change with runScenario itself; no re-run here.
        await this.switchMode(message.mode);
        return;
      case 'revealStep': {
        const location = await revealStepSource(this.deps.server, {
          function: message.function, aliases: message.aliases, call: message.call, callAliases: message.callAliases, fileHint: message.fileHint,
        }, columnBeside(this.panel.viewColumn));
        this.post({ type: 'stepLocation', stepIndex: message.stepIndex, location });
        return;
      }
      case 'revealProgram': {
        if (!this.graphRoot) this.graphRoot = (await this.deps.server.graph())?.root;
        const location = await revealProgram(this.deps.server, message, this.graphRoot, columnBeside(this.panel.viewColumn));
        if (!location.found) void vscode.window.showWarningMessage(`Datapath: cannot open ${message.name}: ${location.reason}`);
        return;
      }
      case 'requestGraph':
        await this.sendGraph();
        return;
      case 'stepChanged':
        return;
    }
  }

  /** Switches mode if asked and runs the requested (or current, or default) scenario; undefined: nothing to run. */
  private async runFor(request: PanelRequest): Promise<RunResult | undefined> {
    if (request.mode && isModeName(request.mode)) await this.switchMode(request.mode);
    const scenario = request.scenario ?? this.scenario ?? defaultScenario();
    if (!scenario || !(request.scenario || !this.scenario || request.startStep !== undefined)) return undefined;
    this.whatIfText = undefined;
    const result = runBuiltin(scenario, this.deps.mode.current);
    if (result.ok) this.scenario = result.scenario;
    return result;
  }

  private async fulfil(request: PanelRequest): Promise<void> {
    const run = await this.runFor(request);
    if (run) this.postRun(run, request.startStep);
    if (request.withGraph) await this.sendGraph();
  }

  private postRun(result: RunResult, startStep?: number): void {
    if (!result.ok) {
      this.postError(result);
      return;
    }
    this.scenario = result.scenario;
    this.post({ type: 'trace', scenario: result.scenario, mode: this.deps.mode.current, trace: result.trace, scenarioText: result.scenarioText, startStep });
  }

  private postError(result: Extract<RunResult, { ok: false }>): void {
    const { message, file, line, column, fieldPath } = result;
    this.post({ type: 'traceError', message, file, line, column, fieldPath });
  }

  private rerun(): void {
    if (this.whatIfText !== undefined) this.postRun(runText(this.whatIfText, this.deps.mode.current, 'what-if scenario'));
    else if (this.scenario) this.postRun(runBuiltin(this.scenario, this.deps.mode.current));
  }

  private async switchMode(mode: ModeName): Promise<void> {
    this.switchingMode = true;
    try {
      await this.deps.mode.set(mode);
    } finally {
      this.switchingMode = false;
    }
  }

  private modeChanged(mode: ModeName): void {
    if (!this.ready) return;
    this.post({ type: 'mode', mode });
    if (!this.switchingMode) this.rerun();
  }

  private async sendGraph(): Promise<void> {
    const graph = await this.deps.server.graph();
    if (graph) {
      this.graphRoot = graph.root;
      this.graphShown = true;
      this.post({ type: 'graph', graph });
    } else {
      const reason = this.deps.server.state.message ?? 'the language server is not available';
      void vscode.window.showWarningMessage(`Datapath: no tail-call graph: ${reason}`);
    }
  }

  dispose(): void {
    if (SimulatorPanel.current === this) SimulatorPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function isBuiltin(name: string): boolean {
  return scenarioSummaries().some((s) => s.name === name);
}

function defaultScenario(): string | undefined {
  const all = scenarioSummaries();
  return (all.find((s) => s.kind === 'path') ?? all[0])?.name;
}

function safePreview(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return '(unserialisable)';
  }
}
