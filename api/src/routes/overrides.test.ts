import request from 'supertest';
import { createApp } from '../app';
import { baseClaims, sign } from '../testing/forge';
import { memoryDeps, TEST_AUDIENCE, TEST_ISSUER, testKeys, type TestKeys } from '../testing/memory';
import { paretoPrices } from './pareto';

/**
 * The override and Pareto routes with in-memory stores: who may call them, what reaches the optimizer, how its
 * refusals come back (code, field, counted). The same routes run against the real workflow in overrides.int.test.ts.
 */
describe('override and Pareto routes (in-memory stores)', () => {
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
    void m.directory.putMember('home-b', 'owner-b', 'owner');
    return { ...m, ...createApp(m.deps) };
  }

  const metrics = async (app: ReturnType<typeof setup>['app'], token: string) =>
    (await request(app).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200)).text;

  it('sends start-now, cancel, pin and a batch of pins to the optimizer with the idempotency key as override id', async () => {
    const { app, planner } = setup();
    const owner = await tokenFor('owner-a', ['homeowner']);
    await request(app)
      .post('/api/optimize/homes/home-a/runs/r1/start-now')
      .set('Authorization', owner)
      .send({ idempotencyKey: 'k1' })
      .expect(200);
    await request(app)
      .post('/api/optimize/homes/home-a/runs/r2/cancel')
      .set('Authorization', owner)
      .send({})
      .expect(200);
    const pinned = await request(app)
      .post('/api/optimize/homes/home-a/runs/r3/pin')
      .set('Authorization', owner)
      .send({ from: '2026-12-04T01:00:00Z', to: '2026-12-04T04:00:00Z' })
      .expect(200);
    expect(pinned.body.runs[0]).toMatchObject({ requestId: 'r3', action: 'pin', status: 'planned' });
    await request(app)
      .post('/api/optimize/homes/home-a/pins')
      .set('Authorization', await tokenFor('op-1', ['operator']))
      .send({
        idempotencyKey: 'pareto-1',
        pins: [
          { requestId: 'r3', from: '2026-12-04T01:00:00Z', to: '2026-12-04T03:00:00Z' },
          { requestId: 'r4', from: '2026-12-04T12:00:00Z', to: '2026-12-04T14:00:00Z' },
        ],
      })
      .expect(200);
    expect(planner.overrides.map((o) => [o.input.overrideId.length > 0, o.input.overrides])).toEqual([
      [true, [{ requestId: 'r1', action: 'start-now' }]],
      [true, [{ requestId: 'r2', action: 'cancel' }]],
      [
        true,
        [{ requestId: 'r3', action: 'pin', window: { from: '2026-12-04T01:00:00Z', to: '2026-12-04T04:00:00Z' } }],
      ],
      [
        true,
        [
          { requestId: 'r3', action: 'pin', window: { from: '2026-12-04T01:00:00Z', to: '2026-12-04T03:00:00Z' } },
          { requestId: 'r4', action: 'pin', window: { from: '2026-12-04T12:00:00Z', to: '2026-12-04T14:00:00Z' } },
        ],
      ],
    ]);
    expect(planner.overrides[0]!.input.overrideId).toBe('k1');
    expect(planner.overrides[3]!.input.overrideId).toBe('pareto-1');
  });

  it("refuses another home's owner (home_not_found, like a missing home) and analysts (role_forbidden), counted", async () => {
    const { app, planner, deps } = setup();
    const other = await tokenFor('owner-b', ['homeowner']);
    const refused = await request(app)
      .post('/api/optimize/homes/home-a/runs/r1/cancel')
      .set('Authorization', other)
      .send({})
      .expect(404);
    expect(refused.body).toMatchObject({ code: 'home_not_found', field: 'params.homeId' });
    const analyst = await request(app)
      .post('/api/optimize/homes/home-a/runs/r1/start-now')
      .set('Authorization', await tokenFor('an-1', ['analyst']))
      .send({})
      .expect(403);
    expect(analyst.body.code).toBe('role_forbidden');
    expect(planner.overrides).toEqual([]);
    const text = await metrics(app, deps.secrets.metricsToken);
    expect(text).toMatch(
      /carbonreducer_api_authz_refusals_total\{reason="home_not_found",route="optimize.runs.cancel"\} 1/,
    );
    expect(text).toMatch(
      /carbonreducer_api_authz_refusals_total\{reason="role_forbidden",route="optimize.runs.startNow"\} 1/,
    );
  });

  it("returns the optimizer's refusals with their codes and fields, 404 for an unknown run, and counts each reason", async () => {
    const { app, planner, deps } = setup();
    const owner = await tokenFor('owner-a', ['homeowner']);
    planner.refuse = [{ requestId: 'r1', code: 'window_in_past', message: 'run r1: the window ends before now' }];
    const past = await request(app)
      .post('/api/optimize/homes/home-a/runs/r1/pin')
      .set('Authorization', owner)
      .send({ from: '2020-01-01T00:00:00Z', to: '2020-01-01T03:00:00Z' })
      .expect(409);
    expect(past.body).toMatchObject({
      code: 'override_refused',
      field: 'body.to',
      detail: 'run r1: the window ends before now',
      errors: [{ field: 'body.to', code: 'window_in_past', message: 'run r1: the window ends before now' }],
    });
    planner.refuse = [
      { requestId: 'r1', code: 'window_too_short', message: 'short' },
      { requestId: 'r2', code: 'already_started', message: 'started' },
    ];
    const batch = await request(app)
      .post('/api/optimize/homes/home-a/pins')
      .set('Authorization', owner)
      .send({
        pins: [
          { requestId: 'r1', from: '2026-12-04T01:00:00Z', to: '2026-12-04T01:30:00Z' },
          { requestId: 'r2', from: '2026-12-04T01:00:00Z', to: '2026-12-04T05:00:00Z' },
        ],
      })
      .expect(409);
    expect(batch.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'body.pins.0.from',
      'body.pins.1.requestId',
    ]);
    planner.refuse = [{ requestId: 'nope', code: 'unknown_run', message: 'no run nope in this home' }];
    const unknown = await request(app)
      .post('/api/optimize/homes/home-a/runs/nope/cancel')
      .set('Authorization', owner)
      .send({})
      .expect(404);
    expect(unknown.body).toMatchObject({ code: 'run_not_found', field: 'params.requestId' });
    const text = await metrics(app, deps.secrets.metricsToken);
    for (const reason of ['window_in_past', 'window_too_short', 'already_started', 'unknown_run']) {
      expect(text).toMatch(new RegExp(`carbonreducer_api_override_refusals_total\\{reason="${reason}"\\} 1`));
    }
  });

  it('validates bodies before the optimizer is asked: a pin needs ISO times, no unknown fields', async () => {
    const { app, planner } = setup();
    const owner = await tokenFor('owner-a', ['homeowner']);
    const bad = await request(app)
      .post('/api/optimize/homes/home-a/runs/r1/pin')
      .set('Authorization', owner)
      .send({ from: 'tonight', to: '2026-12-04T04:00:00Z' })
      .expect(422);
    expect(bad.body.field).toBe('body.from');
    const extra = await request(app)
      .post('/api/optimize/homes/home-a/runs/r1/cancel')
      .set('Authorization', owner)
      .send({ reason: 'x' })
      .expect(422);
    expect(extra.body).toMatchObject({ code: 'unknown_field', field: 'body.reason' });
    expect(planner.overrides).toEqual([]);
  });

  it('GET pareto solves the asked prices plus the home’s chosen one and maps device ids for analysts', async () => {
    const { app, planner, deps } = setup();
    const view = {
      homeId: 'home-a',
      computedAt: '2026-12-03T20:00:00.000Z',
      tariff: { name: 'two-rate', currency: 'GBP' },
      forecastIssuedAt: '2026-12-03T19:00:00Z',
      forecastModelVersion: 'v1',
      points: [
        {
          co2PricePerKg: 0,
          costExpected: 0.3,
          kgCO2Expected: 0.5,
          dominated: false,
          runs: [
            {
              requestId: 'r1',
              deviceId: 'dw1',
              appliance: 'dishwasher',
              startAt: '2026-12-04T01:00:00.000Z',
              endAt: '2026-12-04T03:00:00.000Z',
            },
          ],
        },
      ],
    };
    planner.paretos.set('home-a', view);
    const owner = await tokenFor('owner-a', ['homeowner']);
    const res = await request(app)
      .get('/api/optimize/homes/home-a/pareto?co2PricesPerKg=0,0.5,2')
      .set('Authorization', owner)
      .expect(200);
    expect(planner.paretoAsked).toEqual([{ homeId: 'home-a', co2PricesPerKg: [0, 0.1, 0.5, 2] }]);
    expect(res.body).toMatchObject({ homeId: 'home-a', chosenCo2PricePerKg: 0.1, points: view.points });
    const analyst = await request(app)
      .get(`/api/optimize/homes/${deps.pseudonyms.home('home-a')}/pareto`)
      .set('Authorization', await tokenFor('an-1', ['analyst']))
      .expect(200);
    expect(JSON.stringify(analyst.body)).not.toMatch(/home-a|dw1/);
    expect(analyst.body.points[0].runs[0].deviceId).toBe(deps.pseudonyms.device('home-a', 'dw1'));
    const bad = await request(app)
      .get('/api/optimize/homes/home-a/pareto?co2PricesPerKg=cheap')
      .set('Authorization', owner)
      .expect(422);
    expect(bad.body.field).toBe('query.co2PricesPerKg');
    // A home without an optimizer has no curve (nothing to plan), not an error.
    const empty = await request(app)
      .get('/api/optimize/homes/home-b/pareto')
      .set('Authorization', await tokenFor('owner-b', ['homeowner']))
      .expect(200);
    expect(empty.body).toMatchObject({ points: [], computedAt: null, tariff: null });
  });

  it('paretoPrices keeps the chosen price within the 12-price cap', () => {
    expect(paretoPrices(undefined, 0.1)).toEqual([0, 0.05, 0.1, 0.2, 0.5, 1, 2]);
    const many = Array.from({ length: 12 }, (_, i) => i / 2);
    const prices = paretoPrices(many, 0.25);
    expect(prices).toHaveLength(12);
    expect(prices).toContain(0.25);
  });
});
