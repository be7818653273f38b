/**
 * The figures of the live-loop note (issue #13), on the real stack (`scripts/stack up`):
 *   npx tsx workflows/scripts/replay-note.ts [FIRST_DAY] [DAYS]      (default 2023-05-15, 7)
 *
 * Starts its own worker (namespace carbonreducer-it-note, a fresh region, a temporary copy of the model registry)
 * whose file source serves the shared NESO file at its own timestamps, and drives its clock: the ingest (with its
 * backfill) and forecast workflows at every hour of the week, a registered home of that region whose dishwasher and
 * washing machine (the recorded DeviceScope cycles) are requested at 18:00 UTC each day and planned by the planHome
 * activity from the forecast just written to InfluxDB; each planned run then "runs" — the recorded cycle is written as
 * the device's telemetry at its planned start and its start acked — and the verifyHomeRuns activity verifies it
 * against NESO's actuals in InfluxDB. Prints:
 *   1. live MAE per horizon (scoreForecastsWorkflow, 7-day window) next to the backtest runner's MAE of the same
 *      champion at the same origins and (origin, lead) pairs, and the champion's registered backtest
 *      (`carbonreducer models backtest`, its whole test window);
 *   2. fallback counts over the replay (the workflows' results and the forecast_serving measurement);
 *   3. expected vs verified avoided emissions per replayed run.
 * Not replayed here: the optimizer workflow itself (its timers and MQTT commands run at wall-clock time), so the
 * planner is called as that workflow calls it, and the device's ack is taken as given.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DAY_MS, HOUR_MS, silentLogger, TASK_QUEUES } from '@carbonreducer/common';
import { readApplianceTrace, sharedDataPath } from '@carbonreducer/datasets';
import { BUCKETS, createInfluxClient, FORECAST_SERVING, writePoints } from '@carbonreducer/influx';
import { ModelRegistry } from '@carbonreducer/models';
import { createHighsSolver } from '@carbonreducer/optimizer';
import { flux, Point } from '@influxdata/influxdb-client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createComputeActivities, createIoActivities } from '../src/activities';
import { PostgresHomeRegistry } from '../src/adapters/homes';
import { InfluxForecastStore } from '../src/adapters/influx';
import { createOptimizerPlanner } from '../src/adapters/optimizerPlanner';
import { InfluxVerificationStore } from '../src/adapters/verification';
import { summariseCycle } from '../src/domain/bootstrap';
import { replayAndScore } from '../src/testing/replay';
import { connectTestTemporal, killWorker, stackSettings, startWorker } from '../src/testing/workerProcess';
import type { ChildProcess } from 'node:child_process';
import type {
  CommandState,
  CurrentPlanView,
  ForecastResult,
  PlannedRun,
  PublishedPlan,
  RequestState,
  RunRequest,
  RunVerification,
} from '../src/types';

const NAMESPACE = 'carbonreducer-it-note';
const APPLIANCES = [
  { file: 'devicescope-example-dishwasher.csv.gz', appliance: 'dishwasher', readyAfterH: 13 },
  { file: 'devicescope-example-washingmachine.csv.gz', appliance: 'washing_machine', readyAfterH: 24 },
] as const;
const ATTRIBUTION =
  'Data: carbon intensity — National Energy System Operator (NESO) Carbon Intensity API, CC BY 4.0 ' +
  '(../shared/data/carbon-intensity/neso-gb-national-2023H1.csv; the champion was trained on Electricity Maps data, ' +
  'attribution required); appliance cycles — REFIT and UK-DALE, CC BY 4.0, as prepared by the DeviceScope project ' +
  '(Apache-2.0) (../shared/data/appliances/devicescope-example-*.csv.gz).';

const unused = (what: string) => () => {
  throw new Error(`replay-note: ${what} is not used here`);
};

function usage(): never {
  process.stderr.write('usage: replay-note.ts [FIRST_DAY_ISO] [DAYS]   e.g. replay-note.ts 2023-05-15 7\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const firstMs = Date.parse(process.argv[2] ?? '2023-05-15T00:00:00Z');
  const days = Number(process.argv[3] ?? '7');
  if (!Number.isFinite(firstMs) || firstMs % DAY_MS !== 0) usage();
  if (!Number.isInteger(days) || days < 1 || days > 14) usage();
  const lastMs = firstMs + days * DAY_MS;
  if (firstMs < Date.parse('2023-01-09T00:00:00Z') || lastMs + 2 * DAY_MS > Date.parse('2023-07-01T00:00:00Z')) {
    throw new Error(
      'the week must lie inside the NESO file (2023-01-01 … 2023-06-30) with 8 days of history before it and 2 after',
    );
  }
  const settings = stackSettings();
  const tag = randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 6)
    .toUpperCase();
  const region = `NT${tag}`;
  const homeId = `note-${tag.toLowerCase()}`;
  const registryRoot = await mkdtemp(join(tmpdir(), 'carbonreducer-note-registry-'));
  const started: ChildProcess[] = [];
  const homes = new PostgresHomeRegistry({ connectionString: settings.postgresUrl, connectionTimeoutMillis: 5_000 });
  const { client, connection } = await connectTestTemporal(NAMESPACE);
  const influx = createInfluxClient(settings.influx);
  const t0 = Date.now();
  try {
    await homes.register([{ homeId, region, timeZone: 'Europe/London', importLimitW: 13_800 }]);
    await startWorker({
      namespace: NAMESPACE,
      region,
      started,
      env: { INTENSITY_SOURCES: 'file', INTENSITY_FILE_REPLAY: 'false', MODEL_REGISTRY_DIR: registryRoot },
    });
    const cycles = await Promise.all(
      APPLIANCES.map(async (a) => {
        const trace = await readApplianceTrace(sharedDataPath(`appliances/${a.file}`));
        return { ...a, trace, summary: summariseCycle(a.appliance, trace.timeMs, trace.powerW) };
      }),
    );
    const compute = createComputeActivities({
      intensityForecaster: { forecast: unused('intensity forecaster') } as never,
      loadForecaster: { forecast: unused('load forecaster') } as never,
      forecasts: new InfluxForecastStore(settings.influx),
      homeRecords: homes,
      planner: createOptimizerPlanner({ solver: await createHighsSolver(), slotMin: 30 }),
      models: {} as never,
      logger: silentLogger,
    });

    // The home's requests and the runs planned for them, as the optimizer's currentPlan query would show them.
    const requests: RequestState[] = [];
    const runs: (PlannedRun & { forecastServedBy: string })[] = [];
    const afterForecast = async (origin: string, forecast: ForecastResult): Promise<void> => {
      const originMs = Date.parse(origin);
      if (new Date(originMs).getUTCHours() !== 18) return;
      const day: RunRequest[] = cycles.map((c) => ({
        requestId: `${c.appliance}-${origin.slice(0, 10)}`,
        deviceId: c.appliance,
        appliance: c.appliance,
        durationMin: c.summary.durationMin,
        powerW: c.summary.powerW,
        ...(c.summary.profileW ? { profileW: c.summary.profileW } : {}),
        earliestStart: origin,
        readyBy: new Date(originMs + c.readyAfterH * HOUR_MS).toISOString(),
      }));
      const plan: PublishedPlan = await new MockActivityEnvironment().run(compute.planHome, {
        homeId,
        region,
        requests: day,
        planVersion: requests.length / 2 + 1,
        now: origin,
      });
      if (plan.forecastIssuedAt !== forecast.issuedAt) {
        throw new Error(`the plan at ${origin} read the forecast issued ${plan.forecastIssuedAt}`);
      }
      for (const r of day) requests.push({ request: r, status: 'dispatched' });
      for (const run of plan.runs) runs.push({ ...run, forecastServedBy: plan.forecastServedBy ?? 'untagged' });
    };

    const origins = Array.from({ length: days * 24 }, (_, i) => new Date(firstMs + i * HOUR_MS).toISOString());
    const scoreAt = new Date(lastMs).toISOString();
    const r = await replayAndScore({
      temporal: client,
      region,
      origins,
      scoreAt,
      registryRoot,
      idPrefix: `note-${Date.now()}`,
      onProgress: (d, t) =>
        d % 24 === 0 && process.stderr.write(`${d}/${t} origins (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`),
      afterForecast,
    });

    // The runs "run": each recorded cycle as the device's telemetry from its planned start; its start acked.
    for (const run of runs) {
      const c = cycles.find((x) => x.appliance === run.appliance);
      if (!c) throw new Error(`no cycle for ${run.appliance}`);
      const firstOn = c.trace.timeMs.findIndex((_, i) => (c.trace.powerW[i] ?? 0) > 15);
      const shift = Date.parse(run.startAt) - (c.trace.timeMs[firstOn] as number);
      await writePoints(
        influx,
        { org: settings.influx.org, bucket: BUCKETS.telemetry, precision: 'ms' },
        Array.from(c.trace.timeMs, (t, i) =>
          new Point('plug')
            .tag('home_id', homeId)
            .tag('device_id', run.deviceId)
            .floatField('power_w', c.trace.powerW[i] as number)
            .timestamp(new Date(t + shift)),
        ),
        'replayed appliance telemetry',
      );
    }
    // The actuals up to the end of the last run (plus the verification's margin) by one more ingest.
    const lastEndMs = Math.max(...runs.map((x) => Date.parse(x.endAt)));
    const verifyAt = new Date(Math.ceil((lastEndMs + 3 * HOUR_MS) / HOUR_MS) * HOUR_MS).toISOString();
    await client.workflow.execute('ingestCarbonIntensityWorkflow', {
      taskQueue: TASK_QUEUES.io,
      workflowId: `note-verify-ingest/${region}/${verifyAt}`,
      args: [{ region, now: verifyAt }],
    });
    const commands: CommandState[] = runs.map((run) => ({
      idempotencyKey: `${homeId}/${run.requestId}/start`,
      homeId,
      deviceId: run.deviceId,
      appliance: run.appliance,
      requestId: run.requestId,
      action: 'start',
      at: run.startAt,
      planVersion: 1,
      status: 'acked',
      ackedAt: run.startAt,
    }));
    const view: CurrentPlanView = {
      homeId,
      plan: {
        homeId,
        version: 1,
        plannedAt: origins[0] as string,
        forecastIssuedAt: null,
        forecastModelVersion: null,
        runs,
        slots: [],
        avoidedEmissionsG: runs.reduce((g, x) => g + x.avoidedEmissionsG, 0),
      },
      commands,
      requests,
      expectedAvoidedEmissionsG: runs.reduce((g, x) => g + x.avoidedEmissionsG, 0),
      verifiedAvoidedEmissionsG: 0,
      verifiedRuns: [],
      replans: 0,
    };
    const io = createIoActivities({
      ingestor: {} as never,
      intensityForecaster: {} as never,
      accuracy: {} as never,
      plans: { currentPlan: async (h) => (h === homeId ? view : null) },
      verification: new InfluxVerificationStore(settings.influx),
      homes: {} as never,
      notifier: { forecastsChanged: unused('notifier'), runsVerified: async () => true } as never,
      schedules: {} as never,
      commands: {} as never,
      models: {} as never,
      logger: silentLogger,
    });
    const verified: RunVerification[] = await new MockActivityEnvironment().run(io.verifyHomeRuns, {
      homeId,
      region,
      now: verifyAt,
    });

    // Fallbacks: what the workflows returned, and what the forecast_serving measurement counts.
    const intensityBy = new Map<string, number>();
    const loadBy = new Map<string, number>();
    for (const f of r.forecasts) {
      const k = `${f.intensityServedBy ?? 'untagged'}/${f.intensityFallbackReason ?? '–'}`;
      intensityBy.set(k, (intensityBy.get(k) ?? 0) + 1);
      for (const [by, n] of Object.entries(f.loadServedBy ?? {})) loadBy.set(by, (loadBy.get(by) ?? 0) + (n ?? 0));
    }
    const counted = await influx.getQueryApi(settings.influx.org).collectRows<{
      kind: string;
      served_by: string;
      fallback_reason: string;
      _value: number;
    }>(flux`from(bucket: ${BUCKETS.forecasts})
  |> range(start: ${new Date(firstMs - DAY_MS)}, stop: ${new Date(lastMs + 3 * DAY_MS)})
  |> filter(fn: (r) => r._measurement == ${FORECAST_SERVING.measurement} and r._field == ${FORECAST_SERVING.fields.fallback})
  |> filter(fn: (r) => (r.kind == "intensity" and r.key == ${region}) or (r.kind == "load" and r.key == ${homeId}))
  |> group(columns: ["kind", "served_by", "fallback_reason"])
  |> sum()`);
    const champion = (await new ModelRegistry(registryRoot).loadChampion('intensity')).meta;
    const registered = new Map(
      ((champion as { backtest?: { horizons?: { h: string; mae: number }[] } }).backtest?.horizons ?? []).map((h) => [
        h.h,
        h.mae,
      ]),
    );

    const out: string[] = [];
    out.push(
      `Replayed ${origins.length} hourly origins ${origins[0]} … ${origins[origins.length - 1]} through the stack ` +
        `(region ${region}, home ${homeId}, champion ${champion.version}) in ${((Date.now() - t0) / 1000).toFixed(0)} s; ` +
        `scored at ${scoreAt} (7-day window).`,
      '',
      '| horizon | live MAE gCO2/kWh | live 80 % coverage | live points | backtest MAE, same champion and origins | points | registered backtest MAE (test window 2023-04-01…07-02) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const b of r.backtest) {
      const l = r.live.find((s) => s.window === '7d' && s.servedBy === 'champion' && s.horizon === b.horizon);
      out.push(
        `| ${b.horizon} | ${l?.maeGPerKWh.toFixed(3) ?? '–'} | ${l?.coverage80?.toFixed(3) ?? '–'} | ${l?.points ?? 0} | ${b.maeGPerKWh.toFixed(3)} | ${b.points} | ${registered.get(b.horizon)?.toFixed(3) ?? '–'} |`,
      );
    }
    const backfilled = r.ingests.reduce((n, i) => n + (i.backfill?.pointsWritten ?? 0), 0);
    out.push(
      '',
      `Intensity forecasts served (workflow results, ${r.forecasts.length} issues): ${[...intensityBy].map(([k, n]) => `${k} ${n}`).join(', ')}; ` +
        `load forecasts of the home: ${[...loadBy].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; actuals backfilled: ${backfilled}.`,
      `forecast_serving sum(fallback): ${
        counted
          .filter((c) => c._value > 0)
          .map((c) => `${c.kind} ${c.served_by}/${c.fallback_reason} ${c._value}`)
          .join(', ') || 'none (0 fallbacks)'
      }.`,
      '',
      '| day | appliance | forecast served by | planned start | expected avoided g | verified avoided g | realised g | counterfactual g |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    let expectedG = 0;
    let verifiedG = 0;
    for (const run of runs) {
      const v = verified.find((x) => x.requestId === run.requestId);
      expectedG += run.avoidedEmissionsG;
      verifiedG += v?.avoidedG ?? 0;
      out.push(
        `| ${run.requestId.slice(-10)} | ${run.appliance} | ${run.forecastServedBy} | ${run.startAt.slice(0, 16)} | ${run.avoidedEmissionsG.toFixed(1)} | ${v?.status === 'verified' ? (v.avoidedG ?? 0).toFixed(1) : (v?.status ?? 'not checked')} | ${v?.realisedG?.toFixed(1) ?? '–'} | ${v?.counterfactualG?.toFixed(1) ?? '–'} |`,
      );
    }
    const nVerified = verified.filter((v) => v.status === 'verified').length;
    out.push(
      `| total | ${runs.length} runs, ${nVerified} verified | | | ${expectedG.toFixed(1)} | ${verifiedG.toFixed(1)} | | |`,
      '',
      ATTRIBUTION,
    );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await homes.deactivate(homeId).catch(() => false);
    await homes.close();
    await Promise.all(started.map((w) => killWorker(w, 'SIGKILL')));
    await connection.close();
    await rm(registryRoot, { recursive: true, force: true });
  }
}

/** The error and its causes, one a line (a failed workflow's reason is in its cause chain). */
function describe(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    lines.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\n  caused by ');
}

main().catch((err: unknown) => {
  process.stderr.write(`replay-note: ${describe(err)}\n`);
  process.exit(1);
});
