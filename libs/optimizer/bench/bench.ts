/* eslint-disable no-console -- a benchmark script: printing its figures is its job */
/**
 * Solve-time benchmark: one home (6 appliance cycles + EV + battery + heat pump, 96 × 15-minute slots) over many
 * generated instances solved one after another, then a fleet of homes on a pool of worker threads (one per core).
 * Prints figures; not a test.
 *
 *   npm run bench -w libs/optimizer -- [--instances 2000] [--fleet 1000] [--seed 1] [--time-limit 10] [--gap 1e-4]
 *       [--workers N] [--ev-on-off true|false] [--strict true|false] [--family home|peer]
 *       [--solver auto|native|wasm] [--highs-options JSON] [--slowest N] [--only 12,345]
 *
 * `--slowest N` lists the N slowest single homes by CPU (their instance numbers, how each was proved); `--only` solves
 * just those instance numbers of the seed's sequence (the others are generated and skipped), to study the tail.
 *
 * Instances are realistic: grid intensity is a real NESO day (CC BY 4.0), the base load a real REFIT day (CC BY
 * 4.0, via DeviceScope); appliance profiles, windows, EV, battery and heat-pump parameters are drawn at random.
 */
import os from 'node:os';
import { readHouseholdFiles, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { mulberry32 as prng } from '@carbonreducer/common';
import { checkPlan } from '../src/core/check';
import { solveHome, type SolveHomeOptions } from '../src/core/solve';
import type { DeviceRequest, HomePlan, HomeRequest, MilpSolver, PlanTiming } from '../src/core/types';
import { createFleetSolver } from '../src/solver/fleet';
import { createHighsSolver } from '../src/solver/highs';
import { exitCodeOf, parseBenchArgs } from './args';

const SLOT_MIN = 15;
const SLOTS = 96;
const SLOT_MS = SLOT_MIN * 60_000;
const H = 3_600_000;

interface Data {
  intensityDays: number[][];
  baseLoadDays: number[][];
}

export async function loadData(): Promise<Data> {
  const series = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
  // 30-minute NESO values → 15-minute slots, whole UTC days without gaps.
  const byDay = new Map<number, number[]>();
  for (const p of series.points) {
    if (p.actualGPerKWh === null) continue;
    const day = Math.floor(p.fromMs / 86_400_000);
    const arr = byDay.get(day) ?? new Array<number>(48).fill(Number.NaN);
    arr[Math.floor((p.fromMs % 86_400_000) / 1_800_000)] = p.actualGPerKWh;
    byDay.set(day, arr);
  }
  const intensityDays = [...byDay.values()]
    .filter((d) => d.every((v) => Number.isFinite(v)))
    .map((d) => d.flatMap((v) => [v, v]));
  const home = await readHouseholdFiles([sharedDataPath('households/refit-house2-2014-03.csv.gz')]);
  const baseLoadDays: number[][] = [];
  for (let start = 0; start + 1440 <= home.timeMs.length; start += 1440) {
    const day: number[] = [];
    let ok = true;
    for (let s = 0; s < SLOTS; s++) {
      let sum = 0;
      for (let m = 0; m < SLOT_MIN; m++) {
        const w = home.aggregateW[start + s * SLOT_MIN + m] as number;
        if (!Number.isFinite(w)) ok = false;
        sum += w;
      }
      day.push(sum / SLOT_MIN);
    }
    if (ok) baseLoadDays.push(day);
  }
  return { intensityDays, baseLoadDays };
}

const CYCLES: { id: string; label: string; profileW: number[] }[] = [
  { id: 'dishwasher', label: 'dishwasher', profileW: [2100, 150, 100, 2000, 1900, 80, 40, 20] },
  { id: 'washing_machine', label: 'washing machine', profileW: [2000, 1800, 300, 250, 400, 500] },
  { id: 'dryer', label: 'tumble dryer', profileW: [2500, 2500, 2400, 2400, 2200, 800] },
  { id: 'water_heater', label: 'water heater', profileW: [3000, 3000, 3000, 3000] },
  { id: 'pool_pump', label: 'pool pump', profileW: new Array<number>(12).fill(800) },
  { id: 'bread_maker', label: 'bread maker', profileW: [600, 600, 100, 100, 600, 600] },
];

export function instance(rand: () => number, data: Data, evOnOff: boolean): { request: HomeRequest; now: number } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const between = (a: number, b: number) => a + (b - a) * rand();
  // A random start of day (slot-aligned) over two real consecutive-looking days, so the horizon is 24 h.
  const offset = Math.floor(rand() * SLOTS);
  const d1 = pick(data.intensityDays);
  const d2 = pick(data.intensityDays);
  const intensity = [...d1, ...d2].slice(offset, offset + SLOTS);
  const b1 = pick(data.baseLoadDays);
  const b2 = pick(data.baseLoadDays);
  const baseLoadW = [...b1, ...b2].slice(offset, offset + SLOTS).map((w) => Math.min(w, 3000));
  const startMs = Date.UTC(2025, 0, 6) + offset * SLOT_MS;
  const now = startMs + Math.floor(rand() * SLOT_MS);
  const hourOf = (t: number) => (((offset + t) * SLOT_MIN) / 60) % 24;
  const pricePerKWh = intensity.map((_, t) => {
    const h = hourOf(t);
    return h >= 16 && h < 19 ? 0.42 : h >= 0 && h < 5 ? 0.12 : 0.26;
  });
  const devices: DeviceRequest[] = CYCLES.map((c, i): DeviceRequest => {
    const earliestStartMs = startMs + Math.floor(between(0, 8)) * H;
    const deadlineMs = earliestStartMs + c.profileW.length * SLOT_MS + between(3, 14) * H;
    const r = rand();
    const scale = between(0.85, 1.15);
    const base = {
      kind: 'cycle' as const,
      id: c.id,
      label: c.label,
      profileW: c.profileW.map((p) => Math.round(p * scale)),
    };
    if (r < 0.08 && i < 3) {
      // Already running, started up to an hour ago.
      return {
        ...base,
        earliestStartMs: startMs - H,
        deadlineMs,
        startedMs: startMs - Math.floor(rand() * 4) * SLOT_MS,
      };
    }
    const published = r < 0.4 ? { publishedStartMs: earliestStartMs + Math.floor(between(0, 12)) * SLOT_MS } : {};
    return { ...base, earliestStartMs, deadlineMs, ...published };
  });
  const arrival = startMs + between(0, 6) * H;
  devices.push({
    kind: 'ev',
    id: 'ev',
    label: 'car',
    availableFromMs: arrival,
    departureMs: arrival + between(8, 14) * H,
    energyNeededWh: Math.round(between(5, 40)) * 1000,
    minPowerW: 1400,
    maxPowerW: 7400,
    onOff: evOnOff,
  });
  devices.push({
    kind: 'battery',
    id: 'battery',
    label: 'home battery',
    capacityWh: 10_000,
    socWh: between(1000, 9000),
    minSocWh: 1000,
    maxSocWh: 9500,
    maxChargeW: 5000,
    maxDischargeW: 5000,
    roundTripEfficiency: 0.9,
  });
  const outdoor = between(-3, 12);
  devices.push({
    kind: 'heat_pump',
    id: 'heat_pump',
    label: 'heat pump',
    maxPowerW: 3000,
    cop: between(2.5, 4),
    heatCapacityWhPerK: between(3000, 8000),
    thermalResistanceKPerW: between(0.005, 0.012),
    indoorTempC: between(19, 21),
    outdoorTempC: intensity.map((_, t) => outdoor + 3 * Math.sin(((hourOf(t) - 9) / 24) * 2 * Math.PI)),
    minTempC: intensity.map((_, t) => (hourOf(t) >= 7 && hourOf(t) < 23 ? 19.5 : 17)),
    maxTempC: intensity.map(() => 23),
  });
  return {
    now,
    request: {
      homeId: 'bench',
      startMs,
      slotMin: SLOT_MIN,
      slotCount: SLOTS,
      timeZone: 'Europe/London',
      intensityGPerKWh: intensity,
      pricePerKWh,
      co2PricePerKg: between(0.05, 0.5),
      baseLoadW,
      importLimitW: Math.round(between(7000, 12000)),
      devices,
    },
  };
}

/**
 * The five cycles of the peer-class family (dishwasher, washer, dryer, water heater, pool pump), each at a constant
 * power as the peer (EMHASS) models a deferrable load: one block of `slots` × 15 min at `powerW`.
 */
export const PEER_CYCLES: { id: string; label: string; powerW: number; slots: number }[] = [
  { id: 'dishwasher', label: 'dishwasher', powerW: 1800, slots: 8 },
  { id: 'washing_machine', label: 'washing machine', powerW: 2000, slots: 6 },
  { id: 'dryer', label: 'tumble dryer', powerW: 2500, slots: 6 },
  { id: 'water_heater', label: 'water heater', powerW: 3000, slots: 4 },
  { id: 'pool_pump', label: 'pool pump', powerW: 800, slots: 12 },
];

/** The peer-class family's main fuse, W. */
export const PEER_FUSE_W = 5000;

/**
 * The peer-class instance family (the shape of the published home-energy MILP benchmarks, e.g. EMHASS'): 96 × 15 min,
 * five cycles each with an 8 h window (earliest start + duration + 8 h), an interruptible EV (continuous power
 * 0–7.4 kW) whose window is its full-power time + 8 h, a 5 kW fuse, real NESO intensity and a real REFIT base load.
 * CO2 only (price 0, 1 per kg), so the objective is kg CO2 plus the penalties of what gives way.
 */
export function peerInstance(rand: () => number, data: Data): { request: HomeRequest; now: number } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const between = (a: number, b: number) => a + (b - a) * rand();
  const offset = Math.floor(rand() * SLOTS);
  const intensity = [...pick(data.intensityDays), ...pick(data.intensityDays)].slice(offset, offset + SLOTS);
  // Base load capped at 2 kW so the 5 kW fuse leaves room for one big appliance at a time (no slot is over by itself).
  const baseLoadW = [...pick(data.baseLoadDays), ...pick(data.baseLoadDays)]
    .slice(offset, offset + SLOTS)
    .map((w) => Math.min(w, 2000));
  const startMs = Date.UTC(2025, 0, 6) + offset * SLOT_MS;
  const devices: DeviceRequest[] = PEER_CYCLES.map((c): DeviceRequest => {
    const earliestStartMs = startMs + Math.floor(between(0, 8)) * H;
    return {
      kind: 'cycle',
      id: c.id,
      label: c.label,
      profileW: new Array<number>(c.slots).fill(c.powerW),
      earliestStartMs,
      deadlineMs: earliestStartMs + c.slots * SLOT_MS + 8 * H,
    };
  });
  const maxPowerW = 7400;
  const energyNeededWh = Math.round(between(5, 30)) * 1000;
  // Slot-aligned plug-in, so both sides see the same window.
  const availableFromMs = startMs + Math.floor(between(0, 6) * 4) * SLOT_MS;
  const fullPowerMs = Math.ceil(((energyNeededWh / maxPowerW) * H) / SLOT_MS) * SLOT_MS;
  devices.push({
    kind: 'ev',
    id: 'ev',
    label: 'car',
    availableFromMs,
    departureMs: availableFromMs + fullPowerMs + 8 * H,
    energyNeededWh,
    minPowerW: 0,
    maxPowerW,
    onOff: false,
  });
  return {
    now: startMs,
    request: {
      homeId: 'peer',
      startMs,
      slotMin: SLOT_MIN,
      slotCount: SLOTS,
      timeZone: 'Europe/London',
      intensityGPerKWh: intensity,
      pricePerKWh: intensity.map(() => 0),
      co2PricePerKg: 1,
      baseLoadW,
      importLimitW: PEER_FUSE_W,
      devices,
    },
  };
}

interface Run {
  /** Wall clock, ms. */
  ms: number;
  /** CPU time of this process, ms (null in the fleet: worker threads share the process clock). */
  cpuMs: number | null;
  status: 'optimal' | 'time_limit' | 'no_plan';
  gap: number | null;
  violations: number;
  /** `checkPlan` violations of the main fuse (slots over the import limit). */
  fuseViolations: number;
  integers: number;
  solves: number;
  method: string;
  /** How the first (relaxed) solve was settled: lp / rounded / mip. */
  first: string;
  /** How a held plan was found: dive / mip ('' when not held). */
  held: string;
  timing: PlanTiming | null;
  /** The plan's objective, and a digest of its starts and powers (to compare code versions: same plans). */
  objective: number;
  digest: number;
}

/** FNV-1a over the plan's starts and powers (W to 0.1): equal across code versions that make the same plans. */
function planDigest(plan: HomePlan): number {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x & 0xffffffff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const d of plan.devices) {
    for (const s of d.startsMs) mix(s / 60_000);
    for (const w of d.powerW) mix(Math.round(w * 10));
  }
  return h;
}

function runOf(request: HomeRequest, now: number, plan: HomePlan, ms: number, cpuMs: number | null): Run {
  const violations = checkPlan(request, plan, now);
  return {
    ms,
    cpuMs,
    status: plan.status === 'optimal' ? 'optimal' : 'time_limit',
    gap: plan.mipGap,
    violations: violations.length,
    fuseViolations: violations.filter((v) => v.rule === 'import_limit').length,
    integers: plan.model.integerColumns,
    solves: plan.model.solves,
    method: plan.model.method ?? '?',
    first: plan.model.first ?? '?',
    held: plan.model.held ?? '',
    timing: plan.timing ?? null,
    objective: plan.objective,
    digest: planDigest(plan),
  };
}

const failed = (ms: number, cpuMs: number | null): Run => ({
  ms,
  cpuMs,
  status: 'no_plan',
  gap: null,
  violations: 0,
  fuseViolations: 0,
  integers: 0,
  solves: 0,
  method: '-',
  first: '-',
  held: '',
  timing: null,
  objective: Number.NaN,
  digest: 0,
});

function solveOne(solver: MilpSolver, request: HomeRequest, now: number, options: SolveHomeOptions): Run {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  try {
    const plan = solveHome(request, now, solver, { ...options, clock: () => performance.now() });
    return runOf(request, now, plan, performance.now() - t0, cpuMs());
  } catch {
    return failed(performance.now() - t0, cpuMs());
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const f1 = (x: number) => x.toFixed(1);

function spread(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${label} median ${f1(quantile(s, 0.5))}, p90 ${f1(quantile(s, 0.9))}, p99 ${f1(quantile(s, 0.99))}, max ${f1(s[s.length - 1] ?? Number.NaN)}`;
}

function summarise(label: string, runs: Run[], mipRelGap: number): void {
  const n = runs.length;
  const count = (s: Run['status']) => runs.filter((r) => r.status === s).length;
  const gaps = runs.map((r) => r.gap ?? 0);
  const proven = runs.filter((r) => r.status === 'optimal' && (r.gap ?? 0) <= mipRelGap).length;
  const methods = new Map<string, number>();
  runs.forEach((r) => methods.set(r.method, (methods.get(r.method) ?? 0) + 1));
  const firsts = new Map<string, number>();
  runs.forEach((r) => firsts.set(r.first, (firsts.get(r.first) ?? 0) + 1));
  console.log(`\n${label}: ${n} homes`);
  console.log(
    `  ${spread(
      'wall ms:',
      runs.map((r) => r.ms),
    )}; over 100 ms: ${runs.filter((r) => r.ms > 100).length}, over 1 s: ${runs.filter((r) => r.ms > 1000).length}`,
  );
  const cpu = runs.flatMap((r) => (r.cpuMs === null ? [] : [r.cpuMs]));
  if (cpu.length) console.log(`  ${spread('CPU ms: ', cpu)}; total ${f1(cpu.reduce((a, b) => a + b, 0) / 1000)} s`);
  const timed = runs.flatMap((r) => (r.timing ? [r.timing] : []));
  if (timed.length) {
    const phase = (k: keyof PlanTiming) => {
      const xs = timed.map((t) => t[k]).sort((a, b) => a - b);
      return `${k.replace('Ms', '')} ${quantile(xs, 0.5).toFixed(2)} / ${f1(quantile(xs, 0.99))} / ${f1(xs.reduce((a, b) => a + b, 0) / 1000)} s`;
    };
    console.log(
      `  phases, ms median / p99 / total: ${(['buildMs', 'loadMs', 'runMs', 'readMs', 'parseMs'] as const).map(phase).join('; ')}`,
    );
    console.log(
      `    (build = writing the model arrays; load = handing them to HiGHS; run = HiGHS; read = solution back; parse = plan + explanations)`,
    );
  }
  console.log(
    `  time limit reached: ${count('time_limit')}; no plan: ${count('no_plan')}; proven optimal (gap ≤ ${mipRelGap}): ${proven}/${n}; ` +
      `max gap ${Math.max(0, ...gaps).toExponential(2)}`,
  );
  const heldBy = (h: string) => runs.filter((r) => r.held === h).length;
  console.log(
    `  how proved: ${[...methods].map(([m, k]) => `${m} ${k}`).join(', ')} (held by LP dives ${heldBy('dive')}, by MIP ${heldBy('mip')}); ${(runs.reduce((s, r) => s + r.solves, 0) / n).toFixed(2)} solves and ~${Math.round(runs.reduce((s, r) => s + r.integers, 0) / n)} integer columns per home`,
  );
  console.log(
    `  first solve (on/off relaxed) settled by: ${[...firsts].map(([m, k]) => `${m} ${k}`).join(', ')} (lp = LP relaxation integral; rounded = dive within the gap; mip = branch and bound after reduced-cost fixing)`,
  );
  console.log(
    `  hard-constraint violations (checkPlan): ${runs.reduce((s, r) => s + r.violations, 0)}, of which over the fuse: ${runs.reduce((s, r) => s + r.fuseViolations, 0)}`,
  );
  const digest = runs.reduce((h, r) => Math.imul(h ^ r.digest, 0x01000193) >>> 0, 0x811c9dc5);
  console.log(
    `  sum of objectives ${runs.reduce((s, r) => s + r.objective, 0).toFixed(4)}; plans digest ${digest.toString(16)}`,
  );
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const { instances, fleet, seed, gap: mipRelGap, evOnOff, strict, workers, family, slowest } = args;
  const timeLimitSec = args.timeLimit;
  const backend = args.solver;
  const highsOptions = args.highsOptions;
  const optionsJson = highsOptions ? JSON.stringify(highsOptions) : '';
  const options: SolveHomeOptions = { timeLimitSec, mipRelGap, strict };
  const only = args.only ?? null;
  const data = await loadData();
  const make = (rand: () => number) => (family === 'peer' ? peerInstance(rand, data) : instance(rand, data, evOnOff));
  const probe = await createHighsSolver(highsOptions, backend);
  console.log(
    `${probe.name ?? 'HiGHS'} (one thread per solver${highsOptions ? `, options ${optionsJson}` : ''}); family ${family === 'peer' ? `peer (5 cycles with 8 h windows + interruptible EV, ${PEER_FUSE_W / 1000} kW fuse, CO2 only)` : 'home (6 cycles + EV + battery + heat pump)'}; ${SLOTS} × ${SLOT_MIN}-min slots; time limit ${timeLimitSec} s; mip_rel_gap ${mipRelGap}; EV on/off ${family === 'peer' ? false : evOnOff}; ${strict ? 'all on/off binaries up front' : 'relax, hold, prove'}`,
  );
  console.log(`Data: NESO Carbon Intensity API (CC BY 4.0); REFIT (CC BY 4.0) via DeviceScope.`);
  console.log(`Machine: ${os.availableParallelism()} cores; load average (1, 5, 15 min) at start: ${load()}`);
  const rand = prng(seed);

  if (instances > 0) {
    const solver = probe;
    // Warm-up: V8 compiles the WebAssembly module lazily (tiering up hot functions), so the first solves of a
    // fresh process are several times slower; a long-running worker pays that once. Not counted.
    const warm = prng(seed + 1000);
    for (let i = 0; i < 10; i++) {
      const { request, now } = make(warm);
      solveOne(solver, request, now, options);
    }
    const runs: Run[] = [];
    const numbers: number[] = [];
    for (let i = 0; i < instances; i++) {
      const { request, now } = make(rand);
      if (only && !only.has(i)) continue;
      runs.push(solveOne(solver, request, now, options));
      numbers.push(i);
      if ((i + 1) % 100 === 0) process.stderr.write(`\r${i + 1}/${instances}`);
    }
    process.stderr.write('\n');
    summarise('Single home, one after another on one core (after 10 warm-up solves)', runs, mipRelGap);
    if (slowest > 0) {
      const order = runs
        .map((r, k) => ({ r, i: numbers[k] as number }))
        .sort((a, b) => (b.r.cpuMs ?? 0) - (a.r.cpuMs ?? 0));
      console.log(`  slowest ${slowest} by CPU (instance number: CPU ms, method / first / held, solves, objective):`);
      for (const { r, i } of order.slice(0, slowest)) {
        console.log(
          `    ${i}: ${f1(r.cpuMs ?? 0)} ms, ${r.method} / ${r.first} / ${r.held || '-'}, ${r.solves} solves, ${r.objective.toFixed(6)}`,
        );
      }
      console.log(
        `  --only ${order
          .slice(0, slowest)
          .map((o) => o.i)
          .sort((a, b) => a - b)
          .join(',')}`,
      );
    }
    console.log(`  load average after: ${load()}`);
  }

  if (fleet > 0) {
    const homes = Array.from({ length: fleet }, () => make(rand));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const pool = await createFleetSolver({ workers, backend, ...(highsOptions ? { highsOptions } : {}) });
    const startS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const outcomes = await pool.solve(homes, options);
    const solveS = (performance.now() - t1) / 1000;
    await pool.close();
    const c = process.cpuUsage(c0);
    const runs = outcomes.map((o, k) => {
      const h = homes[k] as { request: HomeRequest; now: number };
      return o.ok ? runOf(h.request, h.now, o.plan, o.wallMs, null) : failed(o.wallMs, null);
    });
    summarise(`Fleet of ${fleet} homes on ${workers} worker threads`, runs, mipRelGap);
    console.log(
      `  fleet wall time: ${f1(startS + solveS)} s (${f1(startS)} s starting the workers and loading HiGHS, ${f1(solveS)} s solving); process CPU ${f1((c.user + c.system) / 1e6)} s`,
    );
    console.log(`  load average after: ${load()}`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => process.exit(exitCodeOf(err)));
}
