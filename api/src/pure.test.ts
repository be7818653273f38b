import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_KINDS, ID_PATTERN, isValidId } from '@carbonreducer/telemetry';
import { actingRole, decideHome } from './authz';
import { cachedVerifier } from './auth/tokens';
import { issueDeviceToken, parseDeviceToken, secretMatches, sharedSecretMatches } from './auth/deviceTokens';
import { latestIssue, latestPlanPerRequest } from './adapters/influx';
import { isPostgresUnavailable } from './adapters/postgres';
import { CachedPlanner } from './cachedPlanner';
import { loadConfig } from './config';
import { ApiProblem, problemFromIssues } from './http/problem';
import { toProblem } from './http/mount';
import { DependencyUnavailable, type PlanView } from './ports';
import { createPseudonymizer } from './pseudonym';
import { notificationFor, parseWindow, recipientsOf } from './routes/alerts';
import { expectedEmissionsG } from './routes/predict';
import { periodStart, rollUp } from './routes/reports';
import { Preferences, RegisterHomeBody, RunRequestBody } from './schemas';
import { MemoryPlanner } from './testing/memory';

describe('pseudonyms', () => {
  const p = createPseudonymizer('key-one-0123456789');
  it('are stable, keyed, valid contract ids, and a device pseudonym depends on its home', () => {
    expect(p.home('sim-001')).toBe(p.home('sim-001'));
    expect(p.home('sim-001')).not.toBe(p.home('sim-002'));
    expect(createPseudonymizer('key-two-0123456789').home('sim-001')).not.toBe(p.home('sim-001'));
    expect(p.device('sim-001', 'meter')).not.toBe(p.device('sim-002', 'meter'));
    expect(p.home('a')).toMatch(/^h[0-9a-f]{24}$/);
    expect(isValidId(p.home('a')) && isValidId(p.device('a', 'b'))).toBe(true);
    // Domain separation: a home's pseudonym is not some device's.
    expect(p.home('x').slice(1)).not.toBe(p.device('x', '').slice(1));
  });
  it('refuse a short key', () => {
    expect(() => createPseudonymizer('short')).toThrow(/16 characters/);
  });
});

describe('authorisation decisions', () => {
  const userAccess = (roles: ('homeowner' | 'analyst' | 'operator')[]) => ({ kind: 'user' as const, roles });
  it('acts in the widest role the route allows', () => {
    expect(actingRole(['homeowner', 'operator'], userAccess(['homeowner', 'analyst', 'operator']))).toBe('operator');
    expect(actingRole(['homeowner', 'analyst'], userAccess(['homeowner', 'operator']))).toBe('homeowner');
    expect(actingRole(['analyst'], userAccess(['homeowner', 'operator']))).toBeUndefined();
    expect(actingRole([], userAccess(['homeowner']))).toBeUndefined();
  });
  it.each([
    ['operator', 'write', { exists: true, member: false }, { allow: true }],
    ['operator', 'read', { exists: false, member: false }, { allow: false, code: 'home_not_found' }],
    ['analyst', 'read', { exists: true, member: false }, { allow: true }],
    ['analyst', 'read', { exists: false, member: false }, { allow: false, code: 'home_not_found' }],
    ['analyst', 'write', { exists: true, member: false }, { allow: false, code: 'role_forbidden' }],
    ['homeowner', 'write', { exists: true, member: true }, { allow: true }],
    ['homeowner', 'read', { exists: true, member: false }, { allow: false, code: 'home_not_found' }],
    ['homeowner', 'read', { exists: false, member: false }, { allow: false, code: 'home_not_found' }],
  ] as const)('%s %s %j → %j', (role, mode, facts, expected) => {
    expect(decideHome(role, mode, facts)).toEqual(expected);
  });
});

describe('problem mapping', () => {
  it('names the first offending field, and unknown keys as unknown_field', () => {
    const unknown = problemFromIssues('body', [
      { code: 'unrecognized_keys', path: [], keys: ['colour'], message: 'Unrecognized key' },
    ]);
    expect(unknown.code).toBe('unknown_field');
    expect(unknown.body()).toMatchObject({ status: 422, code: 'unknown_field', field: 'body.colour' });
    const nested = problemFromIssues('body', [
      { code: 'invalid_type', path: ['comfort', 'earliestHour'], message: 'expected number' },
    ]);
    expect(nested.body()).toMatchObject({ code: 'validation_failed', field: 'body.comfort.earliestHour' });
  });
  it('maps body-parser errors to their codes and anything else to internal without leaking its message', () => {
    expect(toProblem(Object.assign(new Error('x'), { type: 'entity.too.large' })).code).toBe('payload_too_large');
    expect(toProblem(Object.assign(new Error('x'), { type: 'entity.parse.failed' })).code).toBe('bad_json');
    expect(toProblem(Object.assign(new Error('x'), { type: 'charset.unsupported' })).code).toBe(
      'unsupported_media_type',
    );
    expect(toProblem(new DependencyUnavailable('InfluxDB: reading x failed')).body()).toMatchObject({
      status: 503,
      code: 'dependency_unavailable',
    });
    const internal = toProblem(new Error('password=hunter2'));
    expect(internal.code).toBe('internal');
    expect(JSON.stringify(internal.body())).not.toContain('hunter2');
    expect(new ApiProblem('home_not_found').body('/x')).toEqual({
      type: 'https://carbonreducer.invalid/problems/home_not_found',
      title: 'No such home',
      status: 404,
      code: 'home_not_found',
      instance: '/x',
    });
  });
});

describe('PostgreSQL unavailable or faulty', () => {
  const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' })],
    ['admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['starting up', pgError('57P03', 'the database system is starting up')],
    ['connection exception', pgError('08006')],
    ['socket closed', new Error('Connection terminated unexpectedly')],
    ['pool wait', new Error('timeout exceeded when trying to connect')],
  ])('%s is unavailable (503)', (_name, err) => {
    expect(isPostgresUnavailable(err)).toBe(true);
  });
  it.each([
    ['undefined column', pgError('42703')],
    ['unique violation', pgError('23505')],
    ['check violation', pgError('23514')],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is a fault of the query (500)', (_name, err) => {
    expect(isPostgresUnavailable(err)).toBe(false);
  });
});

describe('schemas', () => {
  it('refuse unknown fields and apply defaults', () => {
    expect(RegisterHomeBody.parse({ homeId: 'h1' })).toEqual({
      homeId: 'h1',
      region: 'GB',
      timeZone: 'Europe/London',
      importLimitW: null,
    });
    expect(RegisterHomeBody.safeParse({ homeId: 'h1', extra: 1 }).success).toBe(false);
    expect(RegisterHomeBody.safeParse({ homeId: 'Bad Id' }).success).toBe(false);
  });
  it('check run requests and the comfort band', () => {
    const run = {
      idempotencyKey: 'k1',
      deviceId: 'dw',
      appliance: 'dishwasher',
      durationMin: 90,
      powerW: 1200,
      readyBy: '2026-12-03T07:00:00Z',
    };
    expect(RunRequestBody.safeParse(run).success).toBe(true);
    expect(RunRequestBody.safeParse({ ...run, powerW: -1 }).success).toBe(false);
    expect(RunRequestBody.safeParse({ ...run, readyBy: 'tomorrow' }).success).toBe(false);
    const prefs = {
      co2PricePerKg: 0.2,
      comfort: { earliestHour: 22, latestHour: 6 },
      fuseA: null,
      alerts: { optIn: true, channel: 'mqtt' },
      leaderboardOptIn: false,
    };
    const bad = Preferences.safeParse(prefs);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/earliestHour must be before latestHour/);
  });
});

describe('device tokens', () => {
  it('store only a digest; the token parses back and matches it in constant time', () => {
    const t = issueDeviceToken();
    const parts = parseDeviceToken(t.token);
    expect(parts?.tokenId).toBe(t.tokenId);
    expect(t.token).not.toContain(t.sha256.toString('hex'));
    expect(secretMatches(parts!.secret, t.sha256)).toBe(true);
    expect(
      secretMatches(
        parts!.secret.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        t.sha256,
      ),
    ).toBe(false);
    expect(parseDeviceToken('crd.123.abc')).toBeUndefined();
    expect(sharedSecretMatches('a', 'a')).toBe(true);
    expect(sharedSecretMatches('a', 'ab')).toBe(false);
  });
});

describe('SQL tables agree with the contract (provisioning/postgres/init/03-api.sql)', () => {
  const sql = readFileSync(join(__dirname, '..', '..', 'provisioning', 'postgres', 'init', '03-api.sql'), 'utf8');
  it('device kinds CHECK lists exactly DEVICE_KINDS', () => {
    const m = /kind text NOT NULL CHECK \(kind IN \(([^)]*)\)\)/.exec(sql);
    expect(m?.[1]?.split(',').map((s) => s.trim().replace(/'/g, ''))).toEqual([...DEVICE_KINDS]);
  });
  it('device id CHECK is the contract id rule', () => {
    expect(sql).toContain(`device_id ~ '${ID_PATTERN}'`);
  });
  it('only idempotent statements', () => {
    const statements = sql
      .replace(/--.*$/gm, '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of statements)
      expect(s).toMatch(/^CREATE (TABLE|INDEX|UNIQUE INDEX) IF NOT EXISTS|^ALTER TABLE \S+ ADD COLUMN IF NOT EXISTS/);
  });
});

describe('reports, predictions, alerts', () => {
  it('keep the latest plan version per request and roll up per day and month', () => {
    const runs = latestPlanPerRequest([
      { _time: '2026-12-01T10:00:00Z', _value: 100, home_id: 'h', request_id: 'r1', plan_version: '1' },
      { _time: '2026-12-01T12:00:00Z', _value: 150, home_id: 'h', request_id: 'r1', plan_version: '2' },
      { _time: '2026-12-02T01:00:00Z', _value: 50, home_id: 'h', request_id: 'r2', plan_version: '1' },
    ]);
    expect(runs).toEqual([
      { homeId: 'h', startAt: '2026-12-01T12:00:00.000Z', avoidedG: 150 },
      { homeId: 'h', startAt: '2026-12-02T01:00:00.000Z', avoidedG: 50 },
    ]);
    expect(rollUp(runs, 'day')).toEqual([
      { start: '2026-12-01T00:00:00.000Z', expectedAvoidedKg: 0.15, verifiedAvoidedKg: null },
      { start: '2026-12-02T00:00:00.000Z', expectedAvoidedKg: 0.05, verifiedAvoidedKg: null },
    ]);
    expect(rollUp(runs, 'month')).toEqual([
      { start: '2026-12-01T00:00:00.000Z', expectedAvoidedKg: 0.2, verifiedAvoidedKg: null },
    ]);
    const verified = [
      { startAt: '2026-12-01T11:00:00Z', avoidedG: 120 },
      { startAt: '2026-12-03T09:00:00Z', avoidedG: 40 },
    ];
    expect(rollUp(runs, 'day', verified)).toEqual([
      { start: '2026-12-01T00:00:00.000Z', expectedAvoidedKg: 0.15, verifiedAvoidedKg: 0.12 },
      { start: '2026-12-02T00:00:00.000Z', expectedAvoidedKg: 0.05, verifiedAvoidedKg: null },
      { start: '2026-12-03T00:00:00.000Z', expectedAvoidedKg: 0, verifiedAvoidedKg: 0.04 },
    ]);
    expect(periodStart('2026-02-28T23:59:59Z', 'month')).toBe('2026-02-01T00:00:00.000Z');
  });
  it('pick the latest forecast issue', () => {
    const rows = [
      { issued_at: '2026-12-03T05:00:00Z', model_version: 'a' },
      { issued_at: '2026-12-03T06:00:00Z', model_version: 'b' },
    ];
    expect(latestIssue(rows)).toEqual({ issuedAt: '2026-12-03T06:00:00Z', modelVersion: 'b', rows: [rows[1]] });
    expect(latestIssue([])).toBeNull();
  });
  it('expected emissions: kW × h × g/kWh over the slots both forecasts cover', () => {
    const load = [
      { time: '2026-12-03T00:00:00Z', powerW: 1000 },
      { time: '2026-12-03T00:30:00Z', powerW: 2000 },
    ];
    const intensity = [
      { time: '2026-12-03T00:00:00Z', intensityGPerKWh: 100 },
      { time: '2026-12-03T00:30:00Z', intensityGPerKWh: 200 },
    ];
    // 1 kW·0.5 h·100 + 2 kW·0.5 h·200 = 50 + 200
    expect(expectedEmissionsG(load, intensity)).toBeCloseTo(250);
    expect(expectedEmissionsG(load, [])).toBeNull();
  });
  it('alerts for homes go to the named home or the region, and become contract notifications', () => {
    const opted = [
      { homeId: 'a', region: 'GB', channel: 'mqtt' as const },
      { homeId: 'b', region: 'GB', channel: 'sms' as const },
      { homeId: 'c', region: 'FR', channel: 'mqtt' as const },
    ];
    const homes = { audience: 'homes' };
    expect(recipientsOf({ ...homes, region: 'GB' }, opted).map((r) => r.homeId)).toEqual(['a', 'b']);
    expect(recipientsOf({ ...homes, home_id: 'c', region: 'GB' }, opted).map((r) => r.homeId)).toEqual(['c']);
    expect(recipientsOf({ ...homes, alertname: 'x' }, opted)).toEqual([]);
    // An operators' alert with a region or a home (rejects of GB, a stalled home) never reaches a home.
    expect(recipientsOf({ alertname: 'Rejects spike', region: 'GB' }, opted)).toEqual([]);
    expect(recipientsOf({ audience: 'operators', home_id: 'c' }, opted)).toEqual([]);
    const n = notificationFor(
      {
        status: 'firing',
        labels: { alertname: 'High-carbon hours ahead', audience: 'homes', kind: 'high_carbon_hours', region: 'GB' },
        annotations: { summary: 'High carbon 17-19h' },
        startsAt: '2026-12-03T17:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'abc123',
      },
      new Date('2026-12-03T06:00:00Z'),
    );
    expect(n).toEqual({
      v: 1,
      id: 'grafana-abc123',
      kind: 'high_carbon_hours',
      title: 'High carbon 17-19h',
      body: '',
      at: '2026-12-03T06:00:00.000Z',
      from: '2026-12-03T17:00:00.000Z',
    });
    // The window label is the period the notification is about (not when the alert started firing).
    const w = notificationFor(
      {
        status: 'firing',
        labels: { audience: 'homes', region: 'GB', window: '2023-03-07T06:00:00Z/2023-03-07T10:00:00Z' },
        startsAt: '2023-03-06T19:05:00Z',
        endsAt: '0001-01-01T00:00:00Z',
      },
      new Date('2023-03-06T19:05:10Z'),
    );
    expect(w).toMatchObject({ kind: 'info', from: '2023-03-07T06:00:00.000Z', to: '2023-03-07T10:00:00.000Z' });
    expect(w.id).toMatch(/^grafana-[0-9a-f]{32}$/);
    expect(parseWindow('2023-03-07T10:00:00Z/2023-03-07T06:00:00Z')).toBeUndefined();
    expect(parseWindow('2023-03-07T06:00:00Z')).toBeUndefined();
    expect(parseWindow('a/b')).toBeUndefined();
  });
});

describe('cached planner', () => {
  it('serves a home plan from cache within the TTL and drops it on a run request', async () => {
    const inner = new MemoryPlanner();
    let calls = 0;
    const counting = {
      ...inner,
      requestRun: inner.requestRun.bind(inner),
      overrideRuns: inner.overrideRuns.bind(inner),
      pareto: inner.pareto.bind(inner),
      ping: inner.ping.bind(inner),
      currentPlan: async (h: string) => {
        calls++;
        return inner.currentPlan(h) as Promise<PlanView | null>;
      },
    };
    let now = 0;
    const cached = new CachedPlanner(counting, 1000, () => now);
    await cached.currentPlan('h');
    await cached.currentPlan('h');
    expect(calls).toBe(1);
    now = 1500;
    await cached.currentPlan('h');
    expect(calls).toBe(2);
    await cached.requestRun('h', 'GB', {
      requestId: 'r',
      deviceId: 'd',
      appliance: 'a',
      durationMin: 1,
      powerW: 1,
      readyBy: '2026-12-03T07:00:00Z',
    });
    await cached.currentPlan('h');
    expect(calls).toBe(3);
  });
});

describe('config', () => {
  const env = {
    KEYCLOAK_ISSUER: 'http://127.0.0.1:8180/realms/carbonreducer',
    POSTGRES_URL: 'postgresql://u:p@127.0.0.1:5433/db',
    MQTT_SERVICE_PASSWORD: 'x',
    MQTT_DYNSEC_ADMIN_PASSWORD: 'd',
    INFLUX_TOKEN: 't',
    API_PSEUDONYM_KEY: 'k'.repeat(32),
    API_ALERT_WEBHOOK_TOKEN: 'a'.repeat(32),
    API_METRICS_TOKEN: 'm'.repeat(32),
  };
  it('derives the JWKS URL, audience and defaults', () => {
    const c = loadConfig(env);
    expect(c.auth).toEqual({
      issuer: env.KEYCLOAK_ISSUER,
      jwksUrl: `${env.KEYCLOAK_ISSUER}/protocol/openid-connect/certs`,
      audience: 'carbonreducer-api',
      requiredAcr: ['mfa'],
      clockSkewS: 30,
    });
    expect(c.port).toBe(8380);
    expect(loadConfig({ ...env, API_REQUIRED_ACR: 'mfa, 2' }).auth.requiredAcr).toEqual(['mfa', '2']);
  });
  it('lists every missing or bad variable at once', () => {
    let message = '';
    try {
      loadConfig({ KEYCLOAK_ISSUER: 'not a url', API_PORT: '99999' });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const key of [
      'KEYCLOAK_ISSUER',
      'API_PORT',
      'POSTGRES_URL',
      'API_PSEUDONYM_KEY',
      'MQTT_API_PASSWORD',
      'INFLUX_TOKEN',
    ])
      expect(message).toContain(key);
  });
  it('serves HTTPS only with a certificate, its key and a port, and says which is missing', () => {
    expect(loadConfig(env).tls).toBeNull();
    const tls = { API_TLS_CERT_FILE: '/t/server.crt', API_TLS_KEY_FILE: '/t/server.key', API_TLS_PORT: '8381' };
    expect(loadConfig({ ...env, ...tls }).tls).toEqual({
      port: 8381,
      certFile: '/t/server.crt',
      keyFile: '/t/server.key',
      publicUrl: 'https://127.0.0.1:8381',
    });
    // The port alone (ports.env gives it to everyone) does not turn HTTPS on.
    expect(loadConfig({ ...env, API_TLS_PORT: '8381' }).tls).toBeNull();
    expect(() => loadConfig({ ...env, API_TLS_CERT_FILE: '/t/server.crt', API_TLS_PORT: '8381' })).toThrow(
      'API_TLS_CERT_FILE and API_TLS_KEY_FILE go together',
    );
    expect(() => loadConfig({ ...env, API_TLS_CERT_FILE: '/c', API_TLS_KEY_FILE: '/k' })).toThrow(
      'API_TLS_PORT is not set',
    );
  });
});

describe('verified-token cache', () => {
  it('answers a verified token from memory until its exp, and never caches a refusal', async () => {
    let calls = 0;
    let now = 1_000_000;
    const inner = {
      verify: async (h: string | undefined) => {
        calls++;
        if (h !== 'Bearer good') throw new ApiProblem('token_bad_signature');
        return { subject: 's', username: null, roles: [], acr: 'mfa', amr: [], expMs: 1_060_000 };
      },
    };
    const v = cachedVerifier(inner, { nowMs: () => now });
    await v.verify('Bearer good');
    await v.verify('Bearer good');
    expect(calls).toBe(1);
    await expect(v.verify('Bearer bad')).rejects.toThrow();
    await expect(v.verify('Bearer bad')).rejects.toThrow();
    expect(calls).toBe(3);
    now = 1_060_000;
    await v.verify('Bearer good');
    expect(calls).toBe(4);
  });
});
