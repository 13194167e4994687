// Public API of the simulator: scenarios in, Traces out. Pure TypeScript: no VS Code, LSP or DOM.
export * from './trace';
export type { ModeName, DatapathConfig } from './model';
export type { Scenario, PathScenario, ProgramScenario, Expectation } from './scenario';
export { parseScenario, ScenarioError } from './parse';
export { modelledFunctions, type ModelledFunction } from './catalog';
export { DROP, TRACE_POINTS, RESERVED_IDENTITY, dropReasonFrom } from './constants';

import { builtinScenarios } from './builtins';
import { modelledFunctions } from './catalog';
import type { ModeName } from './model';
import { preparePath, runPath, runProgram } from './run';
import type { Scenario } from './scenario';
import type { Trace } from './trace';

export interface ScenarioSummary { name: string; title: string; description?: string; kind: 'path' | 'program' }

export function listScenarios(): ScenarioSummary[] {
  return builtinScenarios().map((s) => ({ name: s.name, title: s.title, ...(s.description && { description: s.description }), kind: s.kind }));
}

export function builtinScenario(name: string): Scenario | undefined {
  return builtinScenarios().find((s) => s.name === name);
}

/**
 * Runs a scenario. `snapshots` (default true) records the packet before/after every step; `steps: false`
 * records no hops or steps at all (verdict-only: disposition, and for program runs the result) — for bulk runs.
 */
export function runScenario(s: Scenario, opts: { mode?: ModeName; snapshots?: boolean; steps?: boolean } = {}): Trace {
  const snapshots = opts.snapshots ?? true;
  const record = opts.steps ?? true;
  return s.kind === 'path' ? runPath(s, opts.mode, snapshots, record) : runProgram(s, opts.mode, snapshots, record);
}

export function scenarioToText(s: Scenario): string { return JSON.stringify(s, null, 2) + '\n'; }

const MODES: ModeName[] = ['native', 'vxlan', 'native-host-routing', 'geneve'];
let throughIndex: Map<string, Array<{ scenario: string; mode: ModeName; stepIndex: number }>> | undefined;

/** Which built-in scenarios (and modes) pass through C function `fn` (name or alias), and the first step index there. */
export function scenariosThrough(fn: string): Array<{ scenario: string; mode: ModeName; stepIndex: number }> {
  if (!throughIndex) {
    throughIndex = new Map();
    for (const s of builtinScenarios()) for (const mode of MODES) {
      const trace = runScenario(s, { mode, snapshots: false });
      const seen = new Set<string>();
      for (const hop of trace.hops) for (const step of hop.steps) {
        for (const name of [step.source.function, ...(step.source.aliases ?? [])]) {
          if (seen.has(name)) continue;
          seen.add(name);
          const list = throughIndex.get(name) ?? [];
          list.push({ scenario: s.name, mode, stepIndex: step.index });
          throughIndex.set(name, list);
        }
      }
    }
  }
  return [...(throughIndex.get(fn) ?? [])];
}

/**
 * For many packets through one path scenario: the world is built once and each call sends one packet
 * (conntrack entries and metrics carry over, so later packets see CT_ESTABLISHED as on a real node).
 */
export function prepareScenario(s: Scenario & { kind: 'path' }, opts: { mode?: ModeName } = {}): { run(opts?: { snapshots?: boolean; steps?: boolean }): Trace } {
  const prepared = preparePath(s, opts.mode);
  return { run: (o = {}) => prepared.run(o.snapshots ?? true, o.steps ?? true) };
}
