/**
 * Forecast run time for N homes on the real stack (a benchmark run by hand, not a test):
 *   npx tsx workflows/scripts/bench-forecast.ts [--homes 100] [--batch 50] [--runs 2]
 * Writes N homes' real 1-minute whole-home power (REFIT house 2, CC BY 4.0, via DeviceScope; each home a different
 * stretch of the data, shifted to end now) into the telemetry bucket, registers the homes in PostgreSQL, runs the
 * ingest and then forecastWorkflow on the Temporal dev server with a real worker, and prints the wall time per run.
 * Its own namespace (carbonreducer-bench) and home ids (bench-fc-*), deactivated at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DAY_MS, MINUTE_MS, TASK_QUEUES } from '@carbonreducer/common';
import { BUCKETS } from '@carbonreducer/influx';
import { readHouseholdFiles, sharedDataPath } from '@carbonreducer/datasets';
import { InfluxDB } from '@influxdata/influxdb-client';
import { Client, Connection } from '@temporalio/client';
import { PostgresHomeRegistry } from '../src/adapters/homes';
import { ensureNamespace } from '../src/testing/namespace';
import { killWorker, stackSettings, startWorker } from '../src/testing/workerProcess';
import type { ForecastResult } from '../src/types';

const NAMESPACE = 'carbonreducer-bench';
const HISTORY_DAYS = 8;

function log(message: string): void {
  process.stderr.write(`[bench-forecast ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { homes: { type: 'string' }, batch: { type: 'string' }, runs: { type: 'string' } },
  });
  const homes = Number(values.homes ?? 100);
  const batchSize = Number(values.batch ?? 50);
  const runs = Number(values.runs ?? 2);
  for (const [name, v] of Object.entries({ homes, batch: batchSize, runs })) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  }
  const settings = stackSettings();
  const region = 'GB';
  const homeIds = Array.from({ length: homes }, (_, i) => `bench-fc-${String(i + 1).padStart(4, '0')}`);

  // Two months of one real home; home i replays the stretch starting i days later, shifted to end now.
  const series = await readHouseholdFiles([
    // March and April 2014: January reads 0 W throughout (a filled gap).
    sharedDataPath('households/refit-house2-2014-03.csv.gz'),
    sharedDataPath('households/refit-house2-2014-04.csv.gz'),
  ]);
  const dataStart = Math.ceil((series.timeMs[0] as number) / DAY_MS) * DAY_MS;
  const dataDays = Math.floor(((series.timeMs.at(-1) as number) - dataStart) / DAY_MS) - HISTORY_DAYS;
  const nowMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const startMs = nowMs - HISTORY_DAYS * DAY_MS;

  const writeApi = new InfluxDB({ url: settings.influx.url, token: settings.influx.token }).getWriteApi(
    settings.influx.org,
    BUCKETS.telemetry,
    'ms',
    { batchSize: 10_000, flushInterval: 0, maxRetries: 3 },
  );
  const writeStarted = Date.now();
  let points = 0;
  for (const [h, homeId] of homeIds.entries()) {
    const fromMs = dataStart + (h % Math.max(1, dataDays)) * DAY_MS;
    const shift = startMs - fromMs;
    for (let i = 0; i < series.timeMs.length; i++) {
      const t = series.timeMs[i] as number;
      if (t < fromMs) continue;
      if (t >= fromMs + HISTORY_DAYS * DAY_MS) break;
      const w = series.aggregateW[i] as number;
      if (!Number.isFinite(w)) continue;
      writeApi.writeRecord(`meter,device_id=main,home_id=${homeId} power_w=${w} ${t + shift}`);
      points++;
    }
    if ((h + 1) % 25 === 0) {
      await writeApi.flush();
      log(`telemetry written for ${h + 1}/${homes} homes (${points} points)`);
    }
  }
  await writeApi.close();
  log(`telemetry: ${points} points in ${((Date.now() - writeStarted) / 1000).toFixed(1)} s`);

  const registry = new PostgresHomeRegistry({ connectionString: settings.postgresUrl });
  const workers: ChildProcess[] = [];
  const connection = await Connection.connect({ address: settings.temporalAddress });
  try {
    await registry.register(
      homeIds.map((homeId) => ({ homeId, region, timeZone: 'Europe/London', importLimitW: null })),
    );
    await ensureNamespace(connection, NAMESPACE);
    const client = new Client({ connection, namespace: NAMESPACE });
    await startWorker({ namespace: NAMESPACE, region, started: workers });
    await client.workflow.execute('ingestCarbonIntensityWorkflow', {
      taskQueue: TASK_QUEUES.io,
      workflowId: `bench-ingest-${Date.now()}`,
      args: [{ region }],
    });
    const registered = (await registry.listHomes(region)).length;
    log(`${registered} active homes in ${region} (${homes} of them bench homes)`);
    const figures: { wallS: number; result: ForecastResult }[] = [];
    for (let run = 1; run <= runs; run++) {
      const t0 = Date.now();
      const result = await client.workflow.execute<(i: unknown) => Promise<ForecastResult>>('forecastWorkflow', {
        taskQueue: TASK_QUEUES.io,
        workflowId: `bench-forecast-${Date.now()}`,
        args: [{ region, batchSize }],
      });
      const wallS = (Date.now() - t0) / 1000;
      figures.push({ wallS, result });
      log(
        `run ${run}: ${wallS.toFixed(1)} s for ${result.homesForecast} homes forecast, ${result.homesFailed.length} failed ` +
          `(${((wallS * 1000) / Math.max(1, result.homesForecast)).toFixed(0)} ms per home)`,
      );
    }
    process.stdout.write(
      `${JSON.stringify({
        homes,
        activeHomesInRegion: registered,
        batchSize,
        telemetryPoints: points,
        runs: figures.map((f) => ({
          wallS: Number(f.wallS.toFixed(2)),
          homesForecast: f.result.homesForecast,
          homesFailed: f.result.homesFailed.length,
          firstFailure: f.result.homesFailed[0]?.error,
        })),
        attribution: 'REFIT house 2 (CC BY 4.0, DeviceScope); NESO Carbon Intensity (CC BY 4.0)',
      })}\n`,
    );
  } finally {
    for (const homeId of homeIds) await registry.deactivate(homeId);
    await registry.close();
    await Promise.all(workers.map((w) => killWorker(w, 'SIGTERM')));
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-forecast failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
