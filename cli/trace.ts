// dpnav trace --scenario <name|file> [--mode …] [--format text|json|monitor|hubble] [--no-snapshots]
import fs from 'node:fs';
import { builtinScenario, listScenarios, parseScenario, runScenario, ScenarioError, type ModeName, type Scenario } from '../simulator/src/index';
import { hubbleFlows, renderMonitor, renderText } from '../simulator/src/render/index';
import { readNotesArg, traceMarkdownText } from './export';

const MODES: ModeName[] = ['vxlan', 'geneve', 'native', 'native-host-routing'];
const FORMATS = ['text', 'json', 'monitor', 'hubble', 'markdown'] as const;

const USAGE = `usage: dpnav trace --scenario <name|file> [--mode ${MODES.join('|')}] [--format ${FORMATS.join('|')}]\n`
  + '  markdown only: [--tree BPF_DIR] (link each C function to its definition) [--notes FILE] (docs/notes.md)';

export async function run(argv: string[]): Promise<number> {
  let scenarioArg: string | undefined;
  let mode: ModeName | undefined;
  let format: (typeof FORMATS)[number] = 'text';
  let tree: string | undefined;
  let notesFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--scenario' || a === '-s') scenarioArg = value();
      else if (a === '--tree') tree = value();
      else if (a === '--notes') notesFile = value();
      else if (a === '--mode') {
        const v = value();
        if (!MODES.includes(v as ModeName)) throw new UsageError(`--mode: expected one of ${MODES.join(', ')}, got '${v}'`);
        mode = v as ModeName;
      } else if (a === '--format') {
        const v = value();
        if (!(FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${v}'`);
        format = v as (typeof FORMATS)[number];
      } else if (a === '-h' || a === '--help') { console.log(USAGE); return 0; }
      else throw new UsageError(`unknown option '${a}'`);
    } catch (e) {
      if (e instanceof UsageError) { console.error(`dpnav trace: ${e.message}\n${USAGE}`); return 2; }
      throw e;
    }
  }
  if (!scenarioArg) { console.error(`dpnav trace: --scenario is required\n${USAGE}`); return 2; }
  if ((tree !== undefined || notesFile !== undefined) && format !== 'markdown') { console.error(`dpnav trace: --tree and --notes go with --format markdown\n${USAGE}`); return 2; }
  const notes = notesFile !== undefined ? readNotesArg(notesFile) : [];
  if (typeof notes === 'string') { console.error(`dpnav trace: ${notes}`); return 2; }
  let scenario: Scenario | undefined = builtinScenario(scenarioArg);
  if (!scenario) {
    if (!fs.existsSync(scenarioArg)) {
      console.error(`dpnav trace: '${scenarioArg}' is neither a built-in scenario (${listScenarios().map((s) => s.name).join(', ')}) nor a file`);
      return 2;
    }
    try {
      scenario = parseScenario(fs.readFileSync(scenarioArg, 'utf8'), scenarioArg);
    } catch (e) {
      if (e instanceof ScenarioError) { console.error(`dpnav trace: ${e.message}`); return 2; }
      throw e;
    }
  }
  let trace;
  try {
    trace = runScenario(scenario, { mode, snapshots: true });
  } catch (e) {
    console.error(`dpnav trace: ${scenarioArg}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  switch (format) {
    case 'text': process.stdout.write(renderText(trace)); break;
    case 'json': process.stdout.write(JSON.stringify(trace, null, 2) + '\n'); break;
    case 'monitor': process.stdout.write(renderMonitor(trace)); break;
    case 'hubble': for (const f of hubbleFlows(trace)) process.stdout.write(JSON.stringify({ flow: f }) + '\n'); break;
    case 'markdown':
      try {
        process.stdout.write(await traceMarkdownText(trace, { tree, notes }));
      } catch (e) {
        console.error(`dpnav trace: ${tree}: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
      }
      break;
  }
  // A scenario whose expectations fail is a failed run.
  return trace.expectations?.some((e) => !e.ok) ? 1 : 0;
}

class UsageError extends Error {}
