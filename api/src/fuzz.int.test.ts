import { mulberry32, silentLogger } from '@carbonreducer/common';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { IT_NAMESPACE, startWorker, useTestTemporal, writeFixtureForecast } from '@carbonreducer/workflows/testing';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { createApp } from './app';
import { loadConfig } from './config';
import { createDeps } from './server';
import { removeBrokerIdentities } from './testing/brokerIdentities';
import { realmUsers, type RealmUsers } from './testing/keycloak';

/**
 * Property-based fuzz of every operation in the OpenAPI document against the real stack, with a real operator
 * token (the widest role, so requests get past authorisation into validation, the stores and the adapters):
 * schema-shaped and mutated inputs (wrong types, unknown fields, nulls, huge and odd strings, odd path parameters).
 * A real worker serves the fuzz home's optimizer workflow (integration namespace, this run's own region and forecast), so
 * the optimize routes answer from a workflow rather than timing out. No request may answer 5xx, and every answer is
 * JSON or a problem.
 * Seeded: FUZZ_SEED reproduces a run; FUZZ_CASES sets the cases per operation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const CASES = Number(process.env.FUZZ_CASES ?? 25);
const config = loadConfig({
  ...withStackDefaults(process.env),
  TEMPORAL_NAMESPACE: IT_NAMESPACE,
  // The fuzz checks the contract, not latency: a Pareto curve over fuzzed runs may take seconds on a loaded machine.
  API_TEMPORAL_TIMEOUT_MS: '60000',
});
const { deps, close } = createDeps(config, silentLogger);
const { app, openapi } = createApp(deps);
const run = Math.random().toString(36).slice(2, 8);
const HOME = `it-fuzz-${run}`;
const REGION = `ZF${run.toUpperCase().replace(/[^A-Z]/g, 'X')}`;
const { workers, atEnd } = useTestTemporal();
atEnd((client) => client.workflow.getHandle(`optimize-home/${HOME}`).terminate('end of the API fuzz test'));

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
  default?: unknown;
};

let realm: RealmUsers;
let pg: PgClient;

beforeAll(async () => {
  pg = new PgClient({ connectionString: config.postgresUrl });
  await pg.connect();
  await pg.query('INSERT INTO app.homes (home_id, region) VALUES ($1, $2)', [HOME, REGION]);
  await writeFixtureForecast(REGION, (_slotMs, i) => 150 + 100 * Math.sin(i / 4));
  [realm] = await Promise.all([realmUsers('it-fuzz'), startWorker({ region: REGION, started: workers })]);
}, 240_000);

afterAll(async () => {
  await realm?.close();
  if (pg) {
    await removeBrokerIdentities(pg, deps.identities, { ids: [HOME], like: ['it-fuzz-%'] }).catch(() => 0);
    await pg.query("DELETE FROM app.homes WHERE home_id LIKE 'it-fuzz-%' OR home_id = $1", [HOME]);
    await pg.end();
  }
  await close();
});

function resolve(s: Schema): Schema {
  if (s.$ref) {
    const name = s.$ref.split('/').pop() as string;
    return resolve((openapi.components?.schemas as Record<string, Schema>)[name] as Schema);
  }
  return s;
}

function generator(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const oddStrings = [
    '',
    ' ',
    'x'.repeat(5000),
    '😀',
    '\u0000',
    "'; DROP TABLE app.homes; --",
    '../../etc',
    '%00',
    'NaN',
    '-1',
    '1e309',
    HOME,
  ];
  const oddValues = [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    [],
    {},
    [[[[[]]]]],
    'string',
    { a: { b: { c: {} } } },
  ];

  function valid(s0: Schema, depth = 0): unknown {
    const s = resolve(s0);
    if (s.enum) return pick(s.enum);
    const alts = s.anyOf ?? s.oneOf;
    if (alts) return valid(pick(alts), depth);
    const type = Array.isArray(s.type) ? pick(s.type.filter((t) => t !== 'null')) : s.type;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(s.properties ?? {})) {
          if ((s.required ?? []).includes(k) || rand() < 0.5) out[k] = valid(v, depth + 1);
        }
        return out;
      }
      case 'array':
        return depth > 3 ? [] : Array.from({ length: Math.floor(rand() * 3) }, () => valid(s.items ?? {}, depth + 1));
      case 'integer':
        return Math.floor((s.minimum ?? 0) + rand() * Math.min(1000, (s.maximum ?? 1000) - (s.minimum ?? 0)));
      case 'number':
        return (s.minimum ?? 0) + rand() * Math.min(1000, (s.maximum ?? 1000) - (s.minimum ?? 0));
      case 'boolean':
        return rand() < 0.5;
      case 'string':
        if (s.format === 'date-time') return new Date(Date.now() + (rand() - 0.5) * 86_400_000 * 10).toISOString();
        if (s.pattern?.includes('a-z0-9')) return `f${Math.floor(rand() * 1e6)}`;
        if (s.pattern?.includes('\\d{4}')) return '2026-12';
        if (s.pattern?.includes('A-Z')) return 'GB';
        return `s${Math.floor(rand() * 1e6)}`;
      default:
        return pick(oddValues);
    }
  }

  function mutate(value: unknown): unknown {
    const r = rand();
    if (r < 0.15) return pick(oddValues);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const obj = { ...(value as Record<string, unknown>) };
      const keys = Object.keys(obj);
      if (r < 0.35) obj[`unknown_${Math.floor(rand() * 100)}`] = pick(oddValues);
      else if (r < 0.55 && keys.length > 0) delete obj[pick(keys)];
      else if (keys.length > 0) {
        const k = pick(keys);
        obj[k] = rand() < 0.5 ? pick(oddValues) : pick(oddStrings);
      }
      return obj;
    }
    return rand() < 0.5 ? pick(oddStrings) : pick(oddValues);
  }

  const pathValue = (name: string): string =>
    rand() < 0.6
      ? name === 'homeId'
        ? HOME
        : name === 'region'
          ? 'GB'
          : `f${Math.floor(rand() * 1000)}`
      : encodeURIComponent(pick(oddStrings).slice(0, 300)) || 'x';
  return { valid, mutate, pathValue, pick, rand };
}

interface Operation {
  parameters?: { name: string; in: 'path' | 'query'; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security: Record<string, string[]>[];
  operationId: string;
}

describe('fuzz every operation of the OpenAPI document (real stack, operator token)', () => {
  it(`answers no 5xx and only JSON or problems (${CASES} cases per operation, seed ${SEED})`, async () => {
    const g = generator(mulberry32(SEED));
    const failures: string[] = [];
    let total = 0;
    const statuses = new Map<number, number>();
    for (const [path, ops] of Object.entries(openapi.paths ?? {})) {
      for (const [method, op0] of Object.entries(ops as Record<string, Operation>)) {
        const op = op0;
        for (let i = 0; i < CASES; i++) {
          let url = path;
          const query: Record<string, string> = {};
          for (const p of op.parameters ?? []) {
            if (p.in === 'path') url = url.replace(`{${p.name}}`, g.pathValue(p.name));
            else if (g.rand() < 0.7) {
              const v = g.rand() < 0.7 ? g.valid(p.schema) : g.mutate(g.valid(p.schema));
              query[p.name] = typeof v === 'string' ? v : JSON.stringify(v);
            }
          }
          if (g.rand() < 0.1) query[`extra${i}`] = '1';
          const bodySchema = op.requestBody?.content['application/json']?.schema;
          const body = bodySchema
            ? g.rand() < 0.5
              ? g.valid(bodySchema)
              : g.mutate(g.valid(bodySchema))
            : undefined;
          const scheme = Object.keys(op.security[0] ?? {})[0];
          const auth =
            scheme === 'keycloak'
              ? `Bearer ${realm.tokens.operator}`
              : scheme === 'alertWebhookSecret'
                ? `Bearer ${config.secrets.alertWebhookToken}`
                : scheme === 'metricsSecret'
                  ? `Bearer ${config.secrets.metricsToken}`
                  : undefined;
          let req = (request(app) as unknown as Record<string, (u: string) => request.Test>)[method]!(url).query(query);
          if (auth) req = req.set('Authorization', auth);
          const res =
            body === undefined
              ? await req
              : await req.set('Content-Type', 'application/json').send(JSON.stringify(body));
          total++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const type = String(res.headers['content-type'] ?? '');
          const okType = res.status === 204 || /^application\/(problem\+)?json|^text\/plain/.test(type);
          if (res.status >= 500 || !okType) {
            failures.push(
              `${method.toUpperCase()} ${url} ${JSON.stringify(query)} ${JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${type} ${res.text.slice(0, 200)}`,
            );
          }
          if (res.status >= 400 && !/problem\+json/.test(type))
            failures.push(`${method} ${url} → ${res.status} not a problem: ${type}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThan(300);
    // The fuzz reaches the handlers (2xx) as well as the validation (422) and the stores (404 for unknown ids).
    const count = (lo: number, hi: number) =>
      [...statuses].filter(([s]) => s >= lo && s < hi).reduce((a, [, n]) => a + n, 0);
    expect(count(200, 300)).toBeGreaterThan(total / 10);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(total / 10);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0);
    process.stdout.write(
      `fuzz: ${total} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
  }, 300_000);
});
