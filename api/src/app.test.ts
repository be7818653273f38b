import request from 'supertest';
import { createApp } from './app';
import { baseClaims, sign } from './testing/forge';
import { memoryDeps, TEST_AUDIENCE, TEST_ISSUER, testKeys, type TestKeys } from './testing/memory';
import { PROBLEMS } from './http/problem';

/**
 * The app object with in-memory stores: validation, problem mapping, authentication and authorisation decisions,
 * id views. The same checks run against the real servers in app.int.test.ts.
 */
describe('API app (in-memory stores)', () => {
  let keys: TestKeys;
  beforeAll(async () => {
    keys = await testKeys();
  });

  async function tokenFor(subject: string, roles: string[]): Promise<string> {
    const claims = baseClaims(
      { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, acr: 'mfa', subject, roles },
      Math.floor(Date.now() / 1000),
    );
    return `Bearer ${await sign(keys, claims)}`;
  }

  function setup() {
    const m = memoryDeps(keys);
    for (const id of ['home-a', 'home-b'])
      m.directory.homes.set(id, {
        homeId: id,
        region: 'GB',
        timeZone: 'Europe/London',
        importLimitW: null,
        active: true,
      });
    void m.directory.putMember('home-a', 'owner-a', 'owner');
    return { ...m, ...createApp(m.deps) };
  }

  it('serves an OpenAPI 3.1 document naming every mounted route, each with a security requirement or public', async () => {
    const { app, routes } = setup();
    const res = await request(app).get('/api/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const r of routes) {
      const op = res.body.paths[r.path]?.[r.method];
      expect(op).toBeDefined();
      expect(op.security.length === 0).toBe(r.access.kind === 'public');
    }
  });

  it('every route except /healthz and the spec refuses a request without credentials (401 problem)', async () => {
    const { app, openapi, routes } = setup();
    const checked: string[] = [];
    for (const [path, ops] of Object.entries(openapi.paths ?? {})) {
      for (const method of Object.keys(ops as object)) {
        const url = path.replace(/\{[^}]+\}/g, 'home-a');
        const res = await (request(app) as unknown as Record<string, (u: string) => request.Test>)[method]!(url)
          .set('Content-Type', 'application/json')
          .send('{}');
        checked.push(`${method} ${path} ${res.status}`);
        if (path === '/healthz' || path === '/api/openapi.json') {
          expect(res.status).toBeLessThan(500);
          continue;
        }
        expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 401 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe(
          path === '/metrics'
            ? 'metrics_secret_invalid'
            : path === '/api/alerts/grafana'
              ? 'webhook_secret_invalid'
              : 'token_missing',
        );
      }
    }
    // Every mounted route is in the document, so every mounted route was walked.
    expect(checked).toHaveLength(routes.length);
  });

  it('counts each refusal reason in /metrics', async () => {
    const { app, deps } = setup();
    await request(app).get('/api/auth/me').expect(401);
    await request(app).get('/api/auth/me').set('Authorization', 'Bearer x.y.z').expect(401);
    const text = await request(app)
      .get('/metrics')
      .set('Authorization', `Bearer ${deps.secrets.metricsToken}`)
      .expect(200);
    expect(text.text).toMatch(/carbonreducer_api_auth_failures_total\{reason="token_missing"\} 1/);
    expect(text.text).toMatch(/carbonreducer_api_auth_failures_total\{reason="token_malformed"\} 1/);
    expect(text.text).toMatch(
      /carbonreducer_api_request_duration_seconds_bucket\{le="0.005",method="get",route="auth.me"\}/,
    );
    expect(text.text).toMatch(/carbonreducer_api_requests_total\{method="get",route="auth.me",status="401"\} 2/);
  });

  it('a homeowner reaches their home and gets home_not_found for any other, existing or not, by id or pseudonym', async () => {
    const { app, deps } = setup();
    const owner = await tokenFor('owner-a', ['homeowner']);
    await request(app).get('/api/homes/home-a').set('Authorization', owner).expect(200);
    const other = await request(app).get('/api/homes/home-b').set('Authorization', owner).expect(404);
    const missing = await request(app).get('/api/homes/no-such-home').set('Authorization', owner).expect(404);
    const pseudo = await request(app)
      .get(`/api/homes/${deps.pseudonyms.home('home-b')}`)
      .set('Authorization', owner)
      .expect(404);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(other.body)).toEqual(strip(missing.body));
    expect(strip(pseudo.body)).toEqual(strip(missing.body));
    expect(other.body.code).toBe('home_not_found');
    const list = await request(app).get('/api/homes').set('Authorization', owner).expect(200);
    expect(list.body.homes.map((h: { homeId: string }) => h.homeId)).toEqual(['home-a']);
  });

  it('a refused home is refused before its body is read: 404 whatever the body, never a validation error', async () => {
    const { app } = setup();
    const owner = await tokenFor('owner-a', ['homeowner']);
    for (const body of ['{}', '{"deviceId":"x","kind":"plug"}', '{"bogus":1}']) {
      const res = await request(app)
        .post('/api/auth/homes/home-b/devices')
        .set('Authorization', owner)
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(404);
      expect(res.body).toMatchObject({ code: 'home_not_found', field: 'params.homeId' });
    }
    const own = await request(app)
      .post('/api/auth/homes/home-a/devices')
      .set('Authorization', owner)
      .send({})
      .expect(422);
    expect(own.body.field).toBe('body.deviceId');
  });

  it('analysts see pseudonyms only, read by pseudonym, cannot use raw ids and cannot write', async () => {
    const { app, deps } = setup();
    const analyst = await tokenFor('an-1', ['analyst']);
    const list = await request(app).get('/api/homes').set('Authorization', analyst).expect(200);
    const ids = list.body.homes.map((h: { homeId: string }) => h.homeId);
    expect(ids).toEqual([deps.pseudonyms.home('home-a'), deps.pseudonyms.home('home-b')]);
    expect(JSON.stringify(list.body)).not.toMatch(/home-a|home-b/);
    await request(app).get(`/api/homes/${ids[0]}`).set('Authorization', analyst).expect(200);
    await request(app).get('/api/homes/home-a').set('Authorization', analyst).expect(404);
    const write = await request(app)
      .put(`/api/homes/${ids[0]}/preferences`)
      .set('Authorization', analyst)
      .send({
        co2PricePerKg: 1,
        comfort: { earliestHour: 0, latestHour: 24 },
        fuseA: null,
        alerts: { optIn: false, channel: 'mqtt' },
        leaderboardOptIn: false,
      })
      .expect(403);
    expect(write.body.code).toBe('role_forbidden');
  });

  it('operators see raw ids and manage homes and members; homeowners may not', async () => {
    const { app } = setup();
    const op = await tokenFor('op-1', ['operator']);
    const owner = await tokenFor('owner-a', ['homeowner']);
    await request(app).post('/api/homes').set('Authorization', op).send({ homeId: 'home-c' }).expect(201);
    const dup = await request(app).post('/api/homes').set('Authorization', op).send({ homeId: 'home-c' }).expect(409);
    expect(dup.body).toMatchObject({ code: 'home_exists', field: 'body.homeId' });
    await request(app)
      .put('/api/homes/home-c/members/owner-a')
      .set('Authorization', op)
      .send({ role: 'owner' })
      .expect(200);
    await request(app).get('/api/homes/home-c').set('Authorization', owner).expect(200);
    const refused = await request(app)
      .post('/api/homes')
      .set('Authorization', owner)
      .send({ homeId: 'home-d' })
      .expect(403);
    expect(refused.body.code).toBe('role_forbidden');
    await request(app).delete('/api/homes/home-c').set('Authorization', op).expect(204);
    await request(app).delete('/api/homes/nope').set('Authorization', op).expect(404);
  });

  it('bad bodies: malformed JSON 400, wrong media type 415, oversize 413, unknown field and wrong type 422 naming the field', async () => {
    const { app } = setup();
    const op = await tokenFor('op-1', ['operator']);
    const bad = await request(app)
      .post('/api/homes')
      .set('Authorization', op)
      .set('Content-Type', 'application/json')
      .send('{"homeId":')
      .expect(400);
    expect(bad.body.code).toBe('bad_json');
    const media = await request(app)
      .post('/api/homes')
      .set('Authorization', op)
      .set('Content-Type', 'text/plain')
      .send('homeId=x')
      .expect(415);
    expect(media.body.code).toBe('unsupported_media_type');
    const big = await request(app)
      .post('/api/homes')
      .set('Authorization', op)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ homeId: 'x'.repeat(70_000) }))
      .expect(413);
    expect(big.body.code).toBe('payload_too_large');
    const unknown = await request(app)
      .post('/api/homes')
      .set('Authorization', op)
      .send({ homeId: 'home-x', colour: 'red' })
      .expect(422);
    expect(unknown.body).toMatchObject({ code: 'unknown_field', field: 'body.colour' });
    const type = await request(app).post('/api/homes').set('Authorization', op).send({ homeId: 42 }).expect(422);
    expect(type.body).toMatchObject({ code: 'validation_failed', field: 'body.homeId' });
    const query = await request(app).get('/api/homes?x=1').set('Authorization', op).expect(422);
    expect(query.body).toMatchObject({ code: 'unknown_field', field: 'query.x' });
    const before = (await request(app).get('/api/homes').set('Authorization', op)).body.homes.length;
    expect(before).toBe(2);
  });

  it('unknown routes are 404 problems, known paths with another method 405 with Allow', async () => {
    const { app } = setup();
    const nf = await request(app).get('/api/nope').expect(404);
    expect(nf.body.code).toBe('not_found');
    const na = await request(app).patch('/api/homes').expect(405);
    expect(na.body.code).toBe('method_not_allowed');
    expect(na.headers.allow).toBe('GET, POST');
  });

  it('device registration returns the token once; the token posts telemetry (202 after publish); revocation stops it', async () => {
    const { app, broker, identities } = setup();
    const owner = await tokenFor('owner-a', ['homeowner']);
    const reg = await request(app)
      .post('/api/auth/homes/home-a/devices')
      .set('Authorization', owner)
      .send({ deviceId: 'plug-1', kind: 'plug' })
      .expect(201);
    expect(reg.headers['cache-control']).toBe('no-store');
    const token = reg.body.http.token as string;
    expect(token).toMatch(/^crd\.[0-9a-f]{16}\./);
    expect(reg.body.mqtt).toEqual({
      url: 'mqtt://127.0.0.1:1883',
      username: 'home-a/plug-1',
      password: identities.clients.get('home-a/plug-1')?.password,
      telemetryTopic: 'carbonreducer/home-a/telemetry/plug/plug-1',
      commandTopic: 'carbonreducer/home-a/commands/plug-1',
    });
    await request(app)
      .post('/api/auth/homes/home-a/devices')
      .set('Authorization', owner)
      .send({ deviceId: 'plug-1', kind: 'plug' })
      .expect(409);
    await request(app)
      .post('/api/auth/homes/home-b/devices')
      .set('Authorization', owner)
      .send({ deviceId: 'plug-1', kind: 'plug' })
      .expect(404);

    const body = JSON.stringify({ v: 1, ts: Date.now(), powerW: 12.5 });
    const ok = await request(app)
      .post('/api/data')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(202);
    expect(ok.body).toEqual({ accepted: 1, topic: 'carbonreducer/home-a/telemetry/plug/plug-1' });
    expect(broker.published).toEqual([{ topic: 'carbonreducer/home-a/telemetry/plug/plug-1', payload: body }]);

    const wrongUnit = await request(app)
      .post('/api/data')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ v: 1, ts: Date.now(), powerKW: 1 }))
      .expect(422);
    expect(wrongUnit.body).toMatchObject({ code: 'telemetry_rejected', field: 'powerKW' });
    const batch = JSON.stringify({
      v: 1,
      readings: [
        { ts: Date.now(), powerW: 1 },
        { ts: Date.now(), powerW: 'x' },
      ],
    });
    await request(app)
      .post('/api/data')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(batch)
      .expect(422);
    expect(broker.published).toHaveLength(1);

    broker.fail = true;
    const down = await request(app)
      .post('/api/data')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(503);
    expect(down.body.code).toBe('broker_unavailable');
    broker.fail = false;

    await request(app).delete('/api/auth/homes/home-a/devices/plug-1').set('Authorization', owner).expect(204);
    const revoked = await request(app)
      .post('/api/data')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(401);
    expect(revoked.body.code).toBe('device_token_invalid');
    expect(identities.clients.has('home-a/plug-1')).toBe(false);
    await request(app).delete('/api/auth/homes/home-a/devices/plug-1').set('Authorization', owner).expect(404);
  });

  it('device identities: a broker that does not answer or refuses is a clear 503/502, nothing half-made, counted', async () => {
    const { app, deps, devices, identities } = setup();
    const owner = await tokenFor('owner-a', ['homeowner']);
    const register = () =>
      request(app)
        .post('/api/auth/homes/home-a/devices')
        .set('Authorization', owner)
        .send({ deviceId: 'm-1', kind: 'meter' });

    identities.fail = 'unavailable';
    const down = await register().expect(503);
    expect(down.body).toMatchObject({
      code: 'broker_unavailable',
      detail: expect.stringMatching(/^register: dynamic-security/),
    });
    // The token row went with it: not registered, so registering again (broker back) works and is not a 409.
    expect(devices.rows.get('home-a/m-1')?.revoked).toBe(true);
    identities.fail = 'refused';
    const refused = await register().expect(502);
    expect(refused.body).toMatchObject({ code: 'broker_refused', detail: expect.stringContaining('Internal error') });
    identities.fail = undefined;
    const reg = await register().expect(201);
    expect(reg.body.mqtt.username).toBe('home-a/m-1');
    await register().expect(409);

    // Revocation asks the broker first: when it fails nothing changes (the token still posts) and it can be retried.
    identities.fail = 'unavailable';
    const stuck = await request(app)
      .delete('/api/auth/homes/home-a/devices/m-1')
      .set('Authorization', owner)
      .expect(503);
    expect(stuck.body.code).toBe('broker_unavailable');
    expect(devices.rows.get('home-a/m-1')?.revoked).toBe(false);
    expect(identities.clients.has('home-a/m-1')).toBe(true);
    identities.fail = undefined;
    await request(app).delete('/api/auth/homes/home-a/devices/m-1').set('Authorization', owner).expect(204);
    expect(identities.clients.has('home-a/m-1')).toBe(false);

    const metrics = await request(app)
      .get('/metrics')
      .set('Authorization', `Bearer ${deps.secrets.metricsToken}`)
      .expect(200);
    for (const line of [
      'carbonreducer_api_device_identities_total{action="register",outcome="broker_unavailable"} 1',
      'carbonreducer_api_device_identities_total{action="register",outcome="broker_refused"} 1',
      'carbonreducer_api_device_identities_total{action="register",outcome="ok"} 1',
      'carbonreducer_api_device_identities_total{action="register",outcome="exists"} 1',
      'carbonreducer_api_device_identities_total{action="revoke",outcome="broker_unavailable"} 1',
      'carbonreducer_api_device_identities_total{action="revoke",outcome="ok"} 1',
    ])
      expect(metrics.text).toContain(line);
  });

  it('every problem code in responses is documented with a status', () => {
    for (const [code, p] of Object.entries(PROBLEMS)) {
      expect(code).toMatch(/^[a-z_]+$/);
      expect(p.status).toBeGreaterThanOrEqual(400);
    }
  });
});
