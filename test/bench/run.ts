// `npm run bench`: runs every benchmark script in this folder, one process each so their memory
// figures do not mix. Extra arguments (e.g. a Cilium bpf/ path) are passed to every benchmark.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = __dirname;
const benches = fs.readdirSync(here).filter((f) => f.endsWith('-bench.ts')).sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, b), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.log(`${b} exited with ${r.status}`); }
}
process.exit(failed ? 1 : 0);
