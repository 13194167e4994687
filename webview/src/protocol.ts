// The one message protocol between the extension (host) and the webview. Every message is a
// discriminated union member; both sides validate what they receive (isWebviewMessage on the host,
// isHostMessage in the webview) and ignore anything else. The host owns the simulator run and the
// language server; the webview renders and asks.
import type { Trace } from '../../simulator/src/trace';
import type { Graph } from '../../language-server/src/core/graph-schema';
import { isGraph, isTrace } from './validate';

export type ModeName = 'vxlan' | 'geneve' | 'native' | 'native-host-routing';
export const MODE_NAMES: readonly ModeName[] = ['vxlan', 'geneve', 'native', 'native-host-routing'];

export interface ScenarioSummary {
  name: string;
  title: string;
  description?: string;
  kind: 'path' | 'program';
}

/** Where a step's C code was found in the user's tree (or why not). */
export type StepLocation =
  | { found: true; file: string; line: number; function: string; matchedName: string; callLine?: number }
  | { found: false; reason: string };

/** Everything the webview shows; also what it persists with setState so a hidden/reloaded panel comes back. */
export interface ViewState {
  scenarios: ScenarioSummary[];
  scenario?: string;
  mode: ModeName;
  trace?: Trace;
  /** Scenario source (JSON text) for the what-if editor. */
  scenarioText?: string;
  currentStep: number;
  /** Run-to-function breakpoint, a C function name. */
  breakpoint?: string;
  graph?: Graph;
}

/** A datapath note as the webview shows it (docs/notes.md): its text is untrusted and only ever set as textContent. */
export type NoteTargetMessage =
  | { kind: 'node'; function: string; file: string }
  | { kind: 'edge'; caller: string; callee: string; slot?: string; object?: string };
export interface WebviewNote { id: string; target: NoteTargetMessage; text: string; tag?: string; color?: string; orphaned?: boolean }

// Host → webview
export type HostMessage =
  | { type: 'init'; state: Partial<ViewState> & { scenarios: ScenarioSummary[]; mode: ModeName } }
  | { type: 'trace'; scenario: string; mode: ModeName; trace: Trace; scenarioText?: string; startStep?: number }
  | { type: 'traceError'; message: string; file?: string; line?: number; column?: number; fieldPath?: string }
  | { type: 'mode'; mode: ModeName }
  | { type: 'graph'; graph: Graph }
  | { type: 'stepLocation'; stepIndex: number; location: StepLocation }
  | { type: 'gotoStep'; stepIndex: number }
  /** A one-line message for the user shown above the panes (e.g. "no scenario passes through X; nearest: Y"). */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  /** Every note of the workspace, after each change (another window, a git pull, an edit here). */
  | { type: 'notes'; notes: WebviewNote[] };

// Webview → host
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'runScenario'; scenario: string; mode: ModeName }
  /** What-if: re-run with edited scenario text (JSON). */
  | { type: 'runScenarioText'; text: string; mode: ModeName }
  | { type: 'setMode'; mode: ModeName }
  /** Reveal the C source of a step: function (with aliases) and the anchored call inside it. */
  | { type: 'revealStep'; stepIndex: number; function: string; aliases?: string[]; call?: string; callAliases?: string[]; fileHint?: string }
  /** Reveal a program from the graph. */
  | { type: 'revealProgram'; name: string; file?: string; line?: number }
  | { type: 'requestGraph' }
  | { type: 'stepChanged'; stepIndex: number }
  /** Create (no id) or edit a note from the graph. */
  | { type: 'setNote'; id?: string; target: NoteTargetMessage; text: string; tag?: string }
  /** Delete a note (the host asks the user to confirm). */
  | { type: 'deleteNote'; id: string };

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length < 10_000;
const isOptStr = (v: unknown) => v === undefined || isStr(v);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1_000_000;
const isOptIndex = (v: unknown) => v === undefined || isIndex(v);
const isStrList = (v: unknown) => v === undefined || (Array.isArray(v) && v.length < 100 && v.every(isStr));
const isMode = (v: unknown): v is ModeName => MODE_NAMES.includes(v as ModeName);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a message coming from the webview: untrusted input, checked field by field. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!isObj(m)) return false;
  const o = m;
  switch (o.type) {
    case 'ready':
    case 'requestGraph':
      return true;
    case 'runScenario':
      return isStr(o.scenario) && isMode(o.mode);
    case 'runScenarioText':
      return typeof o.text === 'string' && o.text.length < 5_000_000 && isMode(o.mode);
    case 'setMode':
      return isMode(o.mode);
    case 'revealStep':
      return isIndex(o.stepIndex) && isStr(o.function) && isStrList(o.aliases) && isOptStr(o.call) &&
        isStrList(o.callAliases) && isOptStr(o.fileHint);
    case 'revealProgram':
      return isStr(o.name) && isOptStr(o.file) && isOptIndex(o.line);
    case 'stepChanged':
      return isIndex(o.stepIndex);
    case 'setNote':
      return isOptShort(o.id) && isNoteTarget(o.target) && typeof o.text === 'string' && o.text.trim().length > 0 && o.text.length <= 20_000
        && (o.tag === undefined || (typeof o.tag === 'string' && o.tag.length <= 64));
    case 'deleteNote':
      return isShort(o.id);
    default:
      return false;
  }
}

const isShort = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 512;
const isOptShort = (v: unknown) => v === undefined || isShort(v);
const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export function isNoteTarget(v: unknown): v is NoteTargetMessage {
  if (!isObj(v)) return false;
  if (v.kind === 'node') return isShort(v.function) && isShort(v.file);
  return v.kind === 'edge' && isShort(v.caller) && isShort(v.callee) && isOptShort(v.slot) && isOptShort(v.object);
}

export function isWebviewNote(v: unknown): v is WebviewNote {
  return isObj(v) && isShort(v.id) && isNoteTarget(v.target) && typeof v.text === 'string' && v.text.length <= 20_000
    && (v.tag === undefined || (typeof v.tag === 'string' && v.tag.length <= 64))
    && (v.color === undefined || (typeof v.color === 'string' && COLOR.test(v.color)))
    && (v.orphaned === undefined || typeof v.orphaned === 'boolean');
}

function isScenarioSummary(v: unknown): v is ScenarioSummary {
  return isObj(v) && isStr(v.name) && isStr(v.title) && isOptStr(v.description) && (v.kind === 'path' || v.kind === 'program');
}

export function isStepLocation(v: unknown): v is StepLocation {
  if (!isObj(v)) return false;
  if (v.found === false) return isStr(v.reason);
  return v.found === true && isStr(v.file) && isIndex(v.line) && isStr(v.function) && isStr(v.matchedName) && isOptIndex(v.callLine);
}

/** Validates a message coming from the host before the webview acts on it (the trace and graph included). */
export function isHostMessage(m: unknown): m is HostMessage {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'init': {
      const s = m.state;
      return isObj(s) && Array.isArray(s.scenarios) && s.scenarios.every(isScenarioSummary) && isMode(s.mode) &&
        isOptStr(s.scenario) && (s.trace === undefined || isTrace(s.trace)) && (s.graph === undefined || isGraph(s.graph)) &&
        (s.scenarioText === undefined || typeof s.scenarioText === 'string') && isOptIndex(s.currentStep) && isOptStr(s.breakpoint);
    }
    case 'trace':
      return isStr(m.scenario) && isMode(m.mode) && isTrace(m.trace) &&
        (m.scenarioText === undefined || typeof m.scenarioText === 'string') && isOptIndex(m.startStep);
    case 'traceError':
      return isStr(m.message) && isOptStr(m.file) && isOptIndex(m.line) && isOptIndex(m.column) && isOptStr(m.fieldPath);
    case 'mode':
      return isMode(m.mode);
    case 'graph':
      return isGraph(m.graph);
    case 'stepLocation':
      return isIndex(m.stepIndex) && isStepLocation(m.location);
    case 'gotoStep':
      return isIndex(m.stepIndex);
    case 'notice':
      return (m.level === 'info' || m.level === 'warning' || m.level === 'error') && isStr(m.message);
    case 'notes':
      return Array.isArray(m.notes) && m.notes.length <= 10_000 && m.notes.every(isWebviewNote);
    default:
      return false;
  }
}
