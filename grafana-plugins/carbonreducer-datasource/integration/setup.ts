/**
 * What the data source's integration tests and the plugins' browser tests need from the real stack: the CarbonReducer
 * API and a Temporal worker of this run (both in the integration namespace, so this run's plans are made by this run's
 * code and no other worker takes them), real Keycloak MFA tokens (users made for this run, signed in through the real
 * login pages with a TOTP code), a homeowner who is a member of one home and not of another, both in a region of this
 * run with a forecast in InfluxDB that makes a real cost against CO2 trade-off. On failure `env.CR_IT_UNAVAILABLE` says
 * what is missing and how to start it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { BUCKETS, INTENSITY, INTENSITY_FORECAST, createInfluxClient, writePoints } from '@carbonreducer/influx';
import { KeycloakAdmin, type TestUser } from '@carbonreducer/scripts/smoke/keycloak/admin';
import { launchBrowser } from '@carbonreducer/scripts/smoke/keycloak/browser';
import { CodeLogin } from '@carbonreducer/scripts/smoke/keycloak/flows';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { loadStackEnv, repoRoot } from '@carbonreducer/stack-env';
import { Point } from '@influxdata/influxdb-client';
import { IT_NAMESPACE, connectTestTemporal, killWorker, startWorker } from '@carbonreducer/workflows/testing';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';

/** The region the forecast-accuracy query is checked in (its own, so no other data is touched). */
const ACCURACY_REGION = 'ITGRAFANA';
const SLOT_MS = 1_800_000;
/** Hours of the run's forecast (the runs' windows must lie inside it). */
export const FORECAST_HOURS = 48;

/**
 * The run's forecast, gCO2/kWh: clean (60) 12:00–15:00 Europe/London, when the example two-rate tariff charges its
 * day rate, dirty (250) otherwise, so the cheapest plan (night rate) and the cleanest one differ at any time of day
 * for runs with a day and a half of choice.
 */
export function tradeOffIntensity(slotMs: number): number {
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: 'numeric', hourCycle: 'h23' }).format(slotMs)
  );
  return hour >= 12 && hour < 15 ? 60 : 250;
}

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
  /**
   * A valid MFA token of the run's homeowner or operator: the one in env while it is young, else a new login (access
   * tokens live 300 s; a browser test runs longer).
   */
  token: (who: 'homeowner' | 'operator') => Promise<string>;
  cleanup: () => Promise<void>;
}

export interface SetupOptions {
  /**
   * Where the Temporal worker started here goes, for a caller that kills its workers itself (useTestTemporal's
   * `workers` in a jest file); without it cleanup kills it.
   */
  workers?: ChildProcess[];
  /**
   * Takes the termination of this run's optimizer workflow, for a caller with a Temporal connection of its own
   * (useTestTemporal's `atEnd`: a jest file must not use a client of its own in afterAll); without it cleanup
   * terminates it over a connection it opens and closes.
   */
  atEnd?: (cleanup: (client: Client) => Promise<unknown>) => void;
}

const terminate = (client: Client, homeId: string) =>
  client.workflow
    .getHandle(`optimize-home/${homeId}`)
    .terminate('end of the grafana-plugins test run')
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });

export async function setUp(options: SetupOptions = {}): Promise<Setup> {
  const stack = loadStackEnv();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  };
  const suffix = Date.now().toString(36);
  /** This run's own grid region: its forecast is the only one the run's plans and panels see. */
  const region = `ITG${suffix.toUpperCase()}`;
  try {
    // The API, started here in the integration namespace (main.sh's API plans in the main one, with its worker).
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    log(`starting the API on ${apiUrl} (Temporal namespace ${IT_NAMESPACE})`);
    const child: ChildProcess = spawn('npx', ['tsx', 'api/src/server.ts'], {
      cwd: repoRoot,
      env: { ...process.env, API_PORT: String(port), TEMPORAL_NAMESPACE: IT_NAMESPACE },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    });
    cleanups.push(async () => {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    });
    // Without a caller's connection (useTestTemporal's), one of our own, which also makes the integration namespace
    // ready (the Go tests run before any jest test on a fresh stack): to end this run's workflow in cleanup.
    if (!options.atEnd) {
      const { connection, client } = await connectTestTemporal(IT_NAMESPACE);
      cleanups.push(() => connection.close());
      options = { ...options, atEnd: (c) => cleanups.push(async () => void (await c(client))) };
    }
    // The worker that answers this run's requests and overrides (no schedules; the region only names its ingest).
    const workers = options.workers ?? [];
    if (!options.workers)
      cleanups.push(async () => void (await Promise.all(workers.map((w) => killWorker(w, 'SIGKILL')))));
    const worker = startWorker({ region, started: workers });
    worker.catch(() => undefined); // awaited below, after the API answers
    const t0 = Date.now();
    while (!(await healthy(apiUrl))) {
      if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}) before answering /healthz`);
      if (Date.now() - t0 > 120_000) throw new Error(`the API did not answer ${apiUrl}/healthz within 120 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await worker;
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
    const issued: Record<'homeowner' | 'operator', { token: string; atMs: number } | undefined> = {
      homeowner: undefined,
      operator: undefined,
    };
    const token = async (who: 'homeowner' | 'operator'): Promise<string> => {
      const hit = issued[who];
      if (hit && Date.now() - hit.atMs < 200_000) return hit.token;
      const atMs = Date.now();
      const t = await login(who === 'homeowner' ? homeowner : operator);
      issued[who] = { token: t, atMs };
      return t;
    };
    const operatorToken = await token('operator');
    // Homes of this run only (a shared simulator home's optimizer workflow is other tests' state): the homeowner's and
    // another one.
    const own = `it-grafana-${suffix}`;
    const other = `it-grafana-other-${suffix}`;
    for (const homeId of [own, other]) {
      await api(apiUrl, operatorToken, 'POST', '/api/homes', { homeId, region, timeZone: 'Europe/London' });
      cleanups.push(async () => api(apiUrl, await token('operator'), 'DELETE', `/api/homes/${homeId}`));
    }
    // A run request starts the home's optimizer workflow: end it with the run, so no test state outlives it.
    options.atEnd?.((client) => terminate(client, own));
    await api(apiUrl, operatorToken, 'PUT', `/api/homes/${own}/members/${homeowner.id}`, { role: 'owner' });
    cleanups.push(async () =>
      api(apiUrl, await token('operator'), 'DELETE', `/api/homes/${own}/members/${homeowner.id}`)
    );
    // The run's forecast, issued at the current half hour, with its 80 % band widening with the lead.
    const influx = createInfluxClient({
      url: stack.get('INFLUX_URL'),
      token: stack.get('INFLUX_TOKEN'),
      org: stack.get('INFLUX_ORG'),
    });
    const issuedAt = new Date(Math.floor(Date.now() / SLOT_MS) * SLOT_MS);
    const points = Array.from({ length: FORECAST_HOURS * 2 }, (_, i) => {
      const slotMs = issuedAt.getTime() + i * SLOT_MS;
      const g = tradeOffIntensity(slotMs);
      return new Point(INTENSITY_FORECAST.measurement)
        .tag(INTENSITY_FORECAST.tags.region, region)
        .tag(INTENSITY_FORECAST.tags.modelVersion, 'it-grafana')
        .tag(INTENSITY_FORECAST.tags.issuedAt, issuedAt.toISOString())
        .floatField(INTENSITY_FORECAST.fields.intensity, g)
        .floatField(INTENSITY_FORECAST.fields.lower, g * 0.8 - i)
        .floatField(INTENSITY_FORECAST.fields.upper, g * 1.2 + i)
        .timestamp(new Date(slotMs));
    });
    await writePoints(
      influx,
      { org: stack.get('INFLUX_ORG'), bucket: BUCKETS.forecasts, precision: 's' },
      points,
      'it forecast'
    );
    // Forecast accuracy, in a region of its own: actuals of the last 2 h and a forecast issued 3 h before them.
    const slot = (k: number) => new Date(issuedAt.getTime() - k * SLOT_MS);
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
    const homeownerToken = await token('homeowner');
    return {
      env: {
        CR_IT_API_URL: apiUrl,
        CR_IT_HOMEOWNER_TOKEN: homeownerToken,
        CR_IT_OPERATOR_TOKEN: operatorToken,
        CR_IT_OWN_HOME: own,
        CR_IT_OTHER_HOME: other,
        CR_IT_REGION: region,
        CR_IT_ACCURACY_REGION: ACCURACY_REGION,
      },
      token,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    const msg = err instanceof Error ? err.message : String(err);
    return {
      env: {
        CR_IT_UNAVAILABLE: `${msg} — start the stack with \`bash scripts/stack up\` (Keycloak, PostgreSQL, InfluxDB, Temporal) and check \`bash scripts/stack status\``,
      },
      token: () => Promise.reject(new Error('the integration setup failed: no tokens')),
      cleanup: async () => undefined,
    };
  }
}
