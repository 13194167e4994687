// The top bar: scenario and mode pickers, the step controls and the run-to-function breakpoint.
import { h } from '../dom';
import { MODE_NAMES, type ModeName, type ScenarioSummary } from '../protocol';

export interface ToolbarActions {
  chooseScenario(name: string): void;
  chooseMode(mode: ModeName): void;
  reset(): void;
  back(): void;
  forward(): void;
  togglePlay(): void;
  setBreakpoint(fn: string | undefined): void;
  runToBreakpoint(): void;
}

export interface ToolbarModel {
  scenarios: ScenarioSummary[];
  scenario?: string;
  mode: ModeName;
  stepCount: number;
  currentStep: number;
  playing: boolean;
  functions: string[];
  breakpoint?: string;
}

const MODE_TITLES: Record<ModeName, string> = {
  vxlan: 'Tunnel: VXLAN',
  geneve: 'Tunnel: Geneve',
  native: 'Native routing',
  'native-host-routing': 'Native routing, BPF host routing',
};

type Select = HTMLElement & { value: string; disabled: boolean };
type Button = HTMLElement & { disabled: boolean; icon: string };

function iconButton(id: string, iconName: string, label: string, onClick: () => void): Button {
  const b = h('vscode-button', {
    attrs: { id, icon: iconName, secondary: true, 'icon-only': true, title: label, 'aria-label': label },
    on: { click: onClick },
  }) as Button;
  return b;
}

function fillOptions(select: Select, options: Array<{ value: string; label: string; description?: string }>, value: string | undefined): void {
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.replaceChildren(...options.map((o) => h('vscode-option', { attrs: { value: o.value, description: o.description } }, o.label)));
  }
  // Options are picked up on slotchange; set the value after they are in.
  queueMicrotask(() => { if (select.value !== (value ?? '')) select.value = value ?? ''; });
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly scenarioSelect: Select;
  private readonly modeSelect: Select;
  private readonly breakpointSelect: Select;
  private readonly playButton: Button;
  private readonly backButton: Button;
  private readonly forwardButton: Button;
  private readonly resetButton: Button;
  private readonly runToButton: Button;
  private readonly position: HTMLElement;

  constructor(actions: ToolbarActions) {
    this.scenarioSelect = h('vscode-single-select', {
      attrs: { id: 'scenario-select', 'aria-label': 'Scenario' },
      on: { change: () => actions.chooseScenario(this.scenarioSelect.value) },
    }) as Select;
    this.modeSelect = h('vscode-single-select', {
      attrs: { id: 'mode-select', 'aria-label': 'Datapath mode' },
      on: { change: () => MODE_NAMES.includes(this.modeSelect.value as ModeName) && actions.chooseMode(this.modeSelect.value as ModeName) },
    }) as Select;
    this.breakpointSelect = h('vscode-single-select', {
      attrs: { id: 'breakpoint-select', 'aria-label': 'Run to function (breakpoint)', combobox: true },
      on: { change: () => actions.setBreakpoint(this.breakpointSelect.value || undefined) },
    }) as Select;
    this.resetButton = iconButton('btn-reset', 'debug-restart', 'Reset to the first step', actions.reset);
    this.backButton = iconButton('btn-back', 'debug-step-back', 'Step back', actions.back);
    this.playButton = iconButton('btn-play', 'debug-start', 'Play', actions.togglePlay);
    this.forwardButton = iconButton('btn-forward', 'debug-step-over', 'Step forward', actions.forward);
    this.runToButton = iconButton('btn-run-to', 'debug-continue', 'Run to the breakpoint function', actions.runToBreakpoint);
    this.position = h('span', { class: 'step-position', attrs: { id: 'step-position', 'aria-live': 'polite' } });
    this.element = h('header', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Simulator controls' } },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Scenario'), this.scenarioSelect),
      h('label', { class: 'field field-mode' }, h('span', { class: 'field-label' }, 'Mode'), this.modeSelect),
      h('div', { class: 'controls' }, this.resetButton, this.backButton, this.playButton, this.forwardButton, this.position),
      h('label', { class: 'field field-breakpoint' }, h('span', { class: 'field-label' }, 'Run to'), this.breakpointSelect, this.runToButton),
    );
  }

  update(m: ToolbarModel): void {
    fillOptions(this.scenarioSelect, m.scenarios.map((s) => ({ value: s.name, label: s.title || s.name, description: s.description })), m.scenario);
    fillOptions(this.modeSelect, MODE_NAMES.map((mode) => ({ value: mode, label: MODE_TITLES[mode] })), m.mode);
    const fns = m.breakpoint && !m.functions.includes(m.breakpoint) ? [m.breakpoint, ...m.functions] : m.functions;
    fillOptions(this.breakpointSelect, [{ value: '', label: '(no breakpoint)' }, ...fns.map((f) => ({ value: f, label: f }))], m.breakpoint);
    const none = m.stepCount === 0;
    this.backButton.disabled = none || m.currentStep <= 0;
    this.resetButton.disabled = none || m.currentStep <= 0;
    this.forwardButton.disabled = none || m.currentStep >= m.stepCount - 1;
    this.playButton.disabled = none || (!m.playing && m.currentStep >= m.stepCount - 1);
    this.playButton.icon = m.playing ? 'debug-pause' : 'debug-start';
    const playLabel = m.playing ? 'Pause' : 'Play';
    this.playButton.setAttribute('title', playLabel);
    this.playButton.setAttribute('aria-label', playLabel);
    this.runToButton.disabled = none || !m.breakpoint;
    this.position.textContent = none ? 'no trace' : `step ${m.currentStep + 1} / ${m.stepCount}`;
  }
}
