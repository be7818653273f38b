/**
 * Trains the carbon-intensity LSTM on NESO actuals (Jan–Apr 2023) and scores it on rolling origins in May–Jun 2023,
 * through the ONNX/onnxruntime-node path used in production, beside the operator's forecast and seasonal naive.
 *
 *   npx tsx models/src/lstm/evaluate.ts [--max-seconds 900] [--units 16] [--window 48] [--stride 3] [--batch 32]
 *                                       [--lr 0.01] [--epochs 40] [--seed 42] [--origin-every 1] [--json]
 *
 * Data: National Energy System Operator (NESO) Carbon Intensity API, CC BY 4.0.
 */
import { HALF_HOUR_MS } from '@carbonreducer/common';
import { readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { actualsSeries, createOnnxIntensityForecaster, trainIntensityLstm } from './index';
import { horizonsForStep, toRegularGrid } from './windows';

const TRAIN_FROM = Date.UTC(2023, 0, 1);
const TEST_FROM = Date.UTC(2023, 4, 1);
const TEST_TO = Date.UTC(2023, 6, 1);

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = 'true';
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

function num(args: Record<string, string>, key: string, def: number): number {
  const v = args[key];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key} must be a number, got ${v}`);
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const neso = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
  const train = actualsSeries(neso.points, TRAIN_FROM, TEST_FROM);
  const startedMs = Date.now();
  const model = await trainIntensityLstm(train, {
    stepMin: 30,
    windowSteps: num(args, 'window', 48),
    units: num(args, 'units', 16),
    maxSeconds: num(args, 'max-seconds', 900),
    originStride: num(args, 'stride', 3),
    batchSize: num(args, 'batch', 32),
    learningRate: num(args, 'lr', 0.01),
    epochs: num(args, 'epochs', 40),
    seed: num(args, 'seed', 42),
    onEpoch: (e) =>
      process.stderr.write(
        `epoch ${e.epoch}: train ${e.trainLoss.toFixed(4)}, validation ${e.validationLoss.toFixed(4)}, ${e.seconds.toFixed(0)} s\n`,
      ),
  });
  const trainSeconds = (Date.now() - startedMs) / 1000;
  const meta = model.metadata();
  const onnxBytes = model.toOnnx();
  model.dispose();
  const forecaster = await createOnnxIntensityForecaster(onnxBytes, meta);

  // The whole half-year as history: a window for an origin only reads slots before it.
  const all = actualsSeries(neso.points);
  const grid = toRegularGrid(all, 30);
  const operator = new Float64Array(grid.values.length).fill(NaN);
  for (const p of neso.points) {
    if (p.forecastGPerKWh !== null) operator[(p.fromMs - grid.startMs) / HALF_HOUR_MS] = p.forecastGPerKWh;
  }
  const { horizonsSteps, horizonsMin } = horizonsForStep(30);
  const originEvery = num(args, 'origin-every', 1);
  const origins: number[] = [];
  for (let t = TEST_FROM; t < TEST_TO; t += originEvery * HALF_HOUR_MS) origins.push(t);
  const evalStartedMs = Date.now();
  const result = await forecaster.predictBatch(all, origins);
  const predictSeconds = (Date.now() - evalStartedMs) / 1000;
  await forecaster.release();

  const rows = horizonsSteps.map((h, k) => {
    let n = 0;
    let lstm = 0;
    let op = 0;
    let snaive = 0;
    let persist = 0;
    let covered = 0;
    let widthSum = 0;
    origins.forEach((originMs, i) => {
      const p = result.predictions[i];
      if (!p) return;
      const last = (originMs - grid.startMs) / HALF_HOUR_MS - 1;
      const target = last + h;
      // Seasonal naive: the same slot on the latest day already known at the origin (one day earlier for h ≤ 1 day).
      const snaiveSlot = target - 48 * Math.ceil(h / 48);
      const actual = grid.values[target];
      const opF = operator[target];
      const sn = grid.values[snaiveSlot];
      const ps = grid.values[last];
      if (
        target >= grid.values.length ||
        !Number.isFinite(actual) ||
        !Number.isFinite(opF) ||
        !Number.isFinite(sn) ||
        !Number.isFinite(ps)
      ) {
        return;
      }
      const a = actual as number;
      n++;
      lstm += Math.abs((p.meanGPerKWh[k] as number) - a);
      op += Math.abs((opF as number) - a);
      snaive += Math.abs((sn as number) - a);
      persist += Math.abs((ps as number) - a);
      const lo = p.lower80[k] as number;
      const hi = p.upper80[k] as number;
      if (a >= lo && a <= hi) covered++;
      widthSum += hi - lo;
    });
    return {
      horizonMin: horizonsMin[k] as number,
      points: n,
      maeLstm: lstm / n,
      maeOperator: op / n,
      maeSeasonalNaive: snaive / n,
      maePersistence: persist / n,
      lstmVsOperatorPct: (100 * (op - lstm)) / op,
      lstmVsSeasonalNaivePct: (100 * (snaive - lstm)) / snaive,
      coverage80: covered / n,
      meanWidth80: widthSum / n,
    };
  });

  const summary = {
    data: 'NESO Carbon Intensity API (CC BY 4.0), GB national, half-hourly',
    train: '2023-01-01..2023-05-01 (last 20 % of origins held out for early stopping and intervals)',
    test: `2023-05-01..2023-07-01 rolling origins every ${originEvery * 30} min`,
    trainSeconds,
    predictSeconds,
    origins: origins.length,
    skippedOrigins: result.skipped.length,
    model: {
      windowSteps: meta.windowSteps,
      units: meta.units,
      epochsRun: meta.epochsRun,
      bestEpoch: meta.bestEpoch,
      stoppedBy: meta.stoppedBy,
      validationLoss: meta.validationLoss,
      trainingWindow: meta.trainingWindow,
    },
    rows,
  };
  if (args.json === 'true') {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  const out: string[] = [];
  out.push(`Data: ${summary.data}. Train ${summary.train}; test ${summary.test}.`);
  out.push(
    `LSTM: window ${String(meta.windowSteps)}, units ${String(meta.units)}, epochs ${String(meta.epochsRun)} (best ${String(meta.bestEpoch)}, stopped by ${String(meta.stoppedBy)}), trained in ${trainSeconds.toFixed(0)} s; ONNX forecasts for ${origins.length - result.skipped.length} origins in ${predictSeconds.toFixed(1)} s (${result.skipped.length} skipped).`,
  );
  out.push(
    'MAE in gCO2/kWh on the same points per horizon; operator = NESO published forecast (latest, benchmark only).',
  );
  out.push(
    ['horizon', 'points', 'LSTM', 'operator', 'seas.naive', 'persist.', 'vs op %', 'vs sn %', 'cov80', 'width80']
      .map((s) => s.padStart(10))
      .join(''),
  );
  for (const r of rows) {
    const hz = r.horizonMin < 60 ? `${r.horizonMin}m` : `${r.horizonMin / 60}h`;
    out.push(
      [
        hz,
        String(r.points),
        r.maeLstm.toFixed(2),
        r.maeOperator.toFixed(2),
        r.maeSeasonalNaive.toFixed(2),
        r.maePersistence.toFixed(2),
        r.lstmVsOperatorPct.toFixed(1),
        r.lstmVsSeasonalNaivePct.toFixed(1),
        r.coverage80.toFixed(3),
        r.meanWidth80.toFixed(1),
      ]
        .map((s) => s.padStart(10))
        .join(''),
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`evaluate failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
