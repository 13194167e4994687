// Webview entry (bundled to dist/webview.js): builds the panel, keeps the view state, talks to the
// host only through protocol.ts messages, and persists everything with setState so a hidden or
// reloaded panel comes back where it was.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import styles from './styles.css';
import { h, icon } from './dom';
import { loadState, post, saveState, type PaneName, type PersistedState } from './host';
import { describeDisposition, flattenSteps, functionsOnPath, nextStepInFunction, type FlatStep } from './model';
import { isHostMessage, isStepLocation, type HostMessage, type ModeName, type StepLocation, type WebviewNote } from './protocol';
import { graphProblem, isGraph, isTrace, traceProblem } from './validate';
import { programsOnPath } from './graph-path';
import { GraphView } from './views/graph';
import { NotesView } from './views/notes';
import { InspectorView } from './views/inspector';
import { StepsView } from './views/steps';
import { Toolbar } from './views/toolbar';
import { TopologyView } from './views/topology';
import { WhatIfView, withoutPositionPrefix, type TraceErrorInfo } from './views/whatif';

const PLAY_INTERVAL_MS = 650;
const PANES: PaneName[] = ['inspector', 'graph', 'whatif'];

class App {
  private state: PersistedState;
  private steps: FlatStep[] = [];
  private locations = new Map<number, StepLocation>();
  private playTimer: ReturnType<typeof setInterval> | undefined;
  private traceError: TraceErrorInfo | undefined;
  private graphRequested = false;
  private readonly toolbar: Toolbar;
  private readonly stepsView: StepsView;
  private readonly inspector = new InspectorView();
  private readonly topology = new TopologyView();
  private readonly graphView: GraphView;
  private readonly notesView: NotesView;
  /** The workspace's notes as the host last sent them (not persisted: the host sends them on every 'ready'). */
  private notes: WebviewNote[] = [];
  private readonly whatIf: WhatIfView;
  private readonly banner: HTMLElement;
  private readonly tabs: HTMLElement & { selectedIndex: number };

  constructor(root: HTMLElement) {
    this.state = loadState({ trace: isTrace, graph: isGraph, location: isStepLocation }) ?? { scenarios: [], mode: 'vxlan', currentStep: 0 };
    this.locations = new Map(this.state.locations ?? []);
    this.toolbar = new Toolbar({
      chooseScenario: (name) => { if (name && name !== this.state.scenario) { this.state.scenario = name; this.persist(); post({ type: 'runScenario', scenario: name, mode: this.state.mode }); } },
      chooseMode: (mode) => this.chooseMode(mode),
      reset: () => { this.stop(); this.select(0); },
      back: () => { this.stop(); this.select(this.state.currentStep - 1); },
      forward: () => { this.stop(); this.select(this.state.currentStep + 1); },
      togglePlay: () => (this.playTimer ? this.stop() : this.play()),
      setBreakpoint: (fn) => { this.state.breakpoint = fn; this.persist(); this.renderSteps(); this.renderToolbar(); },
      runToBreakpoint: () => this.runToBreakpoint(),
    });
    this.stepsView = new StepsView({ select: (i) => { this.stop(); this.select(i); }, reveal: (i) => this.reveal(i) });
    this.notesView = new NotesView({
      save: (target, text, tag, id) => post({ type: 'setNote', target, text, ...(tag ? { tag } : {}), ...(id ? { id } : {}) }),
      remove: (id) => post({ type: 'deleteNote', id }),
    });
    this.graphView = new GraphView({
      revealProgram: (n) => post({ type: 'revealProgram', name: n.name, file: n.program?.file, line: n.program?.line }),
      selectNotes: (target) => this.notesView.select(target),
    });
    this.whatIf = new WhatIfView({
      apply: (text) => { this.traceError = undefined; this.whatIf.showError(undefined); post({ type: 'runScenarioText', text, mode: this.state.mode }); },
      draftChanged: (text) => { this.state.draft = text === (this.state.scenarioText ?? '') ? undefined : text; this.persist(); },
    });
    this.banner = h('div', { class: 'banner', attrs: { id: 'banner', role: 'status' } });
    this.banner.hidden = true;
    // vscode-tabs assigns its own ids to headers and panels, so they are found by data-pane.
    const tabHeader = (pane: PaneName, iconName: string, label: string) => h('vscode-tab-header', { attrs: { slot: 'header', 'data-pane': pane } }, icon(iconName), ` ${label}`);
    this.tabs = h('vscode-tabs', {
      attrs: { id: 'tabs', panel: true },
      on: { 'vsc-tabs-select': (e) => { this.state.pane = PANES[e.detail.selectedIndex] ?? 'inspector'; this.persist(); } },
    },
      tabHeader('inspector', 'inspect', 'Packet'), h('vscode-tab-panel', {}, this.inspector.element),
      tabHeader('graph', 'type-hierarchy', 'Tail calls'), h('vscode-tab-panel', {}, this.graphView.element, this.notesView.element),
      tabHeader('whatif', 'edit', 'What-if'), h('vscode-tab-panel', {}, this.whatIf.element)) as HTMLElement & { selectedIndex: number };
    root.append(this.toolbar.element, this.banner,
      h('main', { class: 'layout' }, this.stepsView.element,
        h('div', { class: 'right' }, this.topology.element, h('section', { class: 'pane detail-pane', attrs: { 'aria-label': 'Details' } }, this.tabs))));
    root.setAttribute('aria-busy', 'false');
    this.renderAll();
    window.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data));
    post({ type: 'ready' });
  }

  private onMessage(data: unknown): void {
    if (!isHostMessage(data)) {
      // Say what was wrong with a trace or graph rather than dropping it silently.
      const d = data as { type?: unknown; trace?: unknown; graph?: unknown } | null;
      if (d?.type === 'trace') this.showBanner('error', `Received a malformed trace: ${traceProblem(d.trace) ?? 'bad message fields'}`);
      else if (d?.type === 'graph') this.showBanner('error', `Received a malformed graph: ${graphProblem(d.graph) ?? 'bad message fields'}`);
      return;
    }
    this.handle(data);
  }

  private handle(m: HostMessage): void {
    switch (m.type) {
      case 'init': {
        const restoredTrace = this.state.trace;
        Object.assign(this.state, m.state);
        if (!m.state.trace && restoredTrace) this.state.trace = restoredTrace;
        if (m.state.trace) {
          // A new trace from the host replaces what was restored: its locations, step and draft are stale.
          this.locations.clear();
          this.state.currentStep = m.state.currentStep ?? 0;
          if (m.state.scenarioText !== undefined) this.state.draft = undefined;
        } else if (m.state.currentStep !== undefined) this.state.currentStep = m.state.currentStep;
        this.renderAll();
        if (!this.state.trace) {
          const scenario = this.state.scenario ?? this.state.scenarios[0]?.name;
          if (scenario) { this.state.scenario = scenario; post({ type: 'runScenario', scenario, mode: this.state.mode }); }
        } else if (!this.state.graph) this.requestGraph();
        break;
      }
      case 'trace':
        this.stop();
        Object.assign(this.state, { trace: m.trace, scenario: m.scenario, mode: m.mode, draft: m.scenarioText !== undefined ? undefined : this.state.draft });
        if (m.scenarioText !== undefined) this.state.scenarioText = m.scenarioText;
        this.locations.clear();
        this.traceError = undefined;
        this.state.currentStep = 0;
        this.steps = flattenSteps(m.trace);
        this.state.currentStep = this.clamp(m.startStep ?? 0);
        this.hideBanner();
        this.renderAll();
        if (!this.state.graph) this.requestGraph();
        post({ type: 'stepChanged', stepIndex: this.state.currentStep });
        break;
      case 'traceError':
        this.traceError = m;
        this.whatIf.showError(m);
        this.showBanner('error', `Scenario error${m.line !== undefined ? ` at line ${m.line}${m.column !== undefined ? `, column ${m.column}` : ''}` : ''}: ${withoutPositionPrefix(m)}`);
        break;
      case 'mode':
        this.state.mode = m.mode;
        this.renderToolbar();
        this.renderTopology();
        break;
      case 'graph':
        this.state.graph = m.graph;
        void this.graphView.render(this.state.trace, m.graph, this.currentProgram(), this.notes);
        break;
      case 'notes':
        this.notes = m.notes;
        this.notesView.setNotes(m.notes);
        void this.graphView.render(this.state.trace, this.state.graph, this.currentProgram(), this.notes);
        return;
      case 'stepLocation':
        this.locations.set(m.stepIndex, m.location);
        this.renderSteps();
        if (m.stepIndex === this.state.currentStep) this.renderInspector();
        break;
      case 'gotoStep':
        this.stop();
        this.select(m.stepIndex);
        break;
      case 'notice':
        this.showBanner(m.level, m.message);
        return;
    }
    this.persist();
  }

  private requestGraph(): void {
    if (this.graphRequested) return;
    this.graphRequested = true;
    post({ type: 'requestGraph' });
  }

  private chooseMode(mode: ModeName): void {
    if (mode === this.state.mode) return;
    this.state.mode = mode;
    this.persist();
    post({ type: 'setMode', mode });
    if (this.state.scenario) post({ type: 'runScenario', scenario: this.state.scenario, mode });
  }

  private clamp(i: number): number {
    return Math.max(0, Math.min(this.steps.length - 1, i));
  }

  private select(index: number): void {
    const i = this.clamp(index);
    if (!this.steps.length) return;
    const changed = i !== this.state.currentStep;
    this.state.currentStep = i;
    this.stepsView.setCurrent(i);
    this.renderInspector();
    this.renderTopology();
    this.renderToolbar();
    this.graphView.markCurrent(this.currentProgram());
    this.persist();
    if (changed) post({ type: 'stepChanged', stepIndex: i });
  }

  private reveal(index: number): void {
    const flat = this.steps[index];
    if (!flat) return;
    const a = flat.step.source;
    post({ type: 'revealStep', stepIndex: index, function: a.function, aliases: a.aliases, call: a.call, callAliases: a.callAliases, fileHint: a.fileHint });
  }

  private play(): void {
    if (this.state.currentStep >= this.steps.length - 1) return;
    this.playTimer = setInterval(() => {
      const next = this.state.currentStep + 1;
      const bp = this.state.breakpoint;
      this.select(next);
      const hitBreakpoint = bp !== undefined && nextStepInFunction(this.steps, next - 1, bp) === next;
      if (next >= this.steps.length - 1 || hitBreakpoint) this.stop();
    }, PLAY_INTERVAL_MS);
    this.renderToolbar();
  }

  private stop(): void {
    if (!this.playTimer) return;
    clearInterval(this.playTimer);
    this.playTimer = undefined;
    this.renderToolbar();
  }

  private runToBreakpoint(): void {
    this.stop();
    const bp = this.state.breakpoint;
    if (!bp) return;
    const next = nextStepInFunction(this.steps, this.state.currentStep, bp) ?? nextStepInFunction(this.steps, -1, bp);
    if (next === undefined) this.showBanner('warning', `No step of this trace is in ${bp}.`);
    else { this.hideBanner(); this.select(next); }
  }

  /** Graph node id of the program running at the current step. */
  private currentProgram(): string | undefined {
    if (!this.state.trace) return undefined;
    return programsOnPath(this.state.trace, this.state.graph).programAtStep[this.state.currentStep];
  }

  private showBanner(level: 'info' | 'warning' | 'error', message: string): void {
    this.banner.replaceChildren(icon(level === 'info' ? 'info' : level), h('span', {}, message),
      h('vscode-button', { attrs: { icon: 'close', 'icon-only': true, secondary: true, 'aria-label': 'Dismiss', title: 'Dismiss' }, on: { click: () => this.hideBanner() } }));
    this.banner.className = `banner ${level}`;
    this.banner.hidden = false;
  }

  private hideBanner(): void {
    this.banner.hidden = true;
  }

  private persist(): void {
    saveState({ ...this.state, locations: [...this.locations] });
  }

  private renderToolbar(): void {
    this.toolbar.update({
      scenarios: this.state.scenarios, scenario: this.state.scenario, mode: this.state.mode, stepCount: this.steps.length,
      currentStep: this.state.currentStep, playing: this.playTimer !== undefined, functions: functionsOnPath(this.steps), breakpoint: this.state.breakpoint,
    });
  }

  private renderSteps(): void {
    this.stepsView.render(this.steps, this.state.currentStep, this.locations, this.state.breakpoint,
      this.state.trace ? describeDisposition(this.state.trace) : undefined, this.state.trace?.disposition.kind);
  }

  private renderInspector(): void {
    this.inspector.render(this.steps, this.state.currentStep, this.locations.get(this.state.currentStep));
  }

  private renderTopology(): void {
    this.topology.render(this.state.trace, this.state.mode, this.steps[this.state.currentStep]?.hopIndex ?? -1);
  }

  private renderAll(): void {
    this.steps = flattenSteps(this.state.trace);
    this.state.currentStep = this.clamp(this.state.currentStep);
    this.renderToolbar();
    this.renderSteps();
    this.renderInspector();
    this.renderTopology();
    this.whatIf.setText(this.state.scenarioText, this.state.draft);
    this.whatIf.showError(this.traceError);
    this.tabs.selectedIndex = Math.max(0, PANES.indexOf(this.state.pane ?? 'inspector'));
    void this.graphView.render(this.state.trace, this.state.graph, this.currentProgram(), this.notes);
  }
}

function adoptStyles(): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(styles);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

adoptStyles();
const root = document.getElementById('app');
if (root) new App(root);
