// Simulator benchmark: ≥100k packets headless (no snapshots) per cross-node scenario → packets/s, and
// the time of one full trace with snapshots. Each figure is printed with a ratio against a reference
// measured in the same run: a plain loop doing the same map lookups (ipcache LPM, endpoint map,
// policy map) on plain JavaScript structures, so machines of different speed compare. On a shared machine
// every figure is the best of ROUNDS rounds (the round least disturbed by neighbours), and the load average
// is printed beside them.
// Usage: npx tsx test/bench/simulator-bench.ts [packets]   (also run by `npm run bench`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';

// Measure the simulator as it ships (one esbuild bundle, as in dist/cli.js), not through the tsx
// loader, whose per-module export getters would dominate the figures.
const bundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-sim-bench-')), 'simulator.cjs');
buildSync({ entryPoints: [path.join(__dirname, '../../simulator/src/index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { builtinScenario, prepareScenario, runScenario } = require(bundle) as typeof import('../../simulator/src/index');

// `npm run bench` passes its extra arguments (e.g. a bpf/ path) to every benchmark: only a number counts here.
const countArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
const PACKETS = Math.max(100_000, Number(countArg ?? 100_000));
const ROUNDS = 3;
const CROSS_NODE = [['pod-to-pod-native', 'native'], ['pod-to-pod-vxlan', 'vxlan'], ['pod-to-pod-native-host-routing', 'native-host-routing']] as const;

/** The best (highest) rate of ROUNDS measurements. */
function best(measure: () => number): number { let top = 0; for (let r = 0; r < ROUNDS; r++) top = Math.max(top, measure()); return top; }

function referenceLoop(n: number): number {
  // The lookups one cross-node packet makes: ~4 ipcache LPM lookups, 2 endpoint lookups, 2 policy lookups.
  // Keys vary with the packet number so the JIT cannot hoist the lookups out of the loop.
  const ipcache = [{ base: 0x0a000105, len: 32, id: 257 }, { base: 0x0a000005, len: 32, id: 256 }, { base: 0xc0a83802, len: 32, id: 1 }, { base: 0, len: 0, id: 2 }];
  const addresses = [0x0a000106, 0x0a000005, 0xc0a83802, 0x08080808];
  const endpoints = new Map([['10.0.1.6', { ifindex: 12 }], ['10.0.0.5', { ifindex: 11 }]]);
  const endpointKeys = ['10.0.1.6', '10.0.0.9', '10.0.0.5', '10.0.1.7'];
  const policy = [{ id: 0, proto: 0, port: 0 }, { id: 257, proto: 6, port: 80 }];
  let acc = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 4; k++) {
      const ip = addresses[(i + k) & 3];
      for (const e of ipcache) { const mask = e.len === 0 ? 0 : (~((1 << (32 - e.len)) - 1)) >>> 0; if (((ip & mask) >>> 0) === e.base || e.len === 0) { acc += e.id; break; } }
    }
    acc += (endpoints.get(endpointKeys[i & 3])?.ifindex ?? 0) + (endpoints.get(endpointKeys[(i + 1) & 3])?.ifindex ?? 0);
    for (let k = 0; k < 2; k++) for (const p of policy) if (p.id === ((i + k) & 1) * 257) acc += p.port;
  }
  const secs = cpuSeconds(start);
  if (acc === 42) console.log('');
  return n / secs;
}

/** CPU seconds of this process since `since` (user + system): on a shared machine, wall time mostly measures the neighbours. */
function cpuSeconds(since: NodeJS.CpuUsage): number { const u = process.cpuUsage(since); return (u.user + u.system) / 1e6; }

/** Packets per CPU-second through a prepared world; `steps` false = verdict only, true = every step recorded (no snapshots). */
function pps(name: string, mode: (typeof CROSS_NODE)[number][1], n: number, steps: boolean): number {
  const s = builtinScenario(name)!;
  if (s.kind !== 'path') throw new Error(`${name} is not a path scenario`);
  const sim = prepareScenario(s, { mode });
  const expected = sim.run({ snapshots: false, steps }).disposition.kind;
  for (let i = 0; i < 2000; i++) sim.run({ snapshots: false, steps });
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) if (sim.run({ snapshots: false, steps }).disposition.kind !== expected) throw new Error(`${name}: disposition changed`);
  return n / cpuSeconds(start);
}

function fullTraceMs(name: string): number {
  const s = builtinScenario(name)!;
  for (let i = 0; i < 500; i++) runScenario(s, { snapshots: true });
  const runs = 2000;
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) runScenario(s, { snapshots: true });
  return (cpuSeconds(start) * 1000) / runs;
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const ref = best(() => referenceLoop(PACKETS));
console.log(`simulator bench: ${PACKETS} packets per scenario, headless, rates per CPU-second of this process, best of ${ROUNDS}; load average ${load()} on ${os.cpus().length} cores`);
console.log(`  reference loop (same map lookups, plain JS): ${Math.round(ref).toLocaleString()} packets/s`);
// Verdict-only first for every scenario, then with steps: the headless path is what bulk users run.
for (const [name, mode] of CROSS_NODE) {
  const r = best(() => pps(name, mode, PACKETS, false));
  console.log(`  ${name.padEnd(32)} verdict only ${Math.round(r).toLocaleString().padStart(10)} packets/s   ratio to reference ${(r / ref).toFixed(3)}   target 500k: ${r >= 500_000 ? 'met' : 'NOT met'}`);
}
for (const [name, mode] of CROSS_NODE) {
  const withSteps = best(() => pps(name, mode, Math.round(PACKETS / 5), true));
  console.log(`  ${name.padEnd(32)} with steps   ${Math.round(withSteps).toLocaleString().padStart(10)} packets/s   ratio to reference ${(withSteps / ref).toFixed(3)}`);
}
const refPerPacketMs = 1000 / ref;
for (const name of ['pod-to-pod-vxlan', 'pod-to-pod-native']) {
  const ms = 1 / best(() => 1 / fullTraceMs(name));
  console.log(`  full trace with snapshots, ${name.padEnd(20)} ${ms.toFixed(4)} ms   ratio to one reference packet ${(ms / refPerPacketMs).toFixed(1)}   target <1 ms: ${ms < 1 ? 'met' : 'NOT met'}`);
}

console.log(`  load average at the end: ${load()}`);
fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
