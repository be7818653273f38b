/* eslint-disable no-console -- a benchmark script: printing its figures is its job */
/**
 * Served-forecast latency (a benchmark run by hand, not a test):
 *   npx tsx models/bench/serve-forecast.ts [--runs 5] [--days 30] [--version VERSION]
 * Serves an intensity model from models/registry (default: the champion) and times `forecast` (48 h ahead, every
 * 30-minute slot, bands recalibrated online from the replayed past) on `--days` of real NESO history (2023H1, CC BY
 * 4.0) ending at 2023-06-20 12:00, and on 8 days (what the workflows' adapter reads today). Then times the ONNX part
 * alone on the same replay batch, each horizon's trees in their own session (served) against every row through the
 * whole model (before), and checks both give the same values.
 */
import { sharedDataPath } from '@carbonreducer/datasets';
import { featuresFor, historyWindow, type HistoryWindow } from '@carbonreducer/forecast';
import { serveModel } from '../src/api';
import { loadIntensity } from '../src/data';
import { OnnxDirectModel } from '../src/onnx/session';
import { ModelRegistry } from '../src/registry';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function timed<T>(runs: number, f: () => Promise<T>): Promise<{ first: number; median: number; out: T }> {
  const times: number[] = [];
  let out: T | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    out = await f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { first: times[0] as number, median: sorted[sorted.length >> 1] as number, out: out as T };
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const days = Number(arg('days', '30'));
  const registry = new ModelRegistry();
  const version = arg('version', (await registry.champion('intensity'))?.version ?? '');
  const stored = await registry.load('intensity', version);
  const meta = stored.meta.direct;
  if (!meta) throw new Error(`${version} has no direct GBM`);
  const step = meta.stepMs;
  const nowMs = Date.parse('2023-06-20T12:00:00Z');
  const neso = await loadIntensity([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
  const load = await timed(3, () => serveModel(stored));
  const served = load.out;
  console.log(
    `${version} serveModel (load, ${stored.onnx.length} bytes of ONNX): median ${load.median.toFixed(0)} ms of 3`,
  );
  for (const d of [days, 8]) {
    const w = historyWindow(neso.actual, nowMs, (d * 86_400_000) / step);
    const history = { startMs: nowMs - w.values.length * step, stepMs: step, values: w.values };
    const r = await timed(runs, () => served.forecast(history, nowMs));
    console.log(
      `${version} forecast, history ${d} d: first ${r.first.toFixed(0)} ms, median ${r.median.toFixed(0)} ms ` +
        `over ${runs} calls (${r.out.length} slots)`,
    );
  }
  // The replay batch of a 30-day call: the last 22 days of origins, every trained horizon at each.
  const lookback = featuresFor(meta.kind, step).lookbackSteps;
  const windows: HistoryWindow[] = [];
  for (let o = nowMs - 22 * 86_400_000; o <= nowMs; o += step) windows.push(historyWindow(neso.actual, o, lookback));
  const steps = windows.map(() => meta.stepsAhead);
  const rows = windows.length * meta.stepsAhead.length;
  const results: Array<Awaited<ReturnType<OnnxDirectModel['forecast']>>> = [];
  for (const perHorizon of [false, true]) {
    const session = await OnnxDirectModel.create(stored.onnx, meta, { perHorizon });
    const r = await timed(runs, () => session.forecast(windows, steps));
    results.push(r.out);
    console.log(
      `${version} ONNX forecasts for ${rows} rows, ${perHorizon ? "each horizon's trees in their own session" : 'every row through the whole model'}: ` +
        `first ${r.first.toFixed(0)} ms, median ${r.median.toFixed(0)} ms`,
    );
  }
  let max = 0;
  results[0]?.forEach((row, i) =>
    row.forEach((f, j) => (max = Math.max(max, Math.abs(f.point - (results[1]?.[i]?.[j]?.point ?? NaN))))),
  );
  console.log(`  max |Δ| between the two: ${max} gCO2/kWh`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
