// Read-only helpers over a Trace: the flat step list the views navigate, and breakpoint matching.
import type { Hop, Step, Trace } from '../../simulator/src/trace';

export interface FlatStep {
  step: Step;
  hop: Hop;
  hopIndex: number;
}

export function flattenSteps(trace: Trace | undefined): FlatStep[] {
  const out: FlatStep[] = [];
  trace?.hops.forEach((hop, hopIndex) => hop.steps.forEach((step) => out.push({ step, hop, hopIndex })));
  return out;
}

/** True when the step models `fn` under its current name or one of its older names. */
export function stepMatchesFunction(step: Step, fn: string): boolean {
  const a = step.source;
  return a.function === fn || (a.aliases ?? []).includes(fn) || a.call === fn || (a.callAliases ?? []).includes(fn);
}

/** The first step after `from` that models `fn`, or undefined. */
export function nextStepInFunction(steps: FlatStep[], from: number, fn: string): number | undefined {
  for (let i = from + 1; i < steps.length; i++) if (stepMatchesFunction(steps[i].step, fn)) return i;
  return undefined;
}

/** The C functions the trace passes through, in first-seen order (the breakpoint choices). */
export function functionsOnPath(steps: FlatStep[]): string[] {
  const seen = new Set<string>();
  for (const { step } of steps) if (!step.kernel) seen.add(step.source.function);
  return [...seen];
}

/** Programs the packet ran, in order, with repeats collapsed: hop programs and tail-call targets. */
export function programsOnPath(trace: Trace | undefined): string[] {
  const out: string[] = [];
  const push = (name: string | undefined) => { if (name && out[out.length - 1] !== name) out.push(name); };
  for (const hop of trace?.hops ?? []) {
    push(hop.program);
    for (const s of hop.steps) if (s.kind === 'tail-call' || (s.kind === 'program' && !s.kernel)) push(s.source.function);
  }
  return out;
}

export function describeDisposition(trace: Trace): string {
  const d = trace.disposition;
  switch (d.kind) {
    case 'delivered': return `delivered to ${d.to} ${d.target} on ${d.node}`;
    case 'sent-to-world': return `sent to the world via ${d.device} on ${d.node}`;
    case 'dropped': return `dropped on ${d.node}: ${d.reason.name} (${d.reason.code}) in ${d.at.function}`;
    case 'replied': return `answered for ${d.target} on ${d.node}`;
    case 'returned': return `returned ${d.returnCode.name} (${d.returnCode.value})`;
  }
}
