/* eslint-disable no-console -- a benchmark script: printing its figures is its job */
/**
 * Solve-time benchmark: one home (6 appliance cycles + EV + battery + heat pump, 96 × 15-minute slots) over many
 * generated instances, then a fleet of homes solved one after another. Prints figures; not a test.
 *
 *   npm run bench -w libs/optimizer -- [--instances 2000] [--fleet 1000] [--seed 1] [--time-limit 10] [--ev-on-off true|false] [--strict true|false]
 *
 * Instances are realistic: grid intensity is a real NESO day (CC BY 4.0), the base load a real REFIT day (CC BY
 * 4.0, via DeviceScope); appliance profiles, windows, EV, battery and heat-pump parameters are drawn at random.
 */
import { readHouseholdFiles, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { checkPlan } from '../src/core/check';
import { solveHome } from '../src/core/solve';
import type { DeviceRequest, HomeRequest, MilpSolver } from '../src/core/types';
import { createHighsSolver } from '../src/solver/highs';
import { mulberry32 as prng } from '@carbonreducer/common';

const SLOT_MIN = 15;
const SLOTS = 96;
const SLOT_MS = SLOT_MIN * 60_000;
const H = 3_600_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

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

interface Run {
  /** Wall clock, ms. */
  ms: number;
  /** CPU time of this process, ms: the robust figure on a shared machine. */
  cpuMs: number;
  status: string;
  gap: number | null;
  violations: number;
  integers: number;
  solves: number;
}

function solveOne(solver: MilpSolver, request: HomeRequest, now: number, timeLimitSec: number, strict: boolean): Run {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  try {
    const plan = solveHome(request, now, solver, { timeLimitSec, mipRelGap: 1e-4, strict });
    return {
      cpuMs: cpuMs(),
      ms: performance.now() - t0,
      status: plan.status === 'optimal' ? 'optimal' : 'time_limit',
      gap: plan.mipGap,
      violations: checkPlan(request, plan, now).length,
      integers: plan.model.integerColumns,
      solves: plan.model.solves,
    };
  } catch {
    return {
      cpuMs: cpuMs(),
      ms: performance.now() - t0,
      status: 'no_plan',
      gap: null,
      violations: 0,
      integers: 0,
      solves: 0,
    };
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function summarise(label: string, runs: Run[]): void {
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  const count = (s: string) => runs.filter((r) => r.status === s).length;
  const gaps = runs.map((r) => r.gap ?? 0);
  console.log(
    `\n${label}: ${runs.length} instances, ~${Math.round(runs.reduce((s, r) => s + r.integers, 0) / runs.length)} integer columns and ${(runs.reduce((s, r) => s + r.solves, 0) / runs.length).toFixed(2)} solves each (lazy on/off binaries)`,
  );
  const cpu = runs.map((r) => r.cpuMs).sort((a, b) => a - b);
  console.log(
    `  CPU ms:  median ${quantile(cpu, 0.5).toFixed(1)}, p90 ${quantile(cpu, 0.9).toFixed(1)}, p99 ${quantile(cpu, 0.99).toFixed(1)}, max ${(cpu[cpu.length - 1] ?? 0).toFixed(1)}, total ${(cpu.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `  wall ms: median ${quantile(ms, 0.5).toFixed(1)}, p90 ${quantile(ms, 0.9).toFixed(1)}, p99 ${quantile(ms, 0.99).toFixed(1)}, max ${(ms[ms.length - 1] ?? 0).toFixed(1)}`,
  );
  console.log(
    `  optimal ${count('optimal')}, time limit ${count('time_limit')}, other ${runs.length - count('optimal') - count('time_limit')}; ` +
      `over 1 s: ${ms.filter((x) => x > 1000).length}`,
  );
  console.log(
    `  MIP gap: max ${Math.max(...gaps).toExponential(2)}, instances with gap > 1e-4: ${gaps.filter((g) => g > 1e-4).length}; hard-constraint violations: ${runs.reduce((s, r) => s + r.violations, 0)}`,
  );
}

async function main(): Promise<void> {
  const instances = Number(arg('instances', '2000'));
  const fleet = Number(arg('fleet', '1000'));
  const seed = Number(arg('seed', '1'));
  const timeLimitSec = Number(arg('time-limit', '10'));
  const evOnOff = arg('ev-on-off', 'true') === 'true';
  const strict = arg('strict', 'false') === 'true';
  const data = await loadData();
  const solver = await createHighsSolver();
  console.log(
    `HiGHS ${'1.15.3'} (WebAssembly, single thread); ${SLOTS} × ${SLOT_MIN}-min slots; time limit ${timeLimitSec} s; EV on/off ${evOnOff}; ${strict ? 'all on/off binaries up front' : 'lazy on/off binaries'}`,
  );
  console.log(`Data: NESO Carbon Intensity API (CC BY 4.0); REFIT (CC BY 4.0) via DeviceScope.`);
  const rand = prng(seed);
  const runs: Run[] = [];
  for (let i = 0; i < instances; i++) {
    const { request, now } = instance(rand, data, evOnOff);
    runs.push(solveOne(solver, request, now, timeLimitSec, strict));
    if ((i + 1) % 100 === 0) process.stderr.write(`\r${i + 1}/${instances}`);
  }
  process.stderr.write('\n');
  summarise('Single home', runs);

  if (fleet > 0) {
    const homes = Array.from({ length: fleet }, () => instance(rand, data, evOnOff));
    const t0 = performance.now();
    const fleetRuns = homes.map((h) => solveOne(solver, h.request, h.now, timeLimitSec, strict));
    const totalS = (performance.now() - t0) / 1000;
    summarise(`Fleet of ${fleet} homes, one after another on one core`, fleetRuns);
    console.log(`  fleet wall time: ${totalS.toFixed(1)} s`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
