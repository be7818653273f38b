import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { silentLogger } from '@carbonreducer/common';
import {
  BUCKETS,
  INTENSITY,
  INTENSITY_FORECAST,
  PLANNED_RUN,
  VERIFIED_RUN,
  createInfluxClient,
  writePoints,
} from '@carbonreducer/influx';
import { tokenRequest } from '@carbonreducer/scripts/smoke/keycloak/oidc';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { assertReachable, loadStackEnv, repoRoot, withStackDefaults } from '@carbonreducer/stack-env';
import { parseNotification } from '@carbonreducer/telemetry';
import { Point } from '@influxdata/influxdb-client';
import { SignJWT, decodeProtectedHeader, generateKeyPair, importJWK, type JWK } from 'jose';
import { connectAsync, type MqttClient } from 'mqtt';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { createApp } from './app';
import { loadConfig } from './config';
import { createDeps } from './server';
import { removeBrokerIdentities } from './testing/brokerIdentities';
import { realmUsers, type RealmUsers } from './testing/keycloak';

/**
 * The API against the real stack (`bash scripts/stack up`): real Keycloak tokens from the login pages (password +
 * TOTP computed with otplib, on the test-only client), PostgreSQL, Mosquitto → Telegraf → InfluxDB, Temporal.
 * Users, homes and devices are made for this run and removed after.
 */
const stack = loadStackEnv();
const keycloakUrl = `http://127.0.0.1:${stack.port('KEYCLOAK_PORT')}`;
const issuer = `${keycloakUrl}/realms/carbonreducer`;
const run = Math.random().toString(36).slice(2, 8);
const HOME_A = `it-api-${run}-a`;
const HOME_B = `it-api-${run}-b`;
const REGION = `ZZ${run.toUpperCase().replace(/[^A-Z0-9]/g, 'X')}`;

const config = loadConfig({ ...withStackDefaults(process.env), API_MQTT_ACK_TIMEOUT_MS: '10000' });
const { deps, close } = createDeps(config, silentLogger);
const { app, openapi } = createApp(deps);

let realm: RealmUsers;
let pg: PgClient;
let users: RealmUsers['users'];
let tokens: RealmUsers['tokens'];

const bearer = (t: string) => `Bearer ${t}`;

async function mqttClient(): Promise<MqttClient> {
  return connectAsync(config.mqtt.url, {
    username: config.mqtt.username,
    password: config.mqtt.password,
    clientId: `it-api-${run}-${Math.random().toString(16).slice(2, 6)}`,
  });
}

beforeAll(async () => {
  await assertReachable('Keycloak', '127.0.0.1', stack.port('KEYCLOAK_PORT'));
  await assertReachable('PostgreSQL', '127.0.0.1', stack.port('POSTGRES_PORT'));
  await assertReachable('Mosquitto', '127.0.0.1', stack.port('MQTT_PORT'));
  await assertReachable('InfluxDB', '127.0.0.1', stack.port('INFLUXDB_PORT'));
  pg = new PgClient({ connectionString: config.postgresUrl });
  await pg.connect();
  // The migration applies to a running database, and applies again without error (idempotent).
  const sql = readFileSync(join(repoRoot, 'provisioning', 'postgres', 'init', '03-api.sql'), 'utf8');
  await pg.query(sql);
  await pg.query(sql);
  await pg.query('INSERT INTO app.homes (home_id, region) VALUES ($1, $3), ($2, $3)', [HOME_A, HOME_B, REGION]);

  realm = await realmUsers('it-api');
  ({ users, tokens } = realm);
}, 240_000);

afterAll(async () => {
  await realm?.close();
  if (pg) {
    await removeBrokerIdentities(pg, deps.identities, { ids: [HOME_A, HOME_B, `it-api-${run}-c`] }).catch(() => 0);
    await pg.query('DELETE FROM app.homes WHERE home_id = ANY($1)', [[HOME_A, HOME_B, `it-api-${run}-c`]]);
    await pg.end();
  }
  await close();
});

describe('API on the real stack', () => {
  it('/healthz answers with every dependency up', async () => {
    const res = await request(app).get('/healthz');
    expect(res.body.dependencies.postgres).toMatchObject({ ok: true });
    expect(res.body.dependencies.mqtt).toMatchObject({ ok: true });
    expect(res.body.dependencies.influxdb).toMatchObject({ ok: true });
    expect(res.status === 200 || res.body.dependencies.temporal.ok === false).toBe(true);
  });

  it('operators register members through the API; /api/auth/me shows subject, roles, acr mfa and homes', async () => {
    const op = bearer(tokens.operator);
    await request(app)
      .put(`/api/homes/${HOME_A}/members/${users.homeowner.id}`)
      .set('Authorization', op)
      .send({ role: 'owner' })
      .expect(200);
    const members = await request(app).get(`/api/homes/${HOME_A}/members`).set('Authorization', op).expect(200);
    expect(members.body.members).toEqual([expect.objectContaining({ subject: users.homeowner.id, role: 'owner' })]);
    const me = await request(app).get('/api/auth/me').set('Authorization', bearer(tokens.homeowner)).expect(200);
    expect(me.body).toMatchObject({
      subject: users.homeowner.id,
      username: users.homeowner.username,
      roles: ['homeowner'],
      acr: 'mfa',
      mfa: { satisfied: true },
      view: 'raw',
      homes: [{ homeId: HOME_A, role: 'owner' }],
    });
  });

  it('refuses a real password-only token (acr password) with mfa_required, and forged tokens each with its own code, counted', async () => {
    // Direct grant of the test-only client: password + TOTP, but the direct grant carries no level: acr password.
    const u = users.analyst;
    const grant = await tokenRequest(issuer, {
      grant_type: 'password',
      client_id: 'carbonreducer-test',
      username: u.username,
      password: u.password,
      totp: totpCode(u.totpSecret ?? '', Date.now(), 1),
      scope: 'openid',
    });
    expect(grant.status).toBe(200);
    const pw = await request(app)
      .get('/api/auth/me')
      .set('Authorization', bearer(grant.body.access_token ?? ''))
      .expect(401);
    expect(pw.body.code).toBe('mfa_required');
    expect(pw.headers['www-authenticate']).toContain('insufficient_user_authentication');

    const real = tokens.analyst;
    const [h, p, s] = real.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const realmJwks = (await (await fetch(config.auth.jwksUrl)).json()) as { keys: JWK[] };
    const kid = decodeProtectedHeader(real).kid;
    const realmKey = realmJwks.keys.find((k) => k.kid === kid) as JWK;
    const pem = createPublicKey({ key: realmKey as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hs = await importJWK({ kty: 'oct', k: Buffer.from(pem).toString('base64url') }, 'HS256');
    const attacker = await generateKeyPair('RS256');
    const forged: Record<string, string> = {
      token_malformed: 'abc',
      token_alg_none: `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      token_alg_not_allowed: await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(hs),
      token_bad_signature: `${h}.${b64({ ...claims, roles: ['operator'] })}.${s}`,
      token_unknown_key: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'attacker' })
        .sign(attacker.privateKey),
    };
    const before = await request(app)
      .get('/metrics')
      .set('Authorization', `Bearer ${config.secrets.metricsToken}`)
      .expect(200);
    for (const [code, token] of Object.entries(forged)) {
      const res = await request(app).get('/api/auth/me').set('Authorization', bearer(token));
      expect({ code, status: res.status, got: res.body.code }).toEqual({ code, status: 401, got: code });
    }
    const noToken = await request(app).get('/api/auth/me').expect(401);
    expect(noToken.body.code).toBe('token_missing');
    const after = await request(app)
      .get('/metrics')
      .set('Authorization', `Bearer ${config.secrets.metricsToken}`)
      .expect(200);
    const count = (text: string, reason: string): number =>
      Number(new RegExp(`carbonreducer_api_auth_failures_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    for (const reason of [...Object.keys(forged), 'token_missing'])
      expect(count(after.text, reason) - count(before.text, reason)).toBe(1);
  });

  it('a homeowner gets one answer for another home, a missing home and a pseudonym on every home route (404; 403 on operator-only routes)', async () => {
    const owner = bearer(tokens.homeowner);
    const homeRoutes = Object.entries(openapi.paths ?? {}).flatMap(([path, ops]) =>
      path.includes('{homeId}') ? Object.keys(ops as object).map((method) => ({ path, method })) : [],
    );
    expect(homeRoutes.length).toBeGreaterThanOrEqual(12);
    for (const { path, method } of homeRoutes) {
      const answers = [];
      for (const target of [HOME_B, `no-such-${run}`, deps.pseudonyms.home(HOME_B)]) {
        const url = path.replace('{homeId}', target).replace(/\{[^}]+\}/g, 'x1');
        const res = await (request(app) as unknown as Record<string, (u: string) => request.Test>)[method]!(url)
          .set('Authorization', owner)
          .send({});
        answers.push({ status: res.status, code: res.body.code, field: res.body.field });
      }
      // Routes homeowners may use: home_not_found; operator-only routes: role_forbidden, the same for every home.
      const security = (openapi.paths?.[path] as Record<string, { security: Record<string, string[]>[] }>)[method]!
        .security;
      const ownerMay = security.some((s) => (s.keycloak ?? []).includes('homeowner'));
      const expected = ownerMay
        ? { status: 404, code: 'home_not_found', field: 'params.homeId' }
        : { status: 403, code: 'role_forbidden', field: undefined };
      expect({ route: `${method} ${path}`, answers }).toEqual({
        route: `${method} ${path}`,
        answers: Array(3).fill(expected),
      });
    }
  });

  it('analysts see pseudonyms, never raw ids, and read by pseudonym', async () => {
    const analyst = bearer(tokens.analyst);
    const list = await request(app).get('/api/homes').set('Authorization', analyst).expect(200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(HOME_A);
    expect(text).toContain(deps.pseudonyms.home(HOME_A));
    const plan = await request(app)
      .get(`/api/optimize/homes/${deps.pseudonyms.home(HOME_A)}/plan`)
      .set('Authorization', analyst);
    expect([200, 503]).toContain(plan.status);
    if (plan.status === 200)
      expect(plan.body).toMatchObject({ homeId: deps.pseudonyms.home(HOME_A), runs: [], version: null });
    await request(app).get(`/api/homes/${HOME_A}`).set('Authorization', analyst).expect(404);
  });

  it('device: registered through the API, posts through MQTT into InfluxDB (202 after PUBACK), readable again; revoked, refused', async () => {
    const owner = bearer(tokens.homeowner);
    const reg = await request(app)
      .post(`/api/auth/homes/${HOME_A}/devices`)
      .set('Authorization', owner)
      .send({ deviceId: 'plug-1', kind: 'plug' })
      .expect(201);
    const device = bearer(reg.body.http.token);
    const row = await pg.query('SELECT token_sha256 FROM app.devices WHERE home_id = $1', [HOME_A]);
    expect(row.rows[0].token_sha256).toHaveLength(32);
    expect(JSON.stringify(row.rows)).not.toContain(reg.body.http.token.split('.')[2]);

    const sub = await mqttClient();
    const topic = `carbonreducer/${HOME_A}/telemetry/plug/plug-1`;
    const seen: string[] = [];
    sub.on('message', (t, m) => t === topic && seen.push(m.toString()));
    await sub.subscribeAsync(topic, { qos: 1 });
    const ts = Date.now() - 60_000;
    const body = JSON.stringify({ v: 1, ts, powerW: 432.5 });
    const posted = await request(app)
      .post('/api/data')
      .set('Authorization', device)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(202);
    expect(posted.body).toEqual({ accepted: 1, topic });
    // Refused whole: nothing of a bad batch reaches the broker.
    const bad = JSON.stringify({
      v: 1,
      readings: [
        { ts, powerW: 1 },
        { ts, powerW: 'x' },
      ],
    });
    const refused = await request(app)
      .post('/api/data')
      .set('Authorization', device)
      .set('Content-Type', 'application/json')
      .send(bad)
      .expect(422);
    expect(refused.body.code).toBe('telemetry_rejected');
    const deadline = Date.now() + 5000;
    while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    await sub.endAsync();
    expect(seen).toEqual([body]);

    // Through Telegraf into InfluxDB, read back through the API (flushes every few seconds).
    const from = new Date(ts - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    let series: { deviceId: string; points: { value: number }[] }[] = [];
    for (let i = 0; i < 60 && series.length === 0; i++) {
      const r = await request(app)
        .get(`/api/data/homes/${HOME_A}/readings?from=${from}&to=${to}&every=1m`)
        .set('Authorization', owner)
        .expect(200);
      series = r.body.series;
      if (series.length === 0) await new Promise((res) => setTimeout(res, 1000));
    }
    expect(series).toEqual([
      { deviceId: 'plug-1', kind: 'plug', points: [{ time: expect.any(String), value: 432.5 }] },
    ]);
    const analystView = await request(app)
      .get(`/api/data/homes/${deps.pseudonyms.home(HOME_A)}/readings?from=${from}&to=${to}&every=1h`)
      .set('Authorization', bearer(tokens.analyst))
      .expect(200);
    expect(analystView.body.series[0].deviceId).toBe(deps.pseudonyms.device(HOME_A, 'plug-1'));

    await request(app).delete(`/api/auth/homes/${HOME_A}/devices/plug-1`).set('Authorization', owner).expect(204);
    const revoked = await request(app)
      .post('/api/data')
      .set('Authorization', device)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(401);
    expect(revoked.body.code).toBe('device_token_invalid');
  });

  it('Grafana alert webhook: opted-in homes of the region get a contract notification over MQTT', async () => {
    const owner = bearer(tokens.homeowner);
    await request(app)
      .put(`/api/homes/${HOME_A}/preferences`)
      .set('Authorization', owner)
      .send({
        co2PricePerKg: 0.2,
        comfort: { earliestHour: 6, latestHour: 23 },
        fuseA: 60,
        alerts: { optIn: true, channel: 'mqtt' },
        leaderboardOptIn: true,
      })
      .expect(200);
    const sub = await mqttClient();
    const got: { topic: string; text: string }[] = [];
    sub.on('message', (topic, m) => got.push({ topic, text: m.toString() }));
    await sub.subscribeAsync(`carbonreducer/+/notifications`, { qos: 1 });
    await request(app).post('/api/alerts/grafana').send({ status: 'firing', alerts: [] }).expect(401);
    const res = await request(app)
      .post('/api/alerts/grafana')
      .set('Authorization', `Bearer ${config.secrets.alertWebhookToken}`)
      .send({
        receiver: 'carbonreducer-api',
        status: 'firing',
        alerts: [
          {
            status: 'firing',
            labels: {
              alertname: 'High-carbon hours ahead',
              audience: 'homes',
              kind: 'high_carbon_hours',
              region: REGION,
            },
            annotations: { summary: 'High carbon ahead' },
            fingerprint: `fp${run}`,
          },
        ],
      })
      .expect(200);
    expect(res.body).toEqual({ notified: 1, homes: 1, skipped: 0 });
    const deadline = Date.now() + 5000;
    while (!got.some((g) => g.topic.includes(HOME_A)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await sub.endAsync();
    const mine = got.filter((g) => g.topic === `carbonreducer/${HOME_A}/notifications`);
    expect(mine).toHaveLength(1);
    expect(parseNotification(mine[0]!.text)).toMatchObject({
      kind: 'high_carbon_hours',
      title: 'High carbon ahead',
      id: `grafana-fp${run}`,
    });
    expect(got.some((g) => g.topic.includes(HOME_B))).toBe(false);
  });

  it('reports: expected avoided per day from the latest plan, verified from the measured runs, null where none', async () => {
    const client = createInfluxClient(config.influx);
    const day = (d: number, h: number) => new Date(Date.UTC(2025, 11, d, h));
    const planned = (requestId: string, version: string, at: Date, g: number) =>
      new Point(PLANNED_RUN.measurement)
        .tag(PLANNED_RUN.tags.homeId, HOME_A)
        .tag(PLANNED_RUN.tags.deviceId, 'dishwasher')
        .tag(PLANNED_RUN.tags.appliance, 'dishwasher')
        .tag(PLANNED_RUN.tags.requestId, requestId)
        .tag(PLANNED_RUN.tags.planVersion, version)
        .floatField(PLANNED_RUN.fields.avoidedEmissions, g)
        .timestamp(at);
    const verified = (homeId: string, requestId: string, at: Date, g: number) =>
      new Point(VERIFIED_RUN.measurement)
        .tag(VERIFIED_RUN.tags.homeId, homeId)
        .tag(VERIFIED_RUN.tags.deviceId, 'dishwasher')
        .tag(VERIFIED_RUN.tags.requestId, requestId)
        .floatField(VERIFIED_RUN.fields.avoided, g)
        .floatField(VERIFIED_RUN.fields.expectedAvoided, 300)
        .timestamp(at);
    await writePoints(
      client,
      { org: config.influx.org, bucket: BUCKETS.schedules, precision: 's' },
      [
        planned('r1', '1', day(1, 2), 100),
        planned('r1', '2', day(1, 3), 300),
        planned('r2', '1', day(2, 2), 200),
        verified(HOME_A, 'r1', day(1, 3), 250),
        verified(HOME_A, 'r1', day(1, 3), 260), // re-verified: the same point, overwritten
        verified(HOME_B, 'x', day(2, 2), 999), // another home's
      ],
      'test plans and verifications',
    );
    const res = await request(app)
      .get(`/api/reports/homes/${HOME_A}?period=day&from=2025-12-01T00:00:00Z&to=2025-12-03T00:00:00Z`)
      .set('Authorization', bearer(tokens.homeowner))
      .expect(200);
    expect(res.body.rows).toEqual([
      { start: '2025-12-01T00:00:00.000Z', expectedAvoidedKg: 0.3, verifiedAvoidedKg: 0.26 },
      { start: '2025-12-02T00:00:00.000Z', expectedAvoidedKg: 0.2, verifiedAvoidedKg: null },
    ]);
  });

  it('predict: forecast vs actual at a lead time, from the stored actuals and every issue', async () => {
    const client = createInfluxClient(config.influx);
    const t0 = Date.UTC(2026, 0, 2);
    const slot = (k: number) => new Date(t0 + k * 1_800_000);
    const actual = (k: number, g: number) =>
      new Point(INTENSITY.measurement)
        .tag(INTENSITY.tags.region, REGION)
        .tag(INTENSITY.tags.source, 'it-api')
        .tag(INTENSITY.tags.kind, 'actual')
        .floatField(INTENSITY.fields.intensity, g)
        .timestamp(slot(k));
    const forecast = (issuedK: number, k: number, g: number) =>
      new Point(INTENSITY_FORECAST.measurement)
        .tag(INTENSITY_FORECAST.tags.region, REGION)
        .tag(INTENSITY_FORECAST.tags.modelVersion, 'it')
        .tag(INTENSITY_FORECAST.tags.issuedAt, slot(issuedK).toISOString())
        .tag(INTENSITY_FORECAST.tags.servedBy, 'champion')
        .floatField(INTENSITY_FORECAST.fields.intensity, g)
        .floatField(INTENSITY_FORECAST.fields.lower, g - 20)
        .floatField(INTENSITY_FORECAST.fields.upper, g + 20)
        .timestamp(slot(k));
    await writePoints(
      client,
      { org: config.influx.org, bucket: BUCKETS.carbonIntensity, precision: 's' },
      [actual(0, 100), actual(1, 200), actual(2, 300)],
      'test actuals',
    );
    await writePoints(
      client,
      { org: config.influx.org, bucket: BUCKETS.forecasts, precision: 's' },
      // Issued 2 h before slot 0 (a 1 h lead is 1.5 h before its end) and again just before it (too late).
      [forecast(-4, 0, 110), forecast(-4, 1, 230), forecast(0, 0, 999), forecast(2, 2, 300)],
      'test forecast issues',
    );
    const res = await request(app)
      .get(`/api/predict/intensity/${REGION}/accuracy?from=2026-01-02T00:00:00Z&to=2026-01-02T01:30:00Z&horizon=1h`)
      .set('Authorization', bearer(tokens.analyst))
      .expect(200);
    expect(res.body).toMatchObject({ region: REGION, horizon: '1h', maeGPerKWh: 20, coverage80: 0.5, scoredSlots: 2 });
    expect(
      res.body.slots.map((s: { forecastGPerKWh: number | null; absErrorGPerKWh: number | null }) => [
        s.forecastGPerKWh,
        s.absErrorGPerKWh,
      ]),
    ).toEqual([
      [110, 10],
      [230, 30],
      [null, null],
    ]);
    await request(app)
      .get(`/api/predict/intensity/${REGION}/accuracy?from=2026-01-02T00:00:00Z&to=2026-01-02T01:30:00Z&horizon=3h`)
      .set('Authorization', bearer(tokens.analyst))
      .expect(422);
  });

  it('predict: the latest intensity forecast issue of a region', async () => {
    const client = createInfluxClient(config.influx);
    const start = Date.UTC(2026, 0, 1);
    const point = (issuedAt: string, model: string, i: number, g: number) =>
      new Point(INTENSITY_FORECAST.measurement)
        .tag(INTENSITY_FORECAST.tags.region, REGION)
        .tag(INTENSITY_FORECAST.tags.modelVersion, model)
        .tag(INTENSITY_FORECAST.tags.issuedAt, issuedAt)
        .floatField(INTENSITY_FORECAST.fields.intensity, g)
        .timestamp(new Date(start + i * 1_800_000));
    await writePoints(
      client,
      { org: config.influx.org, bucket: BUCKETS.forecasts, precision: 's' },
      [
        point('2025-12-31T23:00:00Z', 'old', 0, 999),
        point('2025-12-31T23:30:00Z', 'new', 0, 100),
        point('2025-12-31T23:30:00Z', 'new', 1, 120),
      ],
      'test forecast',
    );
    const res = await request(app)
      .get(`/api/predict/intensity/${REGION}?from=2026-01-01T00:00:00Z&hours=2`)
      .set('Authorization', bearer(tokens.homeowner))
      .expect(200);
    expect(res.body).toMatchObject({
      region: REGION,
      issuedAt: '2025-12-31T23:30:00Z',
      modelVersion: 'new',
      coverage: null,
    });
    expect(res.body.points.map((p: { intensityGPerKWh: number }) => p.intensityGPerKWh)).toEqual([100, 120]);
  });
});
