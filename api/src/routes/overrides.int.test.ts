/**
 * Overrides and the Pareto curve end to end on the real stack (`bash scripts/stack up`): the API app (in process) with
 * real Keycloak MFA tokens, PostgreSQL, a real Temporal worker (child process, the integration namespace) planning
 * with HiGHS against a forecast written to InfluxDB for this run's own region, and the device's command topic on
 * Mosquitto. Homes, users and the home's optimizer workflow are made for this run and removed after.
 */
import { silentLogger } from '@carbonreducer/common';
import { assertReachable, loadStackEnv, withStackDefaults } from '@carbonreducer/stack-env';
import { commandTopic } from '@carbonreducer/telemetry';
import {
  IT_NAMESPACE,
  startWorker,
  stackSettings,
  useTestTemporal,
  writeFixtureForecast,
} from '@carbonreducer/workflows/testing';
import { connectAsync, type MqttClient } from 'mqtt';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createDeps } from '../server';
import { realmUsers, type RealmUsers, type Role } from '../testing/keycloak';

jest.setTimeout(300_000);

const MIN = 60_000;
const HOUR = 60 * MIN;
const stack = loadStackEnv();
const run = Math.random().toString(36).slice(2, 8);
const HOME_A = `it-ovr-${run}-a`;
const HOME_B = `it-ovr-${run}-b`;
/** This run's own region, so the forecast written here is the only one its plans see. */
const REGION = `ZZ${run.toUpperCase().replace(/[^A-Z]/g, 'X')}`;

const config = loadConfig({ ...withStackDefaults(process.env), TEMPORAL_NAMESPACE: IT_NAMESPACE });
const { deps, close } = createDeps(config, silentLogger);
const { app } = createApp(deps);
const { workers, atEnd } = useTestTemporal();
atEnd((client) => client.workflow.getHandle(`optimize-home/${HOME_A}`).terminate('end of the overrides integration test'));

let realm: RealmUsers;
let pg: PgClient;
const fresh: Partial<Record<Role, { token: string; atMs: number }>> = {};

/** An MFA token of the role's user (tokens live 300 s: a new login after 200 s). */
async function bearer(role: Role): Promise<string> {
  const hit = fresh[role];
  if (hit && Date.now() - hit.atMs < 200_000) return `Bearer ${hit.token}`;
  const token = hit ? await realm.login(role) : realm.tokens[role];
  fresh[role] = { token, atMs: Date.now() };
  return `Bearer ${token}`;
}

interface PlanBody {
  version: number | null;
  runs: { requestId: string; deviceId: string; startAt: string; endAt: string }[];
  requests: { requestId: string; status: string; pin?: { from: string; to: string } }[];
  commands: { requestId: string; action: string; at: string; status: string }[];
}

async function plan(): Promise<PlanBody> {
  const res = await request(app)
    .get(`/api/optimize/homes/${HOME_A}/plan`)
    .set('Authorization', await bearer('homeowner'))
    .expect(200);
  return res.body as PlanBody;
}

const startOf = (p: PlanBody, requestId: string): number => {
  const r = p.runs.find((x) => x.requestId === requestId);
  if (!r) throw new Error(`run ${requestId} is not in plan version ${p.version}: ${JSON.stringify(p.runs)}`);
  return Date.parse(r.startAt);
};

async function metricsText(): Promise<string> {
  const res = await request(app).get('/metrics').set('Authorization', `Bearer ${deps.secrets.metricsToken}`);
  return res.text;
}

const counted = (text: string, metric: string, labels: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

beforeAll(async () => {
  await assertReachable('Keycloak', '127.0.0.1', stack.port('KEYCLOAK_PORT'));
  await assertReachable('PostgreSQL', '127.0.0.1', stack.port('POSTGRES_PORT'));
  await assertReachable('Mosquitto', '127.0.0.1', stack.port('MQTT_PORT'));
  await assertReachable('InfluxDB', '127.0.0.1', stack.port('INFLUXDB_PORT'));
  await assertReachable('Temporal', '127.0.0.1', stack.port('TEMPORAL_PORT'));
  pg = new PgClient({ connectionString: config.postgresUrl });
  await pg.connect();
  await pg.query('INSERT INTO app.homes (home_id, region) VALUES ($1, $3), ($2, $3)', [HOME_A, HOME_B, REGION]);
  realm = await realmUsers(`it-ovr-${run}`);
  await pg.query(
    "INSERT INTO app.home_members (home_id, subject, role) VALUES ($1, $2, 'owner') ON CONFLICT DO NOTHING",
    [HOME_A, realm.users.homeowner.id],
  );
  // Dirty (250 g/kWh) but cheap at night, clean (60 g/kWh) but at the day rate 12:00–15:00 UTC: a real trade-off.
  await writeFixtureForecast(REGION, (slotMs) => {
    const hour = new Date(slotMs).getUTCHours();
    return hour >= 12 && hour < 15 ? 60 : 250;
  });
  await startWorker({ region: REGION, started: workers });
}, 300_000);

afterAll(async () => {
  await realm?.close();
  if (pg) {
    await pg.query('DELETE FROM app.homes WHERE home_id = ANY($1)', [[HOME_A, HOME_B]]);
    await pg.end();
  }
  await close();
});

describe('overrides and the Pareto curve on the real stack', () => {
  const readyBy = new Date(Date.now() + 22 * HOUR).toISOString();

  it('plans two runs requested through the API', async () => {
    for (const [id, appliance, durationMin] of [
      ['dw', 'dishwasher', 120],
      ['wm', 'washing_machine', 90],
    ] as const) {
      await request(app)
        .post(`/api/optimize/homes/${HOME_A}/runs`)
        .set('Authorization', await bearer('homeowner'))
        .send({ idempotencyKey: id, deviceId: `${id}-1`, appliance, durationMin, powerW: 1000, readyBy })
        .expect(201);
    }
    expect((await plan()).runs.map((r) => r.requestId).sort()).toEqual(['dw', 'wm']);
  });

  it('GET pareto: cost against CO2 from HiGHS, the chosen price on it; applying a point pins its schedule', async () => {
    const res = await request(app)
      .get(`/api/optimize/homes/${HOME_A}/pareto?co2PricesPerKg=0,2`)
      .set('Authorization', await bearer('homeowner'))
      .expect(200);
    const body = res.body as {
      chosenCo2PricePerKg: number;
      tariff: { currency: string };
      points: { co2PricePerKg: number; costExpected: number; kgCO2Expected: number; runs: PlanBody['runs'] }[];
    };
    expect(body.tariff.currency).toBe('GBP');
    expect(body.points.map((p) => p.co2PricePerKg)).toEqual([0, body.chosenCo2PricePerKg, 2].sort((a, b) => a - b));
    const cheapest = body.points[0]!;
    const cleanest = body.points.at(-1)!;
    // Cost only: the cheap dirty night; 2 per kg: the clean day, dearer and lower in CO2.
    expect(cleanest.kgCO2Expected).toBeLessThan(cheapest.kgCO2Expected);
    expect(cleanest.costExpected).toBeGreaterThan(cheapest.costExpected);
    for (const p of [cheapest, cleanest]) expect(p.runs.map((r) => r.requestId).sort()).toEqual(['dw', 'wm']);

    const applied = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/pins`)
      .set('Authorization', await bearer('homeowner'))
      .send({
        idempotencyKey: `pareto-${run}`,
        pins: cleanest.runs.map((r) => ({ requestId: r.requestId, from: r.startAt, to: r.endAt })),
      })
      .expect(200);
    expect(applied.body.runs.map((r: { status: string }) => r.status)).toEqual(['planned', 'planned']);
    const now = await plan();
    for (const r of cleanest.runs) {
      // Honoured to the planning slot: the first 30 min boundary of the workflow's grid at or after the point's start.
      expect(startOf(now, r.requestId)).toBeGreaterThanOrEqual(Date.parse(r.startAt));
      expect(startOf(now, r.requestId)).toBeLessThan(Date.parse(r.startAt) + 30 * MIN);
    }
  });

  it('pin: the plan moves into the window, and the pin survives a re-plan', async () => {
    const from = Date.now() + 3 * HOUR;
    const to = from + 3 * HOUR;
    const before = await plan();
    const res = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs/dw/pin`)
      .set('Authorization', await bearer('homeowner'))
      .send({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })
      .expect(200);
    expect(res.body.planVersion).toBeGreaterThan(before.version ?? 0);
    const pinned = await plan();
    expect(startOf(pinned, 'dw')).toBeGreaterThanOrEqual(from);
    expect(startOf(pinned, 'dw') + 120 * MIN).toBeLessThanOrEqual(to);
    expect(pinned.requests.find((r) => r.requestId === 'dw')?.pin).toMatchObject({
      from: new Date(from).toISOString(),
    });
    // The clean hours are outside the window: without the pin the dishwasher would not be there.
    expect(startOf(before, 'dw')).not.toBe(startOf(pinned, 'dw'));

    // A new request re-plans the home: the pin is kept.
    await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs`)
      .set('Authorization', await bearer('homeowner'))
      .send({
        idempotencyKey: 'td',
        deviceId: 'td-1',
        appliance: 'tumble_dryer',
        durationMin: 60,
        powerW: 2000,
        readyBy,
      })
      .expect(201);
    const replanned = await plan();
    expect(replanned.version).toBeGreaterThan(pinned.version ?? 0);
    expect(startOf(replanned, 'dw')).toBeGreaterThanOrEqual(from);
    expect(startOf(replanned, 'dw') + 120 * MIN).toBeLessThanOrEqual(to);
  });

  it('refuses a window in the past and one shorter than the cycle, with the reason, counted', async () => {
    const counts = await metricsText();
    const past = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs/dw/pin`)
      .set('Authorization', await bearer('homeowner'))
      .send({ from: new Date(Date.now() - 5 * HOUR).toISOString(), to: new Date(Date.now() - 2 * HOUR).toISOString() })
      .expect(409);
    expect(past.body).toMatchObject({
      code: 'override_refused',
      field: 'body.to',
      errors: [{ code: 'window_in_past' }],
    });
    const short = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs/dw/pin`)
      .set('Authorization', await bearer('homeowner'))
      .send({ from: new Date(Date.now() + HOUR).toISOString(), to: new Date(Date.now() + 2 * HOUR).toISOString() })
      .expect(409);
    expect(short.body.errors[0]).toMatchObject({ code: 'window_too_short' });
    expect(short.body.detail).toMatch(/the 120 min cycle does not fit/);
    const unknown = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs/nope/cancel`)
      .set('Authorization', await bearer('homeowner'))
      .send({})
      .expect(404);
    expect(unknown.body.code).toBe('run_not_found');
    const after = await metricsText();
    const metric = 'carbonreducer_api_override_refusals_total';
    for (const reason of ['window_in_past', 'window_too_short', 'unknown_run']) {
      expect(counted(after, metric, `reason="${reason}"`)).toBe(counted(counts, metric, `reason="${reason}"`) + 1);
    }
  });

  it('cancel: the run leaves the plan, its pending start is cancelled', async () => {
    const res = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs/wm/cancel`)
      .set('Authorization', await bearer('homeowner'))
      .send({})
      .expect(200);
    // (It still shows the pin the Pareto point gave it.)
    expect(res.body.runs).toMatchObject([{ requestId: 'wm', action: 'cancel', status: 'cancelled' }]);
    expect(res.body.runs[0].startAt).toBeUndefined();
    const p = await plan();
    expect(p.runs.map((r) => r.requestId)).not.toContain('wm');
    expect(p.requests.find((r) => r.requestId === 'wm')?.status).toBe('cancelled');
    expect(p.commands.filter((c) => c.requestId === 'wm').map((c) => c.status)).toEqual(['cancelled']);
    const again = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs/wm/start-now`)
      .set('Authorization', await bearer('homeowner'))
      .send({})
      .expect(409);
    expect(again.body.errors[0].code).toBe('already_cancelled');
  });

  it('start-now: the start command is published on the device’s command topic at once', async () => {
    const mqtt: MqttClient = await connectAsync(stackSettings().mqtt.url, {
      username: stackSettings().mqtt.username,
      password: stackSettings().mqtt.password,
      clientId: `it-ovr-${run}-sub`,
    });
    try {
      const topic = commandTopic(HOME_A, 'dw-1');
      const received: { payload: Record<string, unknown>; atMs: number }[] = [];
      mqtt.on('message', (t, payload) => {
        if (t === topic)
          received.push({ payload: JSON.parse(payload.toString()) as Record<string, unknown>, atMs: Date.now() });
      });
      await mqtt.subscribeAsync(topic, { qos: 1 });
      const askedAtMs = Date.now();
      const res = await request(app)
        .post(`/api/optimize/homes/${HOME_A}/runs/dw/start-now`)
        .set('Authorization', await bearer('homeowner'))
        .send({ idempotencyKey: `start-${run}` })
        .expect(200);
      expect(res.body.runs[0]).toMatchObject({
        requestId: 'dw',
        status: 'dispatched',
        command: { idempotencyKey: `${HOME_A}/dw/start`, status: 'sent' },
      });
      const deadline = Date.now() + 10_000;
      while (!received.some((m) => m.payload.action === 'start') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const start = received.find((m) => m.payload.action === 'start');
      expect(start?.payload).toMatchObject({ action: 'start', idempotencyKey: `${HOME_A}/dw/start`, requestId: 'dw' });
      // Planned for now (not the pinned window hours ahead).
      expect(Math.abs(Date.parse(String(start?.payload.plannedAt)) - askedAtMs)).toBeLessThan(60_000);
      const p = await plan();
      expect(p.requests.find((r) => r.requestId === 'dw')?.status).toBe('dispatched');
      // Started runs are not overridden again.
      const late = await request(app)
        .post(`/api/optimize/homes/${HOME_A}/runs/dw/cancel`)
        .set('Authorization', await bearer('homeowner'))
        .send({})
        .expect(409);
      expect(late.body.errors[0].code).toBe('already_started');
    } finally {
      await mqtt.endAsync();
    }
  });

  it('a homeowner of another home is refused (home_not_found, the same as no home) and analysts may not write; counted', async () => {
    const counts = await metricsText();
    const other = await request(app)
      .post(`/api/optimize/homes/${HOME_B}/runs/td/cancel`)
      .set('Authorization', await bearer('homeowner'))
      .send({})
      .expect(404);
    const missing = await request(app)
      .post(`/api/optimize/homes/it-ovr-${run}-none/runs/td/cancel`)
      .set('Authorization', await bearer('homeowner'))
      .send({})
      .expect(404);
    expect({ ...other.body, instance: undefined }).toEqual({ ...missing.body, instance: undefined });
    await request(app)
      .get(`/api/optimize/homes/${HOME_B}/pareto`)
      .set('Authorization', await bearer('homeowner'))
      .expect(404);
    const analyst = await request(app)
      .post(`/api/optimize/homes/${HOME_A}/runs/td/pin`)
      .set('Authorization', await bearer('analyst'))
      .send({ from: new Date().toISOString(), to: new Date(Date.now() + 5 * HOUR).toISOString() })
      .expect(403);
    expect(analyst.body.code).toBe('role_forbidden');
    const after = await metricsText();
    const metric = 'carbonreducer_api_authz_refusals_total';
    const was = (labels: string) => counted(after, metric, labels) - counted(counts, metric, labels);
    expect(was('reason="home_not_found",route="optimize.runs.cancel"')).toBe(2);
    expect(was('reason="home_not_found",route="optimize.pareto"')).toBe(1);
    expect(was('reason="role_forbidden",route="optimize.runs.pin"')).toBe(1);
    // The refused calls changed nothing: td is still planned.
    expect((await plan()).requests.find((r) => r.requestId === 'td')?.status).toBe('planned');
  });
});
