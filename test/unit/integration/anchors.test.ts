// Every simulator step must land on real code in the bundled sample tree: the extension maps a step's
// source anchor (function + the call inside it, each by name or alias) to a line through the analysis
// core, so a name the sample lacks is a step the editor cannot show. Runs every built-in scenario in
// every mode through the simulator and looks each anchor up in the core's index of sample/bpf.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatapathIndex } from '../../../language-server/src/core/index';
import { builtinScenario, listScenarios, modelledFunctions, runScenario, type ModeName, type SourceAnchor } from '../../../simulator/src/index';

const SAMPLE = path.join(__dirname, '..', '..', '..', 'sample', 'bpf');
const MODES: ModeName[] = ['native', 'vxlan', 'native-host-routing', 'geneve'];

let index: DatapathIndex;
before(async () => { index = await DatapathIndex.open(SAMPLE, { cacheDir: false, workers: false, searchDepth: 0 }); });

/** The names among `names` that the sample defines as functions (in `file` when given). */
function definedNames(names: string[], file?: string): string[] {
  return names.filter((n) => index.functions(n).some((d) => !file || d.file === file));
}

/**
 * Whether one of `calls` is called inside one of `functions`. A site matches on its callee or on the
 * name written at it (`via`): a macro such as lookup_ip4_remote_endpoint expands to another callee,
 * and a tail call through tail_call_internal has the target program as its callee.
 */
function callsInside(functions: string[], calls: string[]): boolean {
  return functions.some((fn) => index.callSites(fn).some((site) => calls.includes(site.callee) || (site.via !== undefined && calls.includes(site.via))));
}

function describe(a: SourceAnchor): string {
  const fn = [a.function, ...(a.aliases ?? [])].join('|');
  return a.call ? `${fn} → ${[a.call, ...(a.callAliases ?? [])].join('|')}` : fn;
}

test('every step of every built-in scenario, in every mode, anchors to a function and a call in the sample', () => {
  const problems = new Set<string>();
  let checked = 0;
  for (const summary of listScenarios()) {
    const scenario = builtinScenario(summary.name)!;
    for (const mode of MODES) {
      const trace = runScenario(scenario, { mode, snapshots: false });
      for (const hop of trace.hops) for (const step of hop.steps) {
        if (step.kernel) continue;
        checked++;
        const where = `${summary.name} (${mode}) step ${step.index}: ${describe(step.source)}`;
        const names = [step.source.function, ...(step.source.aliases ?? [])];
        const defined = definedNames(names);
        if (!defined.length) { problems.add(`${where}: no such function in sample/bpf`); continue; }
        if (step.source.fileHint && !definedNames(names, step.source.fileHint).length) {
          problems.add(`${where}: not defined in ${step.source.fileHint} (found in ${defined.flatMap((n) => index.functions(n).map((d) => d.file)).join(', ')})`);
        }
        if (step.source.call && !callsInside(defined, [step.source.call, ...(step.source.callAliases ?? [])])) {
          problems.add(`${where}: the call is not made inside ${defined.join('|')}`);
        }
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} program steps were checked`);
  assert.deepEqual([...problems], []);
});

test('every modelled function resolves in the sample, in its file, with each of its calls', () => {
  const functions = modelledFunctions();
  // The ones every walk-through passes through must be among them.
  for (const name of ['cil_from_container', 'handle_ipv4_from_lxc', 'ipv4_local_delivery', 'cil_lxc_policy', 'redirect_ep', 'cil_from_overlay', 'handle_ipv4_cont']) {
    assert.ok(functions.some((f) => f.name === name), `${name} is not modelled`);
  }
  const problems: string[] = [];
  for (const f of functions) {
    const names = [f.name, ...f.aliases];
    const inFile = definedNames(names, f.fileHint);
    if (!inFile.length) { problems.push(`${names.join('|')}: not defined${f.fileHint ? ` in ${f.fileHint}` : ''}`); continue; }
    for (const call of f.calls) if (!callsInside(inFile, [call])) problems.push(`${f.name}: no call to ${call} inside ${inFile.join('|')}`);
  }
  assert.deepEqual(problems, []);
});

test('the check sees a missing anchor: a name the sample lacks does not resolve', () => {
  // Guards the two tests above against passing vacuously (an empty index, a matcher that accepts anything).
  assert.ok(index.files().includes('bpf_lxc.c'));
  assert.deepEqual(definedNames(['handle_ipv4_from_lxc_v0']), []);
  assert.equal(callsInside(['handle_ipv4_from_lxc'], ['ipv4_local_delivery']), false, 'ipv4_local_delivery is called from ipv4_forward_to_destination, not handle_ipv4_from_lxc');
  assert.equal(callsInside(['ipv4_forward_to_destination'], ['ipv4_local_delivery']), true);
  assert.equal(callsInside(['handle_ipv4_from_lxc'], ['lookup_ip4_remote_endpoint']), true, 'a macro call is found by the macro name');
});
