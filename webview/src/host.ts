// The webview side of the VS Code API: post to the extension, persist state. acquireVsCodeApi may be
// called only once per page, so this module owns it.
import type { ModeName, ViewState, WebviewMessage } from './protocol';
import type { StepLocation } from './protocol';

export type PaneName = 'inspector' | 'graph' | 'whatif';

/** What is persisted with setState: the view state plus where the user was in the panel. */
export interface PersistedState extends ViewState {
  pane?: PaneName;
  /** What-if editor text not yet applied. */
  draft?: string;
  locations?: Array<[number, StepLocation]>;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = typeof acquireVsCodeApi === 'function'
  ? acquireVsCodeApi()
  : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

export function post(message: WebviewMessage): void {
  api.postMessage(message);
}

export function saveState(state: PersistedState): void {
  api.setState(state);
}

const MODES: readonly ModeName[] = ['vxlan', 'geneve', 'native', 'native-host-routing'];

/** The persisted state, if there is one that still looks like ours (an older build may have saved another shape). */
export interface StateValidators {
  trace(v: unknown): boolean;
  graph(v: unknown): boolean;
  location(v: unknown): boolean;
}

export function loadState(valid: StateValidators): PersistedState | undefined {
  const s = api.getState() as Partial<PersistedState> | undefined;
  if (!s || typeof s !== 'object' || !Array.isArray(s.scenarios) || !MODES.includes(s.mode as ModeName)) return undefined;
  return {
    scenarios: s.scenarios.filter((x) => x && typeof x.name === 'string' && typeof x.title === 'string'),
    scenario: typeof s.scenario === 'string' ? s.scenario : undefined,
    mode: s.mode as ModeName,
    trace: valid.trace(s.trace) ? s.trace : undefined,
    graph: valid.graph(s.graph) ? s.graph : undefined,
    scenarioText: typeof s.scenarioText === 'string' ? s.scenarioText : undefined,
    currentStep: Number.isInteger(s.currentStep) ? (s.currentStep as number) : 0,
    breakpoint: typeof s.breakpoint === 'string' ? s.breakpoint : undefined,
    pane: s.pane === 'inspector' || s.pane === 'graph' || s.pane === 'whatif' ? s.pane : undefined,
    draft: typeof s.draft === 'string' ? s.draft : undefined,
    locations: Array.isArray(s.locations)
      ? s.locations.filter((e): e is [number, StepLocation] => Array.isArray(e) && Number.isInteger(e[0]) && valid.location(e[1]))
      : undefined,
  };
}
