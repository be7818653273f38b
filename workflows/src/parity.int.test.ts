/**
 * @jest-environment ./models/jest-ort-environment.js
 *
 * Train/serve parity on the real stack (`scripts/stack up`): a worker whose file source replays the shared NESO file
 * at its own timestamps (INTENSITY_FILE_REPLAY=false) runs the ingest and forecast workflows at several origins (the
 * workflows' `now`/`issuedAt` drive the file source's clock). The forecasts read back from InfluxDB must equal, within
 * 1e-3 gCO2/kWh, what the backtest's rolling-origin runner computes for the same origins with the same champion from
 * the file itself. With the backfill switched off (INTENSITY_BACKFILL=false) the champion's inputs are incomplete: the
 * forecast is served by a declared fallback, tagged so, and differs.
 *
 * The parity tests' workers take INTENSITY_BACKFILL from the environment (default true), so switching the backfill
 * off is configuration, not a code edit, and makes the parity itself fail (the served forecast is compared first):
 *   INTENSITY_BACKFILL=false npx jest workflows/src/parity.int.test.ts --selectProjects integration -t 'served forecasts equal'
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { HALF_HOUR_MS, HOUR_MS, TASK_QUEUES } from '@carbonreducer/common';
import { sharedDataPath } from '@carbonreducer/datasets';
import { runBacktest } from '@carbonreducer/forecast';
import {
  BUCKETS,
  createInfluxClient,
  FORECAST_SERVING,
  forecastRowsQuery,
  type ForecastRow,
} from '@carbonreducer/influx';
import { loadIntensity, ModelRegistry, servedForecaster } from '@carbonreducer/models';
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { flux } from '@influxdata/influxdb-client';
import { replayAndScore } from './testing/replay';
import { connectTestTemporal, killWorker, stackSettings, startWorker } from './testing/workerProcess';
import type { ForecastResult, IngestSummary } from './types';

jest.setTimeout(900_000);

/** Its own namespace: no worker of another test (or engineer) on the same server takes these tasks. */
const NAMESPACE = 'carbonreducer-it-parity';
const FILE = 'carbon-intensity/neso-gb-national-2023H1.csv';
/** Inside the champion's test window (after its training window, 2021-01..2023-04): out of sample. */
const ORIGINS = ['2023-05-10T12:00:00.000Z', '2023-05-11T00:00:00.000Z', '2023-05-12T07:00:00.000Z'];
const HORIZON_H = 48;
const tag = () =>
  randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 6)
    .toUpperCase();

const settings = stackSettings();
const influx = createInfluxClient(settings.influx).getQueryApi(settings.influx.org);
const workers: ChildProcess[] = [];
let temporal: Client;
let closeTemporal: () => Promise<void>;
let registryRoot: string;

beforeAll(async () => {
  const connected = await connectTestTemporal(NAMESPACE);
  temporal = connected.client;
  closeTemporal = () => connected.connection.close();
  registryRoot = await mkdtemp(join(tmpdir(), 'carbonreducer-parity-registry-'));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => killWorker(w, 'SIGKILL')));
  await closeTemporal?.();
  await rm(registryRoot, { recursive: true, force: true });
});

async function runWorkflows(
  region: string,
  origin: string,
): Promise<{ ingest: IngestSummary; forecast: ForecastResult }> {
  const ingest = await temporal.workflow.execute('ingestCarbonIntensityWorkflow', {
    taskQueue: TASK_QUEUES.io,
    workflowId: `parity-ingest/${region}/${origin}`,
    args: [{ region, now: origin }],
  });
  const forecast = await temporal.workflow.execute('forecastWorkflow', {
    taskQueue: TASK_QUEUES.io,
    workflowId: `parity-forecast/${region}/${origin}`,
    args: [{ region, issuedAt: origin, horizonH: HORIZON_H }],
  });
  return { ingest: ingest as IngestSummary, forecast: forecast as ForecastResult };
}

/** The stored forecast of one issue, slot start → row. */
async function storedForecast(region: string, issuedAt: string): Promise<Map<number, ForecastRow>> {
  const startMs = Date.parse(issuedAt);
  const rows = await influx.collectRows<ForecastRow>(
    forecastRowsQuery(BUCKETS.forecasts, {
      kind: 'intensity',
      key: region,
      startMs,
      stopMs: startMs + HORIZON_H * HOUR_MS,
    }),
  );
  return new Map(rows.filter((r) => r.issued_at === issuedAt).map((r) => [Date.parse(r._time), r]));
}

/** The backfill setting of the parity tests' workers: the environment's INTENSITY_BACKFILL (the worker's own variable). */
const BACKFILL = process.env.INTENSITY_BACKFILL ?? 'true';

function worker(region: string, env: Record<string, string>): Promise<ChildProcess> {
  return startWorker({
    namespace: NAMESPACE,
    region,
    started: workers,
    env: { INTENSITY_SOURCES: 'file', INTENSITY_FILE_REPLAY: 'false', MODEL_REGISTRY_DIR: registryRoot, ...env },
  });
}

describe('train/serve parity of the intensity forecast', () => {
  let expected: Map<string, Map<number, number>>;
  let championVersion: string;

  it('served forecasts equal the backtest of the same champion at the same origins', async () => {
    const region = `PARITY${tag()}`;
    const w = await worker(region, { INTENSITY_BACKFILL: BACKFILL });

    // The expectation: the backtest's rolling-origin runner over the file itself, with the champion the worker serves
    // (seeded into the temporary registry at the worker's start).
    const stored = await new ModelRegistry(registryRoot).loadChampion('intensity');
    championVersion = stored.meta.version;
    const { forecaster } = await servedForecaster(stored);
    const series = (await loadIntensity([sharedDataPath(FILE)])).actual;
    const steps = Array.from({ length: (HORIZON_H * HOUR_MS) / HALF_HOUR_MS }, (_, i) => i + 1);
    const run = await runBacktest(
      series,
      [{ label: 'all', stepsAhead: steps, originsMs: ORIGINS.map((o) => Date.parse(o)) }],
      [forecaster],
    );
    expected = new Map(ORIGINS.map((o) => [o, new Map<number, number>()]));
    for (const r of run.horizons[0]?.records ?? []) {
      const point = r.forecasts[forecaster.name]?.point;
      if (point !== undefined)
        expected.get(new Date(r.originMs).toISOString())?.set(r.targetEndMs - HALF_HOUR_MS, point);
    }

    for (const [i, origin] of ORIGINS.entries()) {
      const { ingest, forecast } = await runWorkflows(region, origin);
      // The parity first: what InfluxDB holds against the backtest, slot by slot.
      const served = await storedForecast(region, origin);
      const want = expected.get(origin) as Map<number, number>;
      expect(want.size).toBe(steps.length);
      expect(served.size).toBe(steps.length);
      let maxAbs = 0;
      for (const [slotMs, point] of want)
        maxAbs = Math.max(maxAbs, Math.abs(Number(served.get(slotMs)?._value) - point));
      // gCO2/kWh; about 100 off when the champion cannot serve for want of history (backfill off).
      expect(maxAbs).toBeLessThan(1e-3);
      for (const slotMs of want.keys()) expect(served.get(slotMs)?.served_by).toBe('champion');
      expect(forecast).toMatchObject({ intensityServedBy: 'champion', intensityFallbackReason: 'none' });
      expect(forecast.intensityModelVersion).toBe(championVersion);
      // The first ingest backfills the whole history the champion reads; later ones only what is new since.
      expect(ingest.backfill?.enabled).toBe(true);
      expect(ingest.backfill?.failedChunks).toEqual([]);
      if (i === 0) {
        expect(ingest.backfill?.chunks.length).toBeGreaterThan(1);
        expect(ingest.backfill?.pointsWritten).toBeGreaterThanOrEqual(8 * 48);
      }
    }
    const described = await temporal.workflow.getHandle(`parity-forecast/${region}/${ORIGINS[0]}`).describe();
    expect(described.searchAttributes.ForecastServedBy).toEqual(['champion']);
    await killWorker(w, 'SIGTERM');
  });

  it('live scoring gives the backtest MAE per horizon for the same forecasts', async () => {
    const region = `SCORE${tag()}`;
    const w = await worker(region, { INTENSITY_BACKFILL: BACKFILL });
    const first = Date.parse('2023-05-15T00:00:00Z');
    const origins = Array.from({ length: 6 }, (_, i) => new Date(first + i * HOUR_MS).toISOString());
    const scoreAt = new Date(first + 5 * HOUR_MS + 49 * HOUR_MS).toISOString();
    const r = await replayAndScore({ temporal, region, origins, scoreAt, registryRoot, idPrefix: 'parity' });
    expect(r.forecasts.every((f) => f.intensityServedBy === 'champion')).toBe(true);
    const live7d = r.live.filter((s) => s.window === '7d' && s.servedBy === 'champion');
    expect(live7d.map((s) => s.horizon)).toEqual(['30m', '1h', '2h', '4h', '8h', '12h', '24h', '48h']);
    for (const b of r.backtest) {
      const l = live7d.find((s) => s.horizon === b.horizon);
      expect(l?.points).toBe(b.points);
      expect(l?.points).toBe(6);
      expect(Math.abs((l?.maeGPerKWh ?? NaN) - b.maeGPerKWh)).toBeLessThan(1e-3);
      expect(l?.coverage80).not.toBeNull();
    }
    await killWorker(w, 'SIGTERM');
  });

  it('fails without the backfill: the champion is not served from 24 h of actuals, a tagged fallback is', async () => {
    const region = `NOFILL${tag()}`;
    const w = await worker(region, { INTENSITY_BACKFILL: 'false' });
    const origin = ORIGINS[0] as string;
    const { ingest, forecast } = await runWorkflows(region, origin);
    expect(ingest.backfill).toMatchObject({ enabled: false, chunks: [] });
    expect(forecast.intensityServedBy).not.toBe('champion');
    expect(forecast.intensityFallbackReason).toBe('incomplete_history');
    const served = await storedForecast(region, origin);
    const want = expected.get(origin) as Map<number, number>;
    let maxAbs = 0;
    for (const [slotMs, point] of want) {
      const row = served.get(slotMs);
      expect(row?.served_by).not.toBe('champion');
      expect(row?.fallback_reason).toBe('incomplete_history');
      maxAbs = Math.max(maxAbs, Math.abs(Number(row?._value) - point));
    }
    // Far from the backtest: the parity above cannot hold without the history.
    expect(maxAbs).toBeGreaterThan(1);
    // The fallback is counted where an operator sees it.
    const counted = await influx.collectRows<{ _value: number }>(flux`from(bucket: ${BUCKETS.forecasts})
  |> range(start: 2023-01-01T00:00:00Z, stop: 2023-07-01T00:00:00Z)
  |> filter(fn: (r) => r._measurement == ${FORECAST_SERVING.measurement} and r.key == ${region} and r._field == ${FORECAST_SERVING.fields.fallback})
  |> sum()`);
    expect(counted[0]?._value).toBe(1);
    await killWorker(w, 'SIGTERM');
  });
});
