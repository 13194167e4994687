// dpnav scenarios: the built-in scenarios, one per line.
import { listScenarios } from '../simulator/src/index';

export async function run(argv: string[]): Promise<number> {
  if (argv.length && argv[0] !== '--json') { console.error(`dpnav scenarios: unknown option '${argv[0]}'\nusage: dpnav scenarios [--json]`); return 2; }
  const list = listScenarios();
  if (argv[0] === '--json') { console.log(JSON.stringify(list, null, 2)); return 0; }
  const width = Math.max(...list.map((s) => s.name.length));
  for (const s of list) console.log(`${s.name.padEnd(width)}  ${s.kind.padEnd(7)}  ${s.title}`);
  return 0;
}
