/**
 * API benchmark: requests/s and p50/p99 latency of cached plan reads and intensity-forecast reads at 50 concurrent
 * clients with a real Keycloak MFA token, from a second process (autocannon) on loopback; and the cost of one token
 * verification (µs). Run it alone: `flock /tmp/bench.lock nice npx tsx api/bench/load.ts` (after `scripts/stack up`).
 * Targets (issue #14): ≥ 2,000 req/s with p99 < 50 ms for cached plan reads; token verification < 0.2 ms.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BUCKETS, INTENSITY_FORECAST, createInfluxClient, writePoints } from '@carbonreducer/influx';
import { repoRoot, withStackDefaults } from '@carbonreducer/stack-env';
import { Point } from '@influxdata/influxdb-client';
import { Client as PgClient } from 'pg';
import { createTokenVerifier, remoteKeys } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { realmUsers } from '../src/testing/keycloak';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const PORT = Number(process.env.BENCH_API_PORT ?? 8391);
const HOME = process.env.BENCH_HOME ?? 'sim-001';
const REGION = 'ZZBENCH';

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

function cannon(url: string, token: string, seconds: number): CannonResult {
  const bin = join(repoRoot, 'node_modules', 'autocannon', 'autocannon.js');
  const res = spawnSync(
    process.execPath,
    [bin, '-c', String(CONNECTIONS), '-d', String(seconds), '-H', `Authorization: Bearer ${token}`, '--json', url],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (res.status !== 0) throw new Error(`autocannon failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as CannonResult;
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/healthz`, { headers: { Connection: 'close' } });
      if (r.status === 200 || r.status === 503) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('API did not start within 60 s');
}

async function main(): Promise<void> {
  const env = withStackDefaults(process.env);
  const config = loadConfig(env);
  const pg = new PgClient({ connectionString: config.postgresUrl });
  await pg.connect();
  await pg.query('INSERT INTO app.homes (home_id) VALUES ($1) ON CONFLICT DO NOTHING', [HOME]);
  await pg.end();
  // A forecast issue of a bench-only region for the next 48 h (the real GB one exists only once the worker ran).
  const nowMs = Math.floor(Date.now() / 1_800_000) * 1_800_000;
  const issuedAt = new Date(nowMs).toISOString();
  const points = Array.from({ length: 96 }, (_, i) =>
    new Point(INTENSITY_FORECAST.measurement)
      .tag(INTENSITY_FORECAST.tags.region, REGION)
      .tag(INTENSITY_FORECAST.tags.modelVersion, 'bench')
      .tag(INTENSITY_FORECAST.tags.issuedAt, issuedAt)
      .floatField(INTENSITY_FORECAST.fields.intensity, 150 + 50 * Math.sin(i / 8))
      .timestamp(new Date(nowMs + i * 1_800_000)),
  );
  await writePoints(
    createInfluxClient(config.influx),
    { org: config.influx.org, bucket: BUCKETS.forecasts, precision: 's' },
    points,
    'bench forecast',
  );

  const realm = await realmUsers('bench-api');
  const url = `http://127.0.0.1:${PORT}`;
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'api', 'src', 'server.ts')],
    {
      env: { ...env, API_PORT: String(PORT), API_PUBLIC_URL: url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  try {
    await waitHealthy(url, child);
    const token = realm.tokens.operator;
    const targets = {
      'GET plan (cached)': `${url}/api/optimize/homes/${HOME}/plan`,
      'GET predict intensity': `${url}/api/predict/intensity/${REGION}?hours=24`,
    };
    const rows: string[] = [];
    for (const [name, target] of Object.entries(targets)) {
      const probe = await fetch(target, { headers: { Authorization: `Bearer ${token}`, Connection: 'close' } }).catch(
        (err: unknown) => {
          throw new Error(`probing ${target} failed`, { cause: err });
        },
      );
      const status = probe.status;
      if (status !== 200) throw new Error(`${target} answered ${status}: ${await probe.text()}`);
      cannon(target, token, 3); // warm-up: JIT, JWKS, caches
      const r = cannon(target, token, SECONDS);
      rows.push(
        `${name.padEnd(24)} status ${status}  ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  max ${r.latency.max} ms  non-2xx ${r.non2xx}  errors ${r.errors + r.timeouts}`,
      );
    }

    // Token verification in this process: JWKS fetched once, then every verify is local.
    const verifier = createTokenVerifier(remoteKeys(config.auth.jwksUrl), config.auth);
    const header = `Bearer ${token}`;
    for (let i = 0; i < 500; i++) await verifier.verify(header);
    const n = 5000;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await verifier.verify(header);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / n;
    rows.push(
      `token verification       mean ${(mean * 1000).toFixed(1)} µs  p50 ${((times[n / 2] ?? 0) * 1000).toFixed(1)} µs  p99 ${((times[Math.floor(n * 0.99)] ?? 0) * 1000).toFixed(1)} µs  (${n} RS256 verifications)`,
    );
    process.stdout.write(
      `API benchmark: ${CONNECTIONS} connections, ${SECONDS} s per target, real Keycloak MFA token\n`,
    );
    for (const row of rows) process.stdout.write(`  ${row}\n`);
    process.stdout.write(
      `  load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
  } finally {
    child.kill('SIGTERM');
    await realm.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (err instanceof Error && err.cause !== undefined) process.stderr.write(`cause: ${String(err.cause)}\n`);
  process.exit(1);
});
