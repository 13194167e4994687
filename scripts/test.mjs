// Runs the unit/integration suites with node's test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [dir-or-file ...]   (default: test/unit)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit'];
const files = [];
const walk = (p) => {
  const st = fs.statSync(p);
  if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
  else if (/\.test\.ts$/.test(p)) files.push(p);
};
roots.forEach(walk);
if (!files.length) { console.error('no test files under', roots.join(' ')); process.exit(1); }
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit' });
process.exit(r.status ?? 1);
