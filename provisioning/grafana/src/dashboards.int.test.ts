/**
 * Every panel and annotation query of the generated dashboards, executed against the real stack (`scripts/stack up`):
 * the Flux ones on the real InfluxDB with the read-only token Grafana's InfluxDB data source gets, the CarbonReducer
 * ones through the real data source backend (cmd/grafanahost speaks Grafana's /api/ds/query) and the real API with
 * real Keycloak MFA tokens of the roles that dashboard's org holds (homeowner for Homes; analyst, with the API's
 * pseudonymous ids as Grafana's variables would hold them, and operator for Analytics).
 * Data: a test home of this run (from the data source's integration setup, which also writes a GB forecast) and a
 * grid region of this run, written with the data model from real recordings (a DEVICESCOPE dishwasher cycle, NESO
 * GB 2023 intensity), moved to the hours around now; each query must return frames with rows and the columns its
 * panel reads, and no error.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TASK_QUEUES } from '@carbonreducer/common';
import { readApplianceTrace, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { createPseudonymizer } from '@carbonreducer/api';
import { api, setUp, type Setup } from '@carbonreducer/grafana-datasource/integration/setup';
import { FRAMES, type QueryType } from '@carbonreducer/grafana-shared';
import {
  BUCKETS,
  FORECAST_ACCURACY,
  FORECAST_SERVING,
  INTENSITY_FORECAST,
  LOAD_FORECAST,
  PLANNED_RUN,
  SERVICE_METRICS,
  TELEMETRY,
  TELEMETRY_REJECTS,
  VERIFIED_HOME_DAY,
  VERIFIED_RUN,
  createInfluxClient,
  writePoints,
} from '@carbonreducer/influx';
import { InfluxIntensityWriter, toRejectPoints, type IntensityPoint } from '@carbonreducer/intensity';
import { KeycloakAdmin, type TestUser } from '@carbonreducer/scripts/smoke/keycloak/admin';
import { launchBrowser } from '@carbonreducer/scripts/smoke/keycloak/browser';
import { CodeLogin } from '@carbonreducer/scripts/smoke/keycloak/flows';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { loadStackEnv, repoRoot } from '@carbonreducer/stack-env';
import { FIELDS, REJECT_REASONS } from '@carbonreducer/telemetry';
import { Point } from '@influxdata/influxdb-client';
import { killWorker, startWorker, useTestTemporal } from '@carbonreducer/workflows/testing';
// Not re-exported by workflows/testing.ts (useTestTemporal would tie it to IT_NAMESPACE); setup.ts imports it so too.
// eslint-disable-next-line no-restricted-imports
import { connectTestTemporal } from '@carbonreducer/workflows/src/testing/workerProcess';
import { WorkflowFailedError } from '@temporalio/client';
import { parse } from 'yaml';
import { declaredCondition, evaluate } from './alerting/evaluate';
import type { FileRuleGroup } from './alerting/fileFormat';
import { WORKFLOW_TYPE_LABEL } from './alerting/flux';
import { ALERTING_FILES } from './alerting/generate';
import { RULE_UIDS } from './alerting/settings';
import { REGION_VARIABLE } from './model';
import { interpolateFlux, panelQueries, resolveTime } from './panels';
import type { CarbonTarget } from './targets';

const log = (msg: string) => process.stderr.write(`[grafana provisioning it] ${msg}\n`);
const stack = loadStackEnv();
const run = randomUUID().replace(/-/g, '').slice(0, 8);
const region = `ZZGRAFANA${run.toUpperCase()}`;
const HOUR = 3_600_000;
const now = Date.now();
const slot = (ms: number) => Math.floor(ms / 1_800_000) * 1_800_000;
const dayStart = (ms: number) => Math.floor(ms / 86_400_000) * 86_400_000;
/** The window every Flux query runs over: yesterday 00:00 UTC (the daily savings rows) to 12 h ahead (forecasts). */
const window = { fromMs: dayStart(now) - 86_400_000, toMs: now + 12 * HOUR };

// The integration namespace's connection and the run's worker setUp starts, ended in useTestTemporal's afterAll.
const { workers, atEnd } = useTestTemporal();
let setup: Setup;
let analyst: { user: TestUser; token: string } | undefined;
let host: ChildProcess | undefined;
let hostUrl = '';
const own = () => setup.env.CR_IT_OWN_HOME ?? '';
/** The region the data source's setup wrote a 48 h forecast for: what `$region` holds for the CarbonReducer queries. */
const itRegion = () => setup.env.CR_IT_REGION ?? '';
const PLUG_ID = 'dishwasher-it';
const METER_ID = 'meter-it';

async function seed(): Promise<void> {
  const write = { url: stack.get('INFLUX_URL'), token: stack.get('INFLUX_TOKEN'), org: stack.get('INFLUX_ORG') };
  const influx = createInfluxClient(write);
  const org = write.org;
  const home = own();

  // Telemetry: a recorded dishwasher cycle as the home's plug, starting 3 h ago; the meter sees it over a 150 W base.
  const trace = await readApplianceTrace(sharedDataPath('appliances/devicescope-example-dishwasher.csv.gz'));
  const shift = now - 3 * HOUR - (trace.timeMs[0] as number);
  const points: Point[] = [];
  let plugWh = 0;
  let meterWh = 0;
  for (let i = 0; i < trace.timeMs.length; i++) {
    const t = (trace.timeMs[i] as number) + shift;
    if (t > now) break;
    const dtH = i === 0 ? 0 : ((trace.timeMs[i] as number) - (trace.timeMs[i - 1] as number)) / HOUR;
    const w = trace.powerW[i] as number;
    plugWh += w * dtH;
    meterWh += (w + 150) * dtH;
    for (const [kind, device, power, energy] of [
      ['plug', PLUG_ID, w, plugWh],
      ['meter', METER_ID, w + 150, meterWh],
    ] as const)
      points.push(
        new Point(kind)
          .tag(TELEMETRY.tags.homeId, home)
          .tag(TELEMETRY.tags.deviceId, device)
          .floatField(FIELDS.powerW.influxField, power)
          .floatField(FIELDS.energyWh.influxField, energy)
          .timestamp(new Date(t)),
      );
  }
  points.push(
    new Point(TELEMETRY_REJECTS.measurement)
      .tag(TELEMETRY_REJECTS.tags.reason, REJECT_REASONS[0])
      .tag(TELEMETRY_REJECTS.tags.ingest, 'mqtt')
      .intField(TELEMETRY_REJECTS.fields.count, 1)
      .stringField(TELEMETRY_REJECTS.fields.detail, `grafana provisioning it ${run}`)
      .stringField(TELEMETRY_REJECTS.fields.topic, `carbonreducer/${home}/telemetry/meter/${METER_ID}`)
      .timestamp(new Date(now - HOUR)),
  );
  await writePoints(influx, { org, bucket: BUCKETS.telemetry, precision: 'ms' }, points, 'it telemetry');
  log(`telemetry: ${points.length} points for ${home}`);

  // Grid intensity of this run's region: NESO GB actuals and forecasts of 14-15 March 2023, moved to end now.
  const neso = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
  const from2023 = Date.parse('2023-03-14T00:00:00Z');
  const recorded = neso.points.filter((p) => p.fromMs >= from2023 && p.fromMs < from2023 + 2 * 86_400_000);
  const moveBy = slot(now) - 24 * 1_800_000 - from2023;
  const actuals: IntensityPoint[] = recorded
    .filter((p) => p.actualGPerKWh !== null && p.fromMs + moveBy < now)
    .map((p) => ({
      fromMs: p.fromMs + moveBy,
      toMs: p.toMs + moveBy,
      intensityGPerKWh: p.actualGPerKWh as number,
      kind: 'actual',
      issuedAtMs: null,
      source: 'file',
    }));
  await new InfluxIntensityWriter(write).write(actuals, { id: region });
  await writePoints(
    influx,
    { org, bucket: BUCKETS.carbonIntensity, precision: 's' },
    toRejectPoints(
      [{ source: 'file', fromMs: now - HOUR, reason: 'absurd', detail: `it ${run}` }],
      { id: region },
      now - HOUR,
    ),
    'it intensity rejects',
  );

  // Forecasts: two issues by two model versions (the second a fallback), their serving records and live accuracy.
  const fc: Point[] = [];
  const issues = [
    { issuedAt: slot(now - 3 * HOUR), model: `it-grafana-a-${run}`, servedBy: 'champion', fallback: 0 },
    { issuedAt: slot(now - HOUR), model: `it-grafana-b-${run}`, servedBy: 'seasonal_naive', fallback: 1 },
  ];
  for (const issue of issues) {
    const slots = recorded.filter((p) => p.forecastGPerKWh !== null && p.fromMs + moveBy >= issue.issuedAt);
    for (const p of slots.slice(0, 30)) {
      const v = p.forecastGPerKWh as number;
      fc.push(
        new Point(INTENSITY_FORECAST.measurement)
          .tag(INTENSITY_FORECAST.tags.region, region)
          .tag(INTENSITY_FORECAST.tags.modelVersion, issue.model)
          .tag(INTENSITY_FORECAST.tags.issuedAt, new Date(issue.issuedAt).toISOString())
          .tag(INTENSITY_FORECAST.tags.servedBy, issue.servedBy)
          .tag(INTENSITY_FORECAST.tags.fallbackReason, issue.fallback ? 'champion_failed' : 'none')
          .floatField(INTENSITY_FORECAST.fields.intensity, v)
          .floatField(INTENSITY_FORECAST.fields.lower, v * 0.85)
          .floatField(INTENSITY_FORECAST.fields.upper, v * 1.15)
          .timestamp(new Date(p.fromMs + moveBy)),
      );
    }
    fc.push(
      new Point(FORECAST_SERVING.measurement)
        .tag(FORECAST_SERVING.tags.kind, 'intensity')
        .tag(FORECAST_SERVING.tags.key, region)
        .tag(FORECAST_SERVING.tags.servedBy, issue.servedBy)
        .tag(FORECAST_SERVING.tags.fallbackReason, issue.fallback ? 'champion_failed' : 'none')
        .intField(FORECAST_SERVING.fields.points, 30)
        .intField(FORECAST_SERVING.fields.fallback, issue.fallback)
        .stringField(FORECAST_SERVING.fields.detail, `it ${run}`)
        .timestamp(new Date(issue.issuedAt)),
    );
  }
  for (const [i, horizon] of ['1h', '24h'].entries())
    for (const at of [now - 2 * HOUR, now - HOUR])
      fc.push(
        new Point(FORECAST_ACCURACY.measurement)
          .tag(FORECAST_ACCURACY.tags.region, region)
          .tag(FORECAST_ACCURACY.tags.servedBy, 'champion')
          .tag(FORECAST_ACCURACY.tags.horizon, horizon)
          .tag(FORECAST_ACCURACY.tags.window, '24h')
          .floatField(FORECAST_ACCURACY.fields.mae, 12 + 6 * i)
          .floatField(FORECAST_ACCURACY.fields.coverage80, 0.8 - 0.05 * i)
          .intField(FORECAST_ACCURACY.fields.points, 48)
          .timestamp(new Date(at)),
      );
  // The home's load forecast: the meter's recorded power pattern, hourly, for the next 12 h.
  for (let h = 0; h < 12; h++)
    fc.push(
      new Point(LOAD_FORECAST.measurement)
        .tag(LOAD_FORECAST.tags.homeId, home)
        .tag(LOAD_FORECAST.tags.modelVersion, `it-grafana-load-${run}`)
        .tag(LOAD_FORECAST.tags.issuedAt, new Date(slot(now)).toISOString())
        .tag(LOAD_FORECAST.tags.servedBy, 'champion')
        .tag(LOAD_FORECAST.tags.fallbackReason, 'none')
        .floatField(LOAD_FORECAST.fields.power, 150 + ((trace.powerW[h * 60] as number | undefined) ?? 0))
        .timestamp(new Date(slot(now) + h * HOUR)),
    );
  await writePoints(influx, { org, bucket: BUCKETS.forecasts, precision: 's' }, fc, 'it forecasts');

  // Schedules: planned dishwasher runs (one earlier today, which the API's savings report counts, one ahead), and
  // verified savings of yesterday and today.
  const plannedRun = (requestId: string, startMs: number) =>
    new Point(PLANNED_RUN.measurement)
      .tag(PLANNED_RUN.tags.homeId, home)
      .tag(PLANNED_RUN.tags.deviceId, PLUG_ID)
      .tag(PLANNED_RUN.tags.appliance, 'dishwasher')
      .tag(PLANNED_RUN.tags.requestId, requestId)
      .tag(PLANNED_RUN.tags.planVersion, '1')
      .stringField(PLANNED_RUN.fields.endAt, new Date(startMs + 2 * HOUR).toISOString())
      .floatField(PLANNED_RUN.fields.power, 1200)
      .floatField(PLANNED_RUN.fields.energy, 1100)
      .floatField(PLANNED_RUN.fields.emissions, 130)
      .floatField(PLANNED_RUN.fields.avoidedEmissions, 85)
      .timestamp(new Date(startMs));
  const sched: Point[] = [
    plannedRun(`it-${run}-today`, Math.floor((dayStart(now) + now) / 2000) * 1000),
    plannedRun(`it-${run}-ahead`, slot(now) + 2 * HOUR),
  ];
  for (const [d, avoided] of [
    [dayStart(now) - 86_400_000, 310],
    [dayStart(now), 120],
  ] as const)
    sched.push(
      new Point(VERIFIED_HOME_DAY.measurement)
        .tag(VERIFIED_HOME_DAY.tags.homeId, home)
        .floatField(VERIFIED_HOME_DAY.fields.realised, 400)
        .floatField(VERIFIED_HOME_DAY.fields.counterfactual, 400 + avoided)
        .floatField(VERIFIED_HOME_DAY.fields.avoided, avoided)
        .floatField(VERIFIED_HOME_DAY.fields.expectedAvoided, avoided + 20)
        .intField(VERIFIED_HOME_DAY.fields.runs, 1)
        .timestamp(new Date(d)),
    );
  // The run planned earlier today, verified (measured against running at the request): its appliance is the plan's.
  sched.push(
    new Point(VERIFIED_RUN.measurement)
      .tag(VERIFIED_RUN.tags.homeId, home)
      .tag(VERIFIED_RUN.tags.deviceId, PLUG_ID)
      .tag(VERIFIED_RUN.tags.requestId, `it-${run}-today`)
      .floatField(VERIFIED_RUN.fields.realised, 45)
      .floatField(VERIFIED_RUN.fields.counterfactual, 120)
      .floatField(VERIFIED_RUN.fields.avoided, 75)
      .floatField(VERIFIED_RUN.fields.expectedAvoided, 85)
      .floatField(VERIFIED_RUN.fields.energy, 1100)
      .timestamp(new Date(Math.floor((dayStart(now) + now) / 2000) * 1000)),
  );
  await writePoints(influx, { org, bucket: BUCKETS.schedules, precision: 's' }, sched, 'it schedules');
}

/** The stack's Telegraf binary: the executable of the running Telegraf (`scripts/stack up telegraf`). */
function telegrafBinary(): string {
  const pidFile = join(repoRoot, '.stack', 'telegraf.pid');
  try {
    return readlinkSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}/exe`);
  } catch (err) {
    throw new Error(`no running Telegraf (${pidFile}): run bash scripts/stack up telegraf`, { cause: err });
  }
}

/**
 * One scrape of the services' /metrics by the real Telegraf with the real config (telegraf.d/operations.conf), here
 * of this test's API and worker and of the stack's InfluxDB: `telegraf --test` gathers once and prints the metrics it would write; they are written
 * as the stack's Telegraf writes them (its output in telegraf.conf, its token), into the telemetry bucket.
 */
async function scrapeServices(apiUrl: string, workerMetricsPort: number): Promise<number> {
  const conf = join(repoRoot, 'provisioning', 'telegraf');
  // The agent settings of the stack's Telegraf (telegraf.conf: no host tag, precision) and the operations inputs;
  // --test runs no output and no service input.
  const out = spawnSync(
    telegrafBinary(),
    ['--test', '--config', join(conf, 'telegraf.conf'), '--config', join(conf, 'telegraf.d', 'operations.conf')],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        INFLUXDB_PORT: String(stack.port('INFLUXDB_PORT')),
        TELEGRAF_HEALTH_PORT: String(stack.port('TELEGRAF_HEALTH_PORT')),
        INFLUXDB_TELEGRAF_TOKEN: stack.get('INFLUXDB_TELEGRAF_TOKEN'),
        API_PORT: new URL(apiUrl).port,
        API_METRICS_TOKEN: stack.get('API_METRICS_TOKEN'),
        WORKER_METRICS_PORT: String(workerMetricsPort),
      },
    },
  );
  if (out.status !== 0)
    throw new Error(
      `telegraf --test of operations.conf failed (${out.status}); a Telegraf built before inputs.http and ` +
        `parsers.prometheus were compiled in needs bash scripts/stack install: ${out.stderr.slice(-800)}`,
    );
  if (/E! /.test(out.stderr))
    throw new Error(`telegraf --test of operations.conf logged errors: ${out.stderr.slice(-800)}`);
  const sm = SERVICE_METRICS;
  const lines = out.stdout
    .split('\n')
    .filter((l) => l.startsWith(`> ${sm.measurement},`))
    .map((l) => l.slice(2));
  for (const service of Object.values(sm.services)) {
    const scraped = lines.some(
      (l) => l.startsWith(`${sm.measurement},`) && l.includes(`${sm.tags.service}=${service}`),
    );
    expect([service, scraped]).toEqual([service, true]);
  }
  const writeApi = createInfluxClient({
    url: stack.get('INFLUX_URL'),
    token: stack.get('INFLUXDB_TELEGRAF_TOKEN'),
    org: stack.get('INFLUX_ORG'),
  }).getWriteApi(stack.get('INFLUX_ORG'), BUCKETS.telemetry, 'ns');
  try {
    writeApi.writeRecords(lines);
  } finally {
    await writeApi.close();
  }
  return lines.length;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** A namespace of its own, so that only this file's worker takes the workflows it fails on purpose. */
const OPS_NAMESPACE = 'carbonreducer-it-ops';
const opsWorkers: ChildProcess[] = [];

/**
 * Real traffic for the Operations panels, scraped twice around it (counters are read as increases between scrapes):
 * API requests that succeed, lack credentials, carry a bad token and ask for a home that is not the caller's, and
 * workflows that fail (bad input, refused by the workflow itself) on a real worker with its metrics endpoint on;
 * InfluxDB's answers to writes include the first scrape's own write.
 */
async function seedOperations(): Promise<void> {
  const apiUrl = setup.env.CR_IT_API_URL ?? '';
  const metricsPort = await freePort();
  const temporal = await connectTestTemporal(OPS_NAMESPACE);
  try {
    await startWorker({
      namespace: OPS_NAMESPACE,
      region,
      started: opsWorkers,
      env: { WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` },
    });
    const traffic = async (round: number) => {
      const failed = temporal.client.workflow.execute('scoreForecastsWorkflow', {
        taskQueue: TASK_QUEUES.io,
        workflowId: `it-grafana-fail-${run}-${round}`,
        args: [{ region: '' }],
        workflowExecutionTimeout: '1 minute',
      });
      await expect(failed).rejects.toBeInstanceOf(WorkflowFailedError);
      const homeowner = { Authorization: `Bearer ${setup.env.CR_IT_HOMEOWNER_TOKEN}` };
      const answers = await Promise.all([
        fetch(`${apiUrl}/api/homes/${own()}`, { headers: homeowner }),
        fetch(`${apiUrl}/api/homes/${setup.env.CR_IT_OTHER_HOME}`, { headers: homeowner }),
        fetch(`${apiUrl}/api/homes`),
        fetch(`${apiUrl}/api/homes`, { headers: { Authorization: 'Bearer not-a-token' } }),
      ]);
      expect(answers.map((a) => a.status >= 400)).toEqual([false, true, true, true]);
    };
    await traffic(1);
    const first = await scrapeServices(apiUrl, metricsPort);
    await traffic(2);
    // Telegraf stamps metrics to the second (precision follows the 15 s interval's unit): a second scrape within the
    // same second would overwrite the first.
    await new Promise((r) => setTimeout(r, 1100));
    const second = await scrapeServices(apiUrl, metricsPort);
    log(`operations: ${first} + ${second} metrics scraped`);
  } finally {
    await temporal.connection.close();
  }
}

/** An analyst of this run, signed in through the real login pages with a TOTP code (as the setup signs in the others). */
async function signInAnalyst(): Promise<{ user: TestUser; token: string }> {
  const kcBase = `http://127.0.0.1:${stack.port('KEYCLOAK_PORT')}`;
  const admin = new KeycloakAdmin(kcBase, stack.get('KEYCLOAK_ADMIN_PASSWORD'));
  const user = await admin.createUser({ prefix: 'it-grafana-analyst', roles: ['analyst'], totp: true });
  const browser = await launchBrowser();
  try {
    const session = await browser.newSession(user.username);
    const flow = new CodeLogin(session, `${kcBase}/realms/carbonreducer`, 'carbonreducer-test');
    await flow.start();
    await flow.password(user.username, user.password);
    await flow.submitCode('otp', totpCode(user.totpSecret ?? '', Date.now()));
    const t = await flow.tokens();
    await session.context.close();
    if (!t.access_token) throw new Error(`no access token for ${user.username}`);
    return { user, token: t.access_token };
  } catch (err) {
    await admin.deleteUser(user);
    throw err;
  } finally {
    await browser.close();
  }
}

beforeAll(async () => {
  setup = await setUp({ workers, atEnd });
  if (setup.env.CR_IT_UNAVAILABLE) throw new Error(setup.env.CR_IT_UNAVAILABLE);
  analyst = await signInAnalyst();
  await seed();
  await seedOperations();
  // A real run request, so the home has a plan the optimizer made (the Temporal worker answers it).
  const readyBy = new Date(now + 10 * HOUR).toISOString();
  await api(
    setup.env.CR_IT_API_URL ?? '',
    setup.env.CR_IT_HOMEOWNER_TOKEN ?? '',
    'POST',
    `/api/optimize/homes/${own()}/runs`,
    {
      idempotencyKey: `it-grafana-${run}`,
      deviceId: PLUG_ID,
      appliance: 'dishwasher',
      durationMin: 120,
      powerW: 1000,
      readyBy,
    },
  );
  // The home opts in to the leaderboard (the Savings dashboard's leaderboard lists only homes that did).
  const prefsPath = `/api/homes/${own()}/preferences`;
  const prefs = await api<Record<string, unknown>>(
    setup.env.CR_IT_API_URL ?? '',
    setup.env.CR_IT_HOMEOWNER_TOKEN ?? '',
    'GET',
    prefsPath,
  );
  await api(setup.env.CR_IT_API_URL ?? '', setup.env.CR_IT_HOMEOWNER_TOKEN ?? '', 'PUT', prefsPath, {
    ...prefs,
    leaderboardOptIn: true,
  });
  // The data source backend behind a local stand-in for Grafana's /api/ds/query (no Grafana server runs here).
  const exe = join(repoRoot, '.stack', 'grafana-host', 'grafanahost');
  const go = spawnSync('go', ['build', '-o', exe, './cmd/grafanahost'], {
    cwd: join(repoRoot, 'grafana-plugins', 'carbonreducer-datasource'),
    encoding: 'utf8',
  });
  if (go.status !== 0) throw new Error(`go build of the data source test host failed: ${go.stderr}`);
  host = spawn(exe, ['-api', setup.env.CR_IT_API_URL ?? ''], { stdio: ['ignore', 'ignore', 'pipe'] });
  hostUrl = await new Promise<string>((resolve, reject) => {
    let buf = '';
    host?.stderr?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening (http:\/\/\S+)/.exec(buf);
      if (m?.[1]) resolve(m[1]);
    });
    host?.on('exit', (code) => reject(new Error(`data source test host exited (${code}): ${buf}`)));
  });
}, 600_000);

afterAll(async () => {
  host?.kill('SIGTERM');
  await Promise.all(opsWorkers.map((w) => killWorker(w, 'SIGKILL')));
  if (analyst)
    await new KeycloakAdmin(`http://127.0.0.1:${stack.port('KEYCLOAK_PORT')}`, stack.get('KEYCLOAK_ADMIN_PASSWORD'))
      .deleteUser(analyst.user)
      .catch((err: unknown) => log(`cleanup: ${String(err)}`));
  await setup?.cleanup();
});

const { flux, carbon } = panelQueries();

/** Columns the panel reads: time series need time and value; tables name theirs. */
const TABLE_COLUMNS: Record<string, string[]> = {
  'Leaderboard: verified avoided kg CO2 (top 10 homes)': ['rank', 'avoided_kg', 'runs'],
  'Intensity points refused at ingest (source, reason)': ['source', 'reason', '_value'],
  'Schedule lag: age of the newest actual intensity and forecast issue': ['_field', '_value'],
  'Model versions in service': ['kind', 'model_version', 'served_by', 'first_slot', 'last_slot', 'points'],
  'annotation Model versions': ['_time', 'text'],
};
const expectedColumns = (panel: string, panelType: string): string[] =>
  TABLE_COLUMNS[panel] ?? (panelType === 'timeseries' ? ['_time', '_value', '_field'] : ['_value', '_field']);

describe('Flux panel queries on the real InfluxDB (read-only Grafana token)', () => {
  it('covers every Flux query of the dashboards', () => {
    expect(flux.length).toBeGreaterThanOrEqual(20);
  });

  it.each(flux.map((q) => [`${q.dashboard.file} / ${q.panel} / ${q.target.refId}`, q] as const))(
    '%s returns rows with the columns its panel reads',
    async (_name, q) => {
      const queryApi = createInfluxClient({
        url: stack.get('INFLUX_URL'),
        token: stack.get('INFLUXDB_GRAFANA_TOKEN'),
        org: stack.get('INFLUX_ORG'),
      }).getQueryApi(stack.get('INFLUX_ORG'));
      const text = interpolateFlux(q.target.query.replaceAll(REGION_VARIABLE, region), window, 600);
      const rows = await queryApi.collectRows<Record<string, unknown>>(text).catch((err: unknown) => {
        throw new Error(`${q.panel}: ${String(err)}\n${text}`, { cause: err });
      });
      expect(rows.length).toBeGreaterThan(0);
      const columns = new Set(rows.flatMap((r) => Object.keys(r)));
      expect(expectedColumns(q.panel, q.panelType).filter((c) => !columns.has(c))).toEqual([]);
    },
  );
});

interface FrameJson {
  schema: { name?: string; fields: { name: string; config?: { unit?: string } }[] };
  data?: { values: unknown[][] };
}

/** The frames a CarbonReducer query type answers with (grafana-plugins/shared/src/frames.json). */
const FRAMES_OF: Record<QueryType, (keyof typeof FRAMES)[]> = {
  telemetry: ['telemetry'],
  intensity: ['intensityForecast'],
  loadForecast: ['loadForecast'],
  plan: ['planRuns', 'planSlots'],
  savings: ['savings'],
  forecastAccuracy: ['forecastAccuracy'],
  leaderboard: ['leaderboard'],
};

describe('CarbonReducer panel queries through the data source backend and the API (real MFA tokens)', () => {
  it('covers every CarbonReducer query of the dashboards', () => {
    expect(carbon.length).toBeGreaterThanOrEqual(15);
  });

  // Homes: the homeowner. Analytics: the analyst (pseudonymous ids, as the API's `homes` and `devices(…)` variables
  // give them) and the operator (raw ids).
  const cases = carbon.flatMap((q) =>
    (q.dashboard.folder.org === 'homes' ? (['homeowner'] as const) : (['analyst', 'operator'] as const)).map(
      (role) => [`${q.dashboard.file} / ${q.panel} / ${q.target.refId} as ${role}`, q, role] as const,
    ),
  );

  it.each(cases)('%s answers frames with rows and no error', async (_name, q, role) => {
    const token = {
      homeowner: setup.env.CR_IT_HOMEOWNER_TOKEN,
      operator: setup.env.CR_IT_OPERATOR_TOKEN,
      analyst: analyst?.token,
    }[role];
    const p = createPseudonymizer(stack.get('API_PSEUDONYM_KEY'));
    const vars: Record<string, string> =
      role === 'analyst'
        ? { $home: p.home(own()), $device: p.device(own(), PLUG_ID), $region: itRegion() }
        : { $home: own(), $device: PLUG_ID, $region: itRegion() };
    const target: CarbonTarget = { ...q.target };
    for (const key of ['homeId', 'deviceId', 'region'] as const) {
      const v = target[key];
      if (v !== undefined) target[key] = vars[v] ?? v;
    }
    const res = await fetch(`${hostUrl}/api/ds/query`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        from: String(resolveTime(q.time.from, Date.now())),
        to: String(resolveTime(q.time.to, Date.now())),
        queries: [target],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      results: Record<string, { frames?: FrameJson[]; error?: string; status?: number }>;
    };
    const result = body.results[target.refId];
    expect([result?.status ?? 200, result?.error ?? null]).toEqual([200, null]);
    const frames = result?.frames ?? [];
    const wanted = FRAMES_OF[target.queryType].map((k) => FRAMES[k]);
    for (const f of wanted) {
      const frame = frames.find((x) => x.schema.name === f.name);
      expect([f.name, frame?.schema.fields.map((x) => x.name)]).toEqual([f.name, f.fields]);
    }
    // The panel's main frame has rows (the plan's slots may be empty when the plan has no run yet: not its runs).
    const main = frames.find((x) => x.schema.name === (wanted[0] as { name: string }).name);
    expect((main?.data?.values[0] ?? []).length).toBeGreaterThan(0);
    // Units: the panel shows its numbers in the unit the data source gives them (W, Wh, kg, gCO2/kWh).
    if (q.unit)
      for (const field of frames.flatMap((f) => f.schema.fields))
        if (field.config?.unit) expect([q.panel, field.name, field.config.unit]).toEqual([q.panel, field.name, q.unit]);
  });

  it("refuses the homeowner's kiosk queries for a home that is not theirs (the token decides, not the variable)", async () => {
    const kiosk = carbon.filter((q) => q.dashboard.folder.org === 'homes' && q.target.homeId === '$home');
    expect(kiosk.length).toBeGreaterThan(0);
    for (const q of kiosk) {
      const res = await fetch(`${hostUrl}/api/ds/query`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${setup.env.CR_IT_HOMEOWNER_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          from: String(resolveTime(q.time.from, Date.now())),
          to: String(resolveTime(q.time.to, Date.now())),
          queries: [{ ...q.target, homeId: setup.env.CR_IT_OTHER_HOME }],
        }),
      });
      const body = (await res.json()) as { results: Record<string, { error?: string; status?: number }> };
      const result = body.results[q.target.refId];
      expect([q.panel, result?.status ?? 200]).toEqual([q.panel, expect.any(Number)]);
      expect([q.panel, (result?.status ?? 200) >= 400, result?.error ?? '']).toEqual([
        q.panel,
        true,
        expect.any(String),
      ]);
    }
  });
});

describe('operators alert rules on the metrics scraped above', () => {
  it("the workflow-failures rule (as provisioned) fires for this run's failed workflows, by workflow type", async () => {
    const rules = (
      parse(readFileSync(join(__dirname, '..', ALERTING_FILES.rules), 'utf8')) as { groups: FileRuleGroup[] }
    ).groups.flatMap((g) => g.rules);
    const rule = rules.find((r) => r.uid === RULE_UIDS.workflowFailures);
    if (!rule) throw new Error(`no rule ${RULE_UIDS.workflowFailures} in ${ALERTING_FILES.rules}`);
    const condition = declaredCondition(rule);
    const rows = await createInfluxClient({
      url: stack.get('INFLUX_URL'),
      token: stack.get('INFLUXDB_GRAFANA_TOKEN'),
      org: stack.get('INFLUX_ORG'),
    })
      .getQueryApi(stack.get('INFLUX_ORG'))
      .collectRows<Record<string, unknown>>(condition.query);
    const instance = evaluate(condition, rows).find((i) => i.labels[WORKFLOW_TYPE_LABEL] === 'scoreForecastsWorkflow');
    // The second failure fell between the two scrapes, so at least one is counted (the first may open the series).
    expect(instance).toMatchObject({ firing: true });
    expect(instance?.value).toBeGreaterThanOrEqual(1);
  });
});
