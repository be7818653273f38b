/* eslint-disable no-console -- a benchmark script: printing its figures is its job */
/**
 * Peer benchmark (not a test): our planner against EMHASS (PyPI `emhass`, pinned below, in a venv this script makes
 * under $CR_CACHE) on the same generated peer-class instances (bench.ts `peerInstance`: 96 × 15 min, five
 * constant-power cycles with 8 h windows, an interruptible EV whose window is its full-power time + 8 h, 5 kW fuse,
 * real NESO intensity and REFIT base load, seeded), interleaved one instance at a time, both single-threaded at the
 * same MIP gap, timing only the optimisation call (ours: `solveHome`; EMHASS: `perform_optimization`). One
 * evaluator, independent of both (`evaluate` below), checks each plan (each cycle one contiguous run at its power
 * inside its window, the EV's energy, power and window, the fuse) and computes its kg CO2 from the intensity.
 *
 *   npx tsx libs/optimizer/bench/peer.ts [--instances 200] [--seed 1] [--gap 1e-4] [--time-limit 10]
 *       [--solver auto|native|wasm]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { mulberry32 as prng } from '@carbonreducer/common';
import { solveHome } from '../src/core/solve';
import type { HomeRequest } from '../src/core/types';
import { createHighsSolver } from '../src/solver/highs';
import { exitCodeOf, parsePeerArgs } from './args';
import { loadData, peerInstance, PEER_CYCLES, PEER_FUSE_W } from './bench';

/** The peer, pinned. */
const EMHASS_VERSION = '0.18.7';
const SLOT_MS = 15 * 60_000;

/** The venv with EMHASS, made once: `$CR_CACHE/emhass-<version>/venv` (pip from PyPI, pinned version). */
function emhassPython(): string {
  const cache = process.env['CR_CACHE'] || join(os.homedir(), '.cache', 'carbonreducer');
  const venv = join(cache, `emhass-${EMHASS_VERSION}`, 'venv');
  const python = join(venv, 'bin', 'python');
  const ready = () => {
    try {
      execFileSync(python, [
        '-c',
        `import emhass, importlib.metadata as m; assert m.version('emhass') == '${EMHASS_VERSION}'`,
      ]);
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync(python) && ready()) return python;
  console.error(`making ${venv} with emhass==${EMHASS_VERSION} from PyPI (a few minutes once)`);
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', `emhass==${EMHASS_VERSION}`], { stdio: 'inherit' });
  if (!ready()) throw new Error(`emhass ${EMHASS_VERSION} did not install into ${venv}`);
  return python;
}

/** One EMHASS process, fed an instance per line; answers in order. */
function startEmhass(python: string) {
  const child = spawn(python, [join(__dirname, 'peer', 'emhass_runner.py')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  const waiting: ((line: string) => void)[] = [];
  // HiGHS prints its banner on stdout once: only JSON lines are answers.
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) waiting.shift()?.(line);
  });
  return {
    solve(instance: unknown): Promise<EmhassReply> {
      return new Promise((resolve) => {
        waiting.push((line) => resolve(JSON.parse(line) as EmhassReply));
        child.stdin.write(`${JSON.stringify(instance)}\n`);
      });
    },
    close() {
      child.stdin.end();
    },
  };
}

type EmhassReply = { ms: number; status: string; powerW: number[][] } | { error: string };

/** A plan as the evaluator sees it: per device (cycles in order, then the EV) power per slot, W. */
type Powers = number[][];

interface Evaluation {
  kgCO2: number;
  problems: string[];
  fuseViolations: number;
}

/** The independent evaluator: hard rules of the instance and kg CO2 of base load + devices from the intensity. */
function evaluate(request: HomeRequest, powers: Powers): Evaluation {
  const n = request.slotCount;
  const slotH = request.slotMin / 60;
  const problems: string[] = [];
  const total = request.baseLoadW.slice(0, n);
  const slotOf = (ms: number) => Math.round((ms - request.startMs) / SLOT_MS);
  request.devices.forEach((d, i) => {
    const p = powers[i] ?? [];
    if (p.length !== n) problems.push(`${d.id}: ${p.length} slots`);
    p.forEach((w, t) => (total[t] = (total[t] as number) + w));
    const on = p.flatMap((w, t) => (w > 1 ? [t] : []));
    if (d.kind === 'cycle') {
      const powerW = d.profileW[0] as number;
      const first = on[0] ?? -1;
      const from = slotOf(Math.max(d.earliestStartMs, request.startMs));
      const to = slotOf(d.deadlineMs);
      if (on.length !== d.profileW.length) problems.push(`${d.id}: runs ${on.length} slots, not ${d.profileW.length}`);
      else if (on[on.length - 1] !== first + on.length - 1) problems.push(`${d.id}: not one contiguous run`);
      else if (first < from || first + on.length > to) problems.push(`${d.id}: outside its window`);
      if (on.some((t) => Math.abs((p[t] as number) - powerW) > 1)) problems.push(`${d.id}: not at ${powerW} W`);
    } else if (d.kind === 'ev') {
      const energyWh = p.reduce((s, w) => s + w * slotH, 0);
      if (Math.abs(energyWh - d.energyNeededWh) > 1) problems.push(`${d.id}: ${energyWh.toFixed(0)} Wh delivered`);
      if (p.some((w) => w > d.maxPowerW + 1)) problems.push(`${d.id}: over ${d.maxPowerW} W`);
      if (on.some((t) => t < slotOf(d.availableFromMs) || t >= slotOf(d.departureMs))) {
        problems.push(`${d.id}: charges outside its window`);
      }
    }
  });
  let fuseViolations = 0;
  let kgCO2 = 0;
  total.forEach((w, t) => {
    if (w > PEER_FUSE_W + 1) fuseViolations++;
    kgCO2 += ((w * slotH) / 1000) * ((request.intensityGPerKWh[t] as number) / 1000);
  });
  if (fuseViolations > 0) problems.push(`${fuseViolations} slots over the ${PEER_FUSE_W} W fuse`);
  return { kgCO2, problems, fuseViolations };
}

/** The same instance as EMHASS takes it: deferrable loads in slots, cost = intensity. */
function emhassInstance(request: HomeRequest, gap: number, timeLimitSec: number) {
  const slotOf = (ms: number) => Math.round((ms - request.startMs) / SLOT_MS);
  return {
    slotMin: request.slotMin,
    slots: request.slotCount,
    baseLoadW: request.baseLoadW,
    intensityGPerKWh: request.intensityGPerKWh,
    fuseW: request.importLimitW,
    gap,
    timeLimitSec,
    loads: request.devices.map((d) => {
      if (d.kind === 'cycle') {
        return {
          id: d.id,
          powerW: d.profileW[0],
          slots: d.profileW.length,
          start: slotOf(d.earliestStartMs),
          end: slotOf(d.deadlineMs),
          singleBlock: true,
        };
      }
      if (d.kind !== 'ev') throw new Error(`peer instances have cycles and an EV, not ${d.kind}`);
      return {
        id: d.id,
        powerW: d.maxPowerW,
        slots: d.energyNeededWh / (d.maxPowerW * (request.slotMin / 60)),
        start: slotOf(d.availableFromMs),
        end: slotOf(d.departureMs),
        singleBlock: false,
      };
    }),
  };
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const { instances, seed, gap, timeLimit: timeLimitSec, solver: backend } = parsePeerArgs(process.argv.slice(2));
  const python = emhassPython();
  const emhass = startEmhass(python);
  const solver = await createHighsSolver(undefined, backend);
  const data = await loadData();
  console.log(
    `Peer benchmark: ours (${solver.name}) vs EMHASS ${EMHASS_VERSION} (cvxpy + HiGHS), interleaved, one thread each, mip_rel_gap ${gap}, time limit ${timeLimitSec} s; ${instances} peer-class instances (seed ${seed}: 96 × 15 min, ${PEER_CYCLES.length} cycles with 8 h windows + interruptible EV, ${PEER_FUSE_W / 1000} kW fuse)`,
  );
  console.log(`Data: NESO Carbon Intensity API (CC BY 4.0); REFIT (CC BY 4.0) via DeviceScope.`);
  console.log(`Machine: ${os.availableParallelism()} cores; load average (1, 5, 15 min) at start: ${load()}`);
  // Warm-up of both sides (imports, JIT, first cvxpy compile): 5 instances of another seed, not counted.
  const warm = prng(seed + 1000);
  for (let i = 0; i < 5; i++) {
    const { request, now } = peerInstance(warm, data);
    solveHome(request, now, solver, { timeLimitSec, mipRelGap: gap });
    await emhass.solve(emhassInstance(request, gap, timeLimitSec));
  }
  const rand = prng(seed);
  const ours = { ms: [] as number[], timeLimited: 0, fuse: 0, invalid: 0, kg: 0 };
  const peer = { ms: [] as number[], timeLimited: 0, fuse: 0, invalid: 0, kg: 0, failed: 0 };
  let oursNotWorse = 0;
  let compared = 0;
  const problemsSeen: string[] = [];
  for (let i = 0; i < instances; i++) {
    const { request, now } = peerInstance(rand, data);
    const t0 = performance.now();
    const plan = solveHome(request, now, solver, { timeLimitSec, mipRelGap: gap });
    ours.ms.push(performance.now() - t0);
    if (plan.status !== 'optimal') ours.timeLimited++;
    const a = evaluate(
      request,
      plan.devices.map((d) => d.powerW),
    );
    ours.fuse += a.fuseViolations;
    if (a.problems.length) {
      ours.invalid++;
      problemsSeen.push(`ours #${i}: ${a.problems.join('; ')}`);
    }
    const reply = await emhass.solve(emhassInstance(request, gap, timeLimitSec));
    if ('error' in reply) {
      peer.failed++;
      problemsSeen.push(`EMHASS #${i}: ${reply.error}`);
      continue;
    }
    peer.ms.push(reply.ms);
    if (reply.status !== 'Optimal') peer.timeLimited++;
    const b = evaluate(request, reply.powerW);
    peer.fuse += b.fuseViolations;
    if (b.problems.length) {
      peer.invalid++;
      problemsSeen.push(`EMHASS #${i}: ${b.problems.join('; ')}`);
    }
    if (!a.problems.length && !b.problems.length) {
      compared++;
      ours.kg += a.kgCO2;
      peer.kg += b.kgCO2;
      if (a.kgCO2 <= b.kgCO2 * (1 + gap) + 1e-9) oursNotWorse++;
    }
    if ((i + 1) % 20 === 0) process.stderr.write(`\r${i + 1}/${instances}`);
  }
  emhass.close();
  process.stderr.write('\n');
  const f = (x: number) => x.toFixed(1);
  const row = (label: string, xs: number[]) =>
    `  ${label.padEnd(8)} median ${f(q(xs, 0.5))}, p90 ${f(q(xs, 0.9))}, p99 ${f(q(xs, 0.99))}, max ${f(Math.max(...xs))} ms`;
  console.log(`\nOptimisation call, wall ms (${instances} instances):`);
  console.log(row('ours', ours.ms));
  console.log(row('EMHASS', peer.ms));
  console.log(
    `  ratio ours / EMHASS: median ${(q(ours.ms, 0.5) / q(peer.ms, 0.5)).toFixed(2)}, p90 ${(q(ours.ms, 0.9) / q(peer.ms, 0.9)).toFixed(2)}, p99 ${(q(ours.ms, 0.99) / q(peer.ms, 0.99)).toFixed(2)}, max ${(Math.max(...ours.ms) / Math.max(...peer.ms)).toFixed(2)}`,
  );
  console.log(
    `Not proven within the gap (time limit or other status): ours ${ours.timeLimited}, EMHASS ${peer.timeLimited}; EMHASS errors ${peer.failed}`,
  );
  console.log(`Slots over the fuse: ours ${ours.fuse}, EMHASS ${peer.fuse}`);
  console.log(`Plans failing the evaluator: ours ${ours.invalid}, EMHASS ${peer.invalid}`);
  for (const p of problemsSeen.slice(0, 10)) console.log(`  ${p}`);
  console.log(
    `kg CO2 on the ${compared} instances both planned validly: ours ${ours.kg.toFixed(3)}, EMHASS ${peer.kg.toFixed(3)}, ratio ${(ours.kg / peer.kg).toFixed(5)}; ours ≤ EMHASS (within the gap) on ${oursNotWorse}/${compared}`,
  );
  console.log(`Load average at the end: ${load()}`);
}

main().catch((err: unknown) => process.exit(exitCodeOf(err)));
