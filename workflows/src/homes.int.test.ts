/**
 * On the real stack (`scripts/stack up`): the homes registry in PostgreSQL, and the client's update-with-start and
 * the forecast notifier against the Temporal dev server with a real worker (child process).
 */
import { randomUUID } from 'node:crypto';
import { createJsonLogger } from '@carbonreducer/common';
import { PostgresHomeRegistry } from './adapters/homes';
import { TemporalHomeNotifier } from './adapters/temporalNotifier';
import { CarbonReducerClient } from './client';
import { BadInputError } from './errors';
import { workflowIds } from './ids';
import { stackSettings, startWorker, waitFor, useTestTemporal, writeFixtureForecast } from './testing/workerProcess';
import type { RunRequest } from './types';

jest.setTimeout(300_000);

const MIN = 60_000;
const settings = stackSettings();
/** Upper-case letters only, as the registry's region rule wants; unique per run so runs never see each other. */
const region = `IT${randomUUID()
  .replace(/[^a-f]/g, '')
  .slice(0, 6)
  .toUpperCase()}`;
const prefix = `it-${randomUUID().slice(0, 8)}`;

const { client: temporal, workers } = useTestTemporal();
let registry: PostgresHomeRegistry;

beforeAll(async () => {
  registry = new PostgresHomeRegistry({ connectionString: settings.postgresUrl, connectionTimeoutMillis: 5_000 });
  await registry.list().catch((err: unknown) => {
    throw new Error(
      `PostgreSQL not reachable at ${settings.postgresUrl.replace(/:[^:@]*@/, ':***@')}: run scripts/stack up`,
      {
        cause: err,
      },
    );
  });
});

afterAll(async () => {
  await registry?.close();
});

describe('PostgresHomeRegistry', () => {
  it('registers idempotently, lists the active homes of a region and deactivates', async () => {
    const homes = ['a', 'b', 'c'].map((x) => ({
      homeId: `${prefix}-${x}`,
      region,
      timeZone: 'Europe/London',
      importLimitW: 13_800,
    }));
    expect(await registry.register(homes)).toEqual({ created: 3, updated: 0 });
    expect(await registry.register(homes.map((h) => ({ ...h, importLimitW: 23_000 })))).toEqual({
      created: 0,
      updated: 3,
    });
    expect(await registry.listHomes(region)).toEqual(homes.map((h) => h.homeId));
    expect(await registry.get(`${prefix}-b`)).toEqual({ ...homes[1], importLimitW: 23_000, active: true });

    expect(await registry.deactivate(`${prefix}-b`)).toBe(true);
    expect(await registry.deactivate(`${prefix}-b`)).toBe(false);
    expect(await registry.listHomes(region)).toEqual([`${prefix}-a`, `${prefix}-c`]);
    // Registering again brings a deactivated home back.
    await registry.register([homes[1]!]);
    expect(await registry.listHomes(region)).toHaveLength(3);
  });

  it('refuses a bad batch whole, naming each bad field, and keeps what was there', async () => {
    const good = { homeId: `${prefix}-ok`, region, timeZone: 'Europe/London', importLimitW: null };
    const err = await registry
      .register([good, { homeId: 'Bad Id', region: 'gb', timeZone: 'Mars/Olympus', importLimitW: -5 }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toMatch(/home 2: homeId "Bad Id"/);
    expect((err as Error).message).toMatch(/region "gb"/);
    expect((err as Error).message).toMatch(/timeZone "Mars\/Olympus"/);
    expect((err as Error).message).toMatch(/importLimitW -5/);
    expect(await registry.get(good.homeId)).toBeNull();
    expect(await registry.listHomes(region)).toHaveLength(3);
  });
});

describe('CarbonReducerClient and the forecast notifier on the dev server', () => {
  it('starts one optimizer per home however many requests race, and signals only homes that have one', async () => {
    const homeId = `${prefix}-a`;
    const now = Date.now();
    const slot = 30 * MIN;
    const t0 = await writeFixtureForecast(region, (_, i) => (i >= 8 && i < 12 ? 80 : 300));
    await startWorker({ region, started: workers });
    const client = new CarbonReducerClient(temporal(), region);
    const request = (requestId: string): RunRequest => ({
      requestId,
      deviceId: requestId,
      appliance: 'dishwasher',
      durationMin: 60,
      powerW: 1200,
      readyBy: new Date(now + 12 * 60 * MIN).toISOString(),
    });
    const [r1, r2] = await Promise.all([
      client.requestRun(homeId, request('dw1')),
      client.requestRun(homeId, request('dw2')),
    ]);
    // The clean window (slots 8–11 of the fixture) is where both runs go.
    for (const r of [r1, r2]) {
      expect(Date.parse(r.startAt)).toBeGreaterThanOrEqual(t0 + 8 * slot);
      expect(Date.parse(r.endAt)).toBeLessThanOrEqual(t0 + 12 * slot);
      expect(r.avoidedEmissionsG).toBeGreaterThan(0);
    }
    const runs = [];
    for await (const w of temporal().workflow.list({ query: `WorkflowId = '${workflowIds.optimizeHome(homeId)}'` })) {
      runs.push(w.runId);
    }
    expect(runs).toHaveLength(1);
    const view = await client.currentPlan(homeId);
    expect(view?.plan?.runs.map((r) => r.requestId).sort()).toEqual(['dw1', 'dw2']);
    expect(await client.currentPlan(`${prefix}-never`)).toBeNull();

    const replansBefore = view?.replans ?? 0;
    const notifier = new TemporalHomeNotifier(temporal(), createJsonLogger({ level: 'error' }));
    const change = { issuedAt: new Date(t0 + slot).toISOString(), modelVersion: 'it-fixture-2' };
    expect(await notifier.forecastsChanged([homeId, `${prefix}-c`, `${prefix}-never`], change)).toEqual([homeId]);
    // The signal makes the optimizer re-plan with the newest forecast.
    await waitFor(
      () => client.currentPlan(homeId),
      (v) => (v?.replans ?? 0) > replansBefore,
      'a re-plan after the forecastsChanged signal',
      60_000,
    );
  });
});
