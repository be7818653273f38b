import { HALF_HOUR_MS, HOUR_MS, TASK_QUEUES } from '@carbonreducer/common';
import { sharedDataPath } from '@carbonreducer/datasets';
import { horizonLabel, INTENSITY_HORIZONS_MIN, runBacktest } from '@carbonreducer/forecast';
import { loadIntensity, ModelRegistry, servedForecaster } from '@carbonreducer/models';
import type { Client } from '@temporalio/client';
import type { AccuracyScore, ForecastResult, IngestSummary } from '../types';

export const REPLAY_FILE = 'carbon-intensity/neso-gb-national-2023H1.csv';

export interface ReplayOutcome {
  forecasts: ForecastResult[];
  ingests: IngestSummary[];
  /** What scoreForecastsWorkflow wrote at `scoreAt`. */
  live: AccuracyScore[];
  /** The backtest of the same champion at the same origins, on the same (origin, lead) pairs as the 7-day window. */
  backtest: { horizon: string; maeGPerKWh: number; points: number }[];
}

/**
 * Drives a worker whose file source serves the shared NESO file at its own timestamps: ingest + forecast at each
 * origin, one more ingest at `scoreAt` (its backfill brings the actuals up to then), then the hourly scoring at
 * `scoreAt`; and the backtest runner's MAE for the same forecasts, for comparison.
 */
export async function replayAndScore(args: {
  temporal: Client;
  region: string;
  origins: string[];
  scoreAt: string;
  registryRoot: string;
  /** Prefix of workflow ids (unique per run). */
  idPrefix: string;
  onProgress?: (done: number, total: number) => void;
  /** Runs after each origin's forecast, before the next origin (e.g. plan a home from the forecast just written). */
  afterForecast?: (origin: string, forecast: ForecastResult) => Promise<void>;
}): Promise<ReplayOutcome> {
  const { temporal, region } = args;
  const forecasts: ForecastResult[] = [];
  const ingests: IngestSummary[] = [];
  const ingest = async (now: string): Promise<void> => {
    ingests.push(
      await temporal.workflow.execute('ingestCarbonIntensityWorkflow', {
        taskQueue: TASK_QUEUES.io,
        workflowId: `${args.idPrefix}-ingest/${region}/${now}`,
        args: [{ region, now }],
      }),
    );
  };
  for (const [i, origin] of args.origins.entries()) {
    await ingest(origin);
    const forecast: ForecastResult = await temporal.workflow.execute('forecastWorkflow', {
      taskQueue: TASK_QUEUES.io,
      workflowId: `${args.idPrefix}-forecast/${region}/${origin}`,
      args: [{ region, issuedAt: origin, horizonH: 48 }],
    });
    forecasts.push(forecast);
    await args.afterForecast?.(origin, forecast);
    args.onProgress?.(i + 1, args.origins.length);
  }
  await ingest(args.scoreAt);
  const live: AccuracyScore[] = await temporal.workflow.execute('scoreForecastsWorkflow', {
    taskQueue: TASK_QUEUES.io,
    workflowId: `${args.idPrefix}-score/${region}/${args.scoreAt}`,
    args: [{ region, now: args.scoreAt }],
  });

  const stored = await new ModelRegistry(args.registryRoot).loadChampion('intensity');
  const { forecaster } = await servedForecaster(stored);
  const series = (await loadIntensity([sharedDataPath(REPLAY_FILE)])).actual;
  const originsMs = args.origins.map((o) => Date.parse(o));
  const run = await runBacktest(
    series,
    INTENSITY_HORIZONS_MIN.map((m) => ({
      label: horizonLabel(m),
      stepsAhead: [(m * 60_000) / HALF_HOUR_MS],
      originsMs,
    })),
    [forecaster],
  );
  const scoreAtMs = Date.parse(args.scoreAt);
  const backtest = run.horizons.map((h) => {
    let err = 0;
    let n = 0;
    for (const r of h.records) {
      const f = r.forecasts[forecaster.name]?.point;
      if (f === undefined || Number.isNaN(r.actual)) continue;
      if (r.targetEndMs > scoreAtMs || r.targetEndMs <= scoreAtMs - 7 * 24 * HOUR_MS) continue;
      err += Math.abs(f - r.actual);
      n++;
    }
    return { horizon: h.label, maeGPerKWh: n > 0 ? err / n : Number.NaN, points: n };
  });
  return { forecasts, ingests, live, backtest };
}
