/**
 * What the data source's integration tests and the plugins' browser tests need from the real stack: the CarbonReducer
 * API (the running one, or one started here on a free port), real Keycloak MFA tokens (users made for this run, signed
 * in through the real login pages with a TOTP code), a homeowner who is a member of one home and not of another, and a
 * forecast in InfluxDB. On failure `env.CR_IT_UNAVAILABLE` says what is missing and how to start it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { BUCKETS, INTENSITY, INTENSITY_FORECAST, createInfluxClient, writePoints } from '@carbonreducer/influx';
import { KeycloakAdmin, type TestUser } from '@carbonreducer/scripts/smoke/keycloak/admin';
import { launchBrowser } from '@carbonreducer/scripts/smoke/keycloak/browser';
import { CodeLogin } from '@carbonreducer/scripts/smoke/keycloak/flows';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { loadStackEnv, repoRoot } from '@carbonreducer/stack-env';
import { Point } from '@influxdata/influxdb-client';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';

/** The region the forecast-accuracy query is checked in (its own, so no other data is touched). */
const ACCURACY_REGION = 'ITGRAFANA';

const log = (msg: string) => process.stderr.write(`[grafana-plugins it] ${msg}\n`);

export async function freePort(): Promise<number> {
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

export async function api<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export interface Setup {
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/**
 * `worker`: also have the Temporal worker running (run requests are Temporal updates the worker answers): the one
 * main.sh started, else one started here through scripts/services.d and stopped again in cleanup.
 */
export async function setUp(options: { worker?: boolean } = {}): Promise<Setup> {
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
    if (options.worker) {
      const svc = join(repoRoot, 'scripts', 'services.d', '10-worker.sh');
      const running = spawnSync('bash', [svc, 'status'], { encoding: 'utf8' }).stdout.includes('running');
      if (!running) {
        // No schedules from a test's worker: it answers run requests and stops again.
        const started = spawnSync('bash', [svc, 'start'], {
          encoding: 'utf8',
          env: { ...process.env, ENSURE_SCHEDULES: 'false' },
        });
        if (started.status !== 0) throw new Error(`the Temporal worker did not start: ${started.stderr.slice(-400)}`);
        cleanups.push(async () => void spawnSync('bash', [svc, 'stop'], { stdio: 'ignore' }));
        const logFile = join(repoRoot, '.stack', 'logs', 'worker.log');
        const from = existsSync(logFile) ? readFileSync(logFile).length : 0;
        const t0 = Date.now();
        // The worker logs 'worker running' as it starts polling its task queues.
        while (!readFileSync(logFile).subarray(from).toString().includes('worker running')) {
          if (Date.now() - t0 > 120_000)
            throw new Error(`the Temporal worker is not polling after 120 s (log: ${logFile})`);
          await new Promise((r) => setTimeout(r, 1000));
        }
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
    // Homes of this run only (a shared simulator home's optimizer workflow is other tests' state): the homeowner's and
    // another one.
    const suffix = Date.now().toString(36);
    const own = `it-grafana-${suffix}`;
    const other = `it-grafana-other-${suffix}`;
    for (const homeId of [own, other]) {
      await api(apiUrl, operatorToken, 'POST', '/api/homes', { homeId, region: 'GB', timeZone: 'Europe/London' });
      cleanups.push(() => api(apiUrl, operatorToken, 'DELETE', `/api/homes/${homeId}`));
    }
    // A run request starts the home's optimizer workflow: end it with the run, so no test state outlives it.
    cleanups.push(async () => {
      const connection = await Connection.connect({ address: stack.get('TEMPORAL_ADDRESS'), connectTimeout: 5000 });
      try {
        const client = new Client({ connection, namespace: stack.get('TEMPORAL_NAMESPACE') });
        await client.workflow
          .getHandle(`optimize-home/${own}`)
          .terminate('end of the grafana-plugins test run')
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          });
      } finally {
        await connection.close();
      }
    });
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
        .floatField(INTENSITY_FORECAST.fields.lower, 120 + 40 * Math.cos(i / 4) - i)
        .floatField(INTENSITY_FORECAST.fields.upper, 185 + 40 * Math.cos(i / 4) + i)
        .timestamp(new Date(issuedAt.getTime() + i * 1_800_000))
    );
    await writePoints(
      influx,
      { org: stack.get('INFLUX_ORG'), bucket: BUCKETS.forecasts, precision: 's' },
      points,
      'it forecast'
    );
    // Forecast accuracy, in a region of its own: actuals of the last 2 h and a forecast issued 3 h before them.
    const slot = (k: number) => new Date(issuedAt.getTime() - k * 1_800_000);
    await writePoints(
      influx,
      { org: stack.get('INFLUX_ORG'), bucket: BUCKETS.carbonIntensity, precision: 's' },
      [1, 2, 3, 4].map((k) =>
        new Point(INTENSITY.measurement)
          .tag(INTENSITY.tags.region, ACCURACY_REGION)
          .tag(INTENSITY.tags.source, 'it-grafana')
          .tag(INTENSITY.tags.kind, 'actual')
          .floatField(INTENSITY.fields.intensity, 100 + 10 * k)
          .timestamp(slot(k))
      ),
      'it actuals'
    );
    await writePoints(
      influx,
      { org: stack.get('INFLUX_ORG'), bucket: BUCKETS.forecasts, precision: 's' },
      [1, 2, 3, 4].map((k) =>
        new Point(INTENSITY_FORECAST.measurement)
          .tag(INTENSITY_FORECAST.tags.region, ACCURACY_REGION)
          .tag(INTENSITY_FORECAST.tags.modelVersion, 'it-grafana')
          .tag(INTENSITY_FORECAST.tags.issuedAt, slot(6).toISOString())
          .floatField(INTENSITY_FORECAST.fields.intensity, 105 + 10 * k)
          .timestamp(slot(k))
      ),
      'it forecast for accuracy'
    );
    const homeownerToken = await login(homeowner);
    return {
      env: {
        CR_IT_API_URL: apiUrl,
        CR_IT_HOMEOWNER_TOKEN: homeownerToken,
        CR_IT_OPERATOR_TOKEN: operatorToken,
        CR_IT_OWN_HOME: own,
        CR_IT_OTHER_HOME: other,
        CR_IT_ACCURACY_REGION: ACCURACY_REGION,
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
