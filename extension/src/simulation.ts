// The extension's one doorway into the simulator (pure TypeScript, runs in the extension host): listing
// scenarios, running them, and knowing which C functions the model covers. Errors come back as values
// carrying file and position, so the panel can show them in the what-if editor.
import type { Trace } from '../../simulator/src/trace';
import type { ModeName, ScenarioSummary } from '../../webview/src/protocol';

type SimulatorModule = typeof import('../../simulator/src/index');
let simulatorModule: SimulatorModule | undefined;

/** The simulator, loaded on first use: evaluating the model and its YAML parser takes ~90 ms, which
 *  activation should not pay (esbuild keeps a require()d module lazy inside the bundle). */
function sim(): SimulatorModule {
  simulatorModule ??= require('../../simulator/src/index') as SimulatorModule;
  return simulatorModule;
}

export const MODES: readonly ModeName[] = ['vxlan', 'geneve', 'native', 'native-host-routing'];

export const MODE_DESCRIPTIONS: Record<ModeName, string> = {
  vxlan: 'VXLAN tunnel between nodes',
  geneve: 'Geneve tunnel between nodes',
  native: 'native routing (no tunnel)',
  'native-host-routing': 'native routing with BPF host routing',
};

export function isModeName(value: unknown): value is ModeName {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

export type RunResult =
  | { ok: true; scenario: string; trace: Trace; scenarioText: string }
  | { ok: false; message: string; file?: string; line?: number; column?: number; fieldPath?: string };

export function scenarioSummaries(): ScenarioSummary[] {
  return sim().listScenarios().map((s) => ({ name: s.name, title: s.title, description: s.description, kind: s.kind }));
}

export function runBuiltin(name: string, mode: ModeName): RunResult {
  try {
    const scenario = sim().builtinScenario(name);
    if (!scenario) return { ok: false, message: `no built-in scenario named "${name}"` };
    return { ok: true, scenario: name, trace: sim().runScenario(scenario, { mode }), scenarioText: sim().scenarioToText(scenario) };
  } catch (err) {
    return failure(err);
  }
}

/** The what-if editor's text: parsed as a scenario file named `fileLabel`, then run. */
export function runText(text: string, mode: ModeName, fileLabel: string): RunResult {
  try {
    const scenario = sim().parseScenario(text, fileLabel);
    return { ok: true, scenario: scenario.name, trace: sim().runScenario(scenario, { mode }), scenarioText: text };
  } catch (err) {
    return failure(err);
  }
}

export interface ModelledFunction {
  name: string;
  aliases: string[];
  fileHint?: string;
  calls: string[];
}

let modelledCache: ModelledFunction[] | undefined;

export function modelledFunctions(): ModelledFunction[] {
  if (!modelledCache) modelledCache = sim().modelledFunctions().map((f) => ({ name: f.name, aliases: f.aliases ?? [], fileHint: f.fileHint, calls: f.calls ?? [] }));
  return modelledCache;
}

/** Every C name (current or older) the model covers, mapped to the model's current name. */
export function modelledNameIndex(): Map<string, string> {
  const index = new Map<string, string>();
  for (const f of modelledFunctions()) {
    index.set(f.name, f.name);
    for (const alias of f.aliases) if (!index.has(alias)) index.set(alias, f.name);
  }
  return index;
}

export interface ScenarioHit {
  scenario: string;
  mode: ModeName;
  stepIndex: number;
}

/** Scenarios (in any mode) whose trace passes through `fn` (current name or alias), with the first step there. */
export function scenariosThrough(fn: string): ScenarioHit[] {
  const name = modelledNameIndex().get(fn) ?? fn;
  return sim().scenariosThrough(name).filter((h) => isModeName(h.mode)).map((h) => ({ scenario: h.scenario, mode: h.mode as ModeName, stepIndex: h.stepIndex }));
}

/**
 * One hit per scenario, preferring the active mode (a scenario usually runs in several modes), ordered
 * with active-mode hits first.
 */
export function pickHitsPerScenario(hits: ScenarioHit[], activeMode: ModeName): ScenarioHit[] {
  const perScenario = new Map<string, ScenarioHit>();
  for (const hit of hits) {
    const kept = perScenario.get(hit.scenario);
    if (!kept || (kept.mode !== activeMode && hit.mode === activeMode)) perScenario.set(hit.scenario, hit);
  }
  // First the scenarios written for the active mode (a "native routing" walk-through shown in VXLAN mode
  // reads as a contradiction), then any other scenario that runs in the active mode.
  const rank = (hit: ScenarioHit) =>
    Number(hit.mode === activeMode) * 2 + Number(sim().builtinScenario(hit.scenario)?.mode === activeMode);
  return [...perScenario.values()].sort((a, b) => rank(b) - rank(a));
}

function failure(err: unknown): RunResult {
  if (err instanceof Error) {
    const e = err as Error & { file?: unknown; line?: unknown; column?: unknown; fieldPath?: unknown; path?: unknown };
    return {
      ok: false,
      message: err.message,
      file: typeof e.file === 'string' ? e.file : undefined,
      line: typeof e.line === 'number' ? e.line : undefined,
      column: typeof e.column === 'number' ? e.column : undefined,
      fieldPath: typeof e.fieldPath === 'string' ? e.fieldPath : typeof e.path === 'string' ? e.path : undefined,
    };
  }
  return { ok: false, message: String(err) };
}
