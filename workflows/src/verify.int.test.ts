/**
 * Verified avoided emissions on the real InfluxDB (`scripts/stack up`), on a replayed real cycle: a recorded
 * dishwasher cycle written as the device's telemetry, NESO's actual intensity written by the intensity writer, the
 * plan as the optimizer's query returns it. The activity must find the run, verify it and write its figures.
 */
import { randomUUID } from 'node:crypto';
import { silentLogger } from '@carbonreducer/common';
import { readApplianceTrace, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { BUCKETS, createInfluxClient, VERIFIED_HOME_DAY, VERIFIED_RUN, writePoints } from '@carbonreducer/influx';
import { InfluxIntensityWriter, type IntensityPoint } from '@carbonreducer/intensity';
import { flux, Point } from '@influxdata/influxdb-client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIoActivities, type IoActivityDeps } from './activities';
import { InfluxVerificationStore } from './adapters/verification';
import { verifyRun } from './domain/verify';
import { stackSettings } from './testing/workerProcess';
import type { CurrentPlanView, RunVerification } from './types';

jest.setTimeout(120_000);

const settings = stackSettings();
const id = randomUUID().slice(0, 8);
const region = `VERIFY${randomUUID()
  .replace(/[^a-f]/g, '')
  .slice(0, 6)
  .toUpperCase()}`;
const homeId = `it-verify-${id}`;
const earliestStart = '2023-05-10T18:00:00.000Z';
const plannedStart = '2023-05-11T02:00:00.000Z';

const unused = async (): Promise<never> => {
  throw new Error('unused');
};

it('verifies a replayed real dishwasher run and writes realised vs counterfactual per run and per day', async () => {
  const client = createInfluxClient(settings.influx);
  await client
    .getQueryApi(settings.influx.org)
    .collectRows(flux`buckets()`)
    .catch((err: unknown) => {
      throw new Error(`InfluxDB not reachable at ${settings.influx.url}: run scripts/stack up`, { cause: err });
    });
  // Device telemetry: the recorded cycle moved to the planned start, as the plug would have reported it.
  const trace = await readApplianceTrace(sharedDataPath('appliances/devicescope-example-dishwasher.csv.gz'));
  const firstOn = trace.timeMs.findIndex((_, i) => (trace.powerW[i] ?? 0) > 15);
  const shift = Date.parse(plannedStart) - (trace.timeMs[firstOn] as number);
  const telemetry = Array.from(trace.timeMs, (t, i) => ({ timeMs: t + shift, powerW: trace.powerW[i] as number }));
  await writePoints(
    client,
    { org: settings.influx.org, bucket: BUCKETS.telemetry, precision: 'ms' },
    telemetry.map((s) =>
      new Point('plug')
        .tag('home_id', homeId)
        .tag('device_id', 'dw')
        .floatField('power_w', s.powerW)
        .timestamp(new Date(s.timeMs)),
    ),
    'test telemetry',
  );
  // Actual intensity of the two days, from the shared NESO file.
  const nes = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
  const fromMs = Date.parse('2023-05-10T00:00:00Z');
  const toMs = Date.parse('2023-05-12T00:00:00Z');
  const actuals: IntensityPoint[] = nes.points
    .filter((p) => p.fromMs >= fromMs && p.fromMs < toMs && p.actualGPerKWh !== null)
    .map((p) => ({
      fromMs: p.fromMs,
      toMs: p.toMs,
      intensityGPerKWh: p.actualGPerKWh as number,
      kind: 'actual',
      issuedAtMs: null,
      source: 'file',
    }));
  await new InfluxIntensityWriter(settings.influx).write(actuals, { id: region });

  const run = (requestId: string, deviceId: string) => ({
    requestId,
    deviceId,
    appliance: 'dishwasher',
    startAt: plannedStart,
    endAt: new Date(Date.parse(plannedStart) + 3 * 3_600_000).toISOString(),
    powerW: 800,
    energyWh: 1000,
    emissionsG: 100,
    baselineEmissionsG: 150,
    avoidedEmissionsG: 50,
  });
  const command = (requestId: string, deviceId: string, status: 'acked' | 'sent') => ({
    idempotencyKey: `${homeId}/${requestId}/start`,
    homeId,
    deviceId,
    appliance: 'dishwasher',
    requestId,
    action: 'start' as const,
    at: plannedStart,
    planVersion: 1,
    status,
  });
  const request = (requestId: string, deviceId: string) => ({
    request: {
      requestId,
      deviceId,
      appliance: 'dishwasher',
      durationMin: 120,
      powerW: 800,
      earliestStart,
      readyBy: '2023-05-11T07:00:00Z',
    },
    status: 'dispatched' as const,
  });
  const view: CurrentPlanView = {
    homeId,
    plan: {
      homeId,
      version: 1,
      plannedAt: earliestStart,
      forecastIssuedAt: null,
      forecastModelVersion: null,
      runs: [run('r1', 'dw'), run('r2', 'wm')],
      slots: [],
      avoidedEmissionsG: 100,
    },
    commands: [command('r1', 'dw', 'acked'), command('r2', 'wm', 'sent')],
    requests: [request('r1', 'dw'), request('r2', 'wm')],
    expectedAvoidedEmissionsG: 100,
    verifiedAvoidedEmissionsG: 0,
    verifiedRuns: [],
    replans: 0,
  };
  const signalled: { homeId: string; runs: RunVerification[] }[] = [];
  const deps: IoActivityDeps = {
    ingestor: {
      ingest: unused,
      backfill: { enabled: false, chunkMs: 1 },
      missingActuals: unused,
      backfillChunk: unused,
    },
    intensityForecaster: { historyNeeds: unused },
    accuracy: { scoringData: unused, writeScores: unused },
    plans: { currentPlan: async (h) => (h === homeId ? view : null) },
    verification: new InfluxVerificationStore(settings.influx),
    homes: { listHomes: unused },
    notifier: {
      forecastsChanged: unused,
      runsVerified: async (h, runs) => {
        signalled.push({ homeId: h, runs });
        return true;
      },
    },
    schedules: { writePlan: unused },
    commands: { publishOnce: unused },
    models: { promote: unused },
    logger: silentLogger,
  };
  const results: RunVerification[] = await new MockActivityEnvironment().run(createIoActivities(deps).verifyHomeRuns, {
    homeId,
    region,
    now: '2023-05-11T12:00:00.000Z',
  });
  // The home's optimizer is handed the findings (its currentPlan then shows them): once, after the write.
  expect(signalled).toEqual([{ homeId, runs: results }]);

  // The same figures from the data directly.
  const want = verifyRun({
    plannedStartMs: Date.parse(plannedStart),
    earliestStartMs: Date.parse(earliestStart),
    plannedEnergyWh: 1000,
    startAcked: true,
    telemetry,
    actualIntensity: new Map(actuals.map((p) => [p.fromMs, p.intensityGPerKWh])),
  });
  if (!want.verified) throw new Error(`the replayed cycle does not verify: ${want.reason}`);
  expect(results).toEqual([
    {
      homeId,
      requestId: 'r1',
      deviceId: 'dw',
      expectedAvoidedG: 50,
      status: 'verified',
      realisedG: expect.closeTo(want.realisedG, 6),
      counterfactualG: expect.closeTo(want.counterfactualG, 6),
      avoidedG: expect.closeTo(want.avoidedG, 6),
    },
    // Never acknowledged (and no telemetry): not verified, nothing written for it.
    { homeId, requestId: 'r2', deviceId: 'wm', expectedAvoidedG: 50, status: 'not_acked' },
  ]);
  expect(want.realisedG).toBeGreaterThan(0);
  expect(Math.abs(want.counterfactualG - want.realisedG)).toBeGreaterThan(1);

  const rows = await client.getQueryApi(settings.influx.org).collectRows<
    Record<string, unknown>
  >(flux`from(bucket: ${BUCKETS.schedules})
  |> range(start: 2023-05-10T00:00:00Z, stop: 2023-05-12T00:00:00Z)
  |> filter(fn: (r) => (r._measurement == ${VERIFIED_RUN.measurement} or r._measurement == ${VERIFIED_HOME_DAY.measurement}) and r.home_id == ${homeId})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`);
  const perRun = rows.find((r) => r._measurement === VERIFIED_RUN.measurement);
  const perDay = rows.find((r) => r._measurement === VERIFIED_HOME_DAY.measurement);
  expect(perRun).toMatchObject({ request_id: 'r1', device_id: 'dw', expected_avoided_g: 50 });
  expect(perRun?.avoided_g).toBeCloseTo(want.avoidedG, 6);
  expect(perDay).toMatchObject({ runs: 1, _time: '2023-05-11T00:00:00Z' });
  expect(perDay?.realised_g).toBeCloseTo(want.realisedG, 6);
});
