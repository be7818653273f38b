/**
 * Runs the data source's Go tests, unit and integration (`-tags integration`), with what the integration tests need
 * from the real stack: the CarbonReducer API (the running one, or one started here on a free port), real Keycloak
 * MFA tokens (users made for this run, signed in through the real login pages with a TOTP code), a homeowner who is a
 * member of one home and not of another, and a forecast in InfluxDB. When a part is missing the Go tests still run and
 * each integration test fails saying what is missing and how to start it (CR_IT_UNAVAILABLE); they never skip.
 *
 *   npx tsx grafana-plugins/carbonreducer-datasource/integration/run.ts [go test -json report path]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { BUCKETS, INTENSITY_FORECAST, createInfluxClient, writePoints } from '@carbonreducer/influx';
import { KeycloakAdmin, type TestUser } from '@carbonreducer/scripts/smoke/keycloak/admin';
import { launchBrowser } from '@carbonreducer/scripts/smoke/keycloak/browser';
import { CodeLogin } from '@carbonreducer/scripts/smoke/keycloak/flows';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { loadStackEnv, repoRoot } from '@carbonreducer/stack-env';
import { Point } from '@influxdata/influxdb-client';

const pluginDir = join(repoRoot, 'grafana-plugins', 'carbonreducer-datasource');
const report = process.argv[2] ?? join(repoRoot, '.stack', 'go-test', 'grafana-datasource.json');
const log = (msg: string) => process.stderr.write(`[grafana-datasource it] ${msg}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status?: string };
    return typeof body.status === 'string';
  } catch {
    return false;
  }
}

async function api<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
}

interface Setup {
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

async function setUp(): Promise<Setup> {
  const stack = loadStackEnv();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  };
  try {
    // The API: the one main.sh started, else one started here (same code, same stack settings).
    let apiUrl = `http://127.0.0.1:${process.env.API_PORT ?? '8380'}`;
    if (!(await healthy(apiUrl))) {
      const port = await freePort();
      apiUrl = `http://127.0.0.1:${port}`;
      log(`starting the API on ${apiUrl}`);
      const child: ChildProcess = spawn('npx', ['tsx', 'api/src/server.ts'], {
        cwd: repoRoot,
        env: { ...process.env, API_PORT: String(port) },
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
      });
      cleanups.push(async () => {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      });
      const t0 = Date.now();
      while (!(await healthy(apiUrl))) {
        if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}) before answering /healthz`);
        if (Date.now() - t0 > 60_000) throw new Error(`the API did not answer ${apiUrl}/healthz within 60 s`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // Real users and MFA tokens through the login pages.
    const kcBase = `http://127.0.0.1:${stack.port('KEYCLOAK_PORT')}`;
    const issuer = `${kcBase}/realms/carbonreducer`;
    const admin = new KeycloakAdmin(kcBase, stack.get('KEYCLOAK_ADMIN_PASSWORD'));
    const users: TestUser[] = [];
    cleanups.push(async () => {
      for (const u of users) await admin.deleteUser(u);
    });
    const homeowner = await admin.createUser({ prefix: 'it-grafana-homeowner', roles: ['homeowner'], totp: true });
    users.push(homeowner);
    const operator = await admin.createUser({ prefix: 'it-grafana-operator', roles: ['operator'], totp: true });
    users.push(operator);
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const login = async (u: TestUser): Promise<string> => {
      const session = await browser.newSession(u.username);
      try {
        const flow = new CodeLogin(session, issuer, 'carbonreducer-test');
        await flow.start();
        await flow.password(u.username, u.password);
        await flow.submitCode('otp', totpCode(u.totpSecret ?? '', Date.now()));
        const t = await flow.tokens();
        if (!t.access_token) throw new Error(`no access token for ${u.username}`);
        return t.access_token;
      } finally {
        await session.context.close();
      }
    };
    const operatorToken = await login(operator);
    // Homes: a simulator home when the bootstrap registered one, else one registered here; and another home.
    const { homes } = await api<{ homes: { homeId: string }[] }>(apiUrl, operatorToken, 'GET', '/api/homes');
    const suffix = Date.now().toString(36);
    const own = homes.find((h) => h.homeId === 'sim-001')?.homeId ?? `it-grafana-${suffix}`;
    const other = `it-grafana-other-${suffix}`;
    for (const homeId of own === 'sim-001' ? [other] : [own, other]) {
      await api(apiUrl, operatorToken, 'POST', '/api/homes', { homeId, region: 'GB', timeZone: 'Europe/London' });
      cleanups.push(() => api(apiUrl, operatorToken, 'DELETE', `/api/homes/${homeId}`));
    }
    await api(apiUrl, operatorToken, 'PUT', `/api/homes/${own}/members/${homeowner.id}`, { role: 'owner' });
    cleanups.push(() => api(apiUrl, operatorToken, 'DELETE', `/api/homes/${own}/members/${homeowner.id}`));
    // A forecast issued now for the next 12 h (the forecasts bucket keeps every issue; the newest answers).
    const influx = createInfluxClient({
      url: stack.get('INFLUX_URL'),
      token: stack.get('INFLUX_TOKEN'),
      org: stack.get('INFLUX_ORG'),
    });
    const issuedAt = new Date(Math.floor(Date.now() / 1_800_000) * 1_800_000);
    const points = Array.from({ length: 24 }, (_, i) =>
      new Point(INTENSITY_FORECAST.measurement)
        .tag(INTENSITY_FORECAST.tags.region, 'GB')
        .tag(INTENSITY_FORECAST.tags.modelVersion, 'it-grafana')
        .tag(INTENSITY_FORECAST.tags.issuedAt, issuedAt.toISOString())
        .floatField(INTENSITY_FORECAST.fields.intensity, 150 + 40 * Math.cos(i / 4))
        .timestamp(new Date(issuedAt.getTime() + i * 1_800_000))
    );
    await writePoints(
      influx,
      { org: stack.get('INFLUX_ORG'), bucket: BUCKETS.forecasts, precision: 's' },
      points,
      'it forecast'
    );
    const homeownerToken = await login(homeowner);
    return {
      env: {
        CR_IT_API_URL: apiUrl,
        CR_IT_HOMEOWNER_TOKEN: homeownerToken,
        CR_IT_OPERATOR_TOKEN: operatorToken,
        CR_IT_OWN_HOME: own,
        CR_IT_OTHER_HOME: other,
      },
      cleanup,
    };
  } catch (err) {
    await cleanup();
    const msg = err instanceof Error ? err.message : String(err);
    return {
      env: {
        CR_IT_UNAVAILABLE: `${msg} — start the stack with \`bash scripts/stack up\` (Keycloak, PostgreSQL, InfluxDB, Temporal) and check \`bash scripts/stack status\``,
      },
      cleanup: async () => undefined,
    };
  }
}

async function main(): Promise<void> {
  const setup = await setUp();
  if (setup.env.CR_IT_UNAVAILABLE) log(`integration setup failed: ${setup.env.CR_IT_UNAVAILABLE}`);
  mkdirSync(dirname(report), { recursive: true });
  const out = createWriteStream(report);
  const go = spawn('go', ['test', '-tags', 'integration', '-count=1', '-json', './pkg/...'], {
    cwd: pluginDir,
    env: { ...process.env, ...setup.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  go.stdout?.pipe(out);
  const rc = await new Promise<number>((resolve) => go.on('close', (code) => resolve(code ?? 1)));
  await setup.cleanup();
  // The human-readable summary (the JSON report is for scripts/test.sh's closing line).
  spawnSync('node', ['-e', summary, report], { stdio: 'inherit' });
  process.exitCode = rc;
}

const summary = `
const lines = require('fs').readFileSync(process.argv[1], 'utf8').split('\\n').filter((l) => l.startsWith('{'));
let p = 0, f = 0;
for (const l of lines) { const e = JSON.parse(l); if (!e.Test) continue;
  if (e.Action === 'pass') p++; if (e.Action === 'fail') { f++; } if (e.Action === 'output' && /--- FAIL|_test.go:\\d+/.test(e.Output)) process.stderr.write(e.Output); }
console.error('[grafana-datasource it] go tests: ' + p + ' passed, ' + f + ' failed');
`;

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
