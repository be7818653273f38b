import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '@carbonreducer/api';
import { assertReachable, loadStackEnv, repoRoot, withStackDefaults } from '@carbonreducer/stack-env';
import { notificationTopic, parseNotification } from '@carbonreducer/telemetry';
import { connectAsync, type MqttClient } from 'mqtt';
import { Client as PgClient } from 'pg';
import { parse } from 'yaml';
import type { FileContactPoint, FileRule, FileRuleGroup } from './fileFormat';
import { ALERTING_FILES } from './generate';
import { REF } from './rules';
import { ALERT_LABELS, ALERTING_ENV, CONTACT_POINTS, RULE_FOLDER, RULE_UIDS } from './settings';

/**
 * Grafana's webhook call as the provisioning makes it (URL, method and bearer secret of the homes' contact point in
 * alerting/contact-points.yaml, with Grafana's `${VAR}` interpolation; labels and annotations of the provisioned
 * high-carbon rule plus its series labels), in the payload format Grafana documents for the webhook notifier, POSTed
 * to the API server started from this checkout (`tsx api/src/server.ts`, real PostgreSQL and Mosquitto). The opted-in
 * home of the region gets exactly one contract notification over real MQTT; a home of another region, a home that did
 * not opt in and an SMS home get nothing, and neither does anyone for an operators' alert in the same call.
 */
const stack = loadStackEnv();
const config = loadConfig(withStackDefaults(process.env));
const run = Math.random().toString(36).slice(2, 8);
const REGION = `zz-alert-${run}`;
const HOMES = {
  optedIn: `it-alert-${run}-a`,
  otherRegion: `it-alert-${run}-b`,
  notOptedIn: `it-alert-${run}-c`,
  sms: `it-alert-${run}-d`,
};
const WINDOW = '2026-12-04T16:30:00Z/2026-12-04T19:00:00Z';
const HOW_TO_START = 'start the stack with `bash scripts/stack up`';

const read = <T>(path: string): T => parse(readFileSync(join(__dirname, '..', '..', path), 'utf8')) as T;
const highRule = read<{ groups: FileRuleGroup[] }>(ALERTING_FILES.rules)
  .groups.flatMap((g) => g.rules)
  .find((r) => r.uid === RULE_UIDS.highCarbonHours) as FileRule;
const rejectsRule = read<{ groups: FileRuleGroup[] }>(ALERTING_FILES.rules)
  .groups.flatMap((g) => g.rules)
  .find((r) => r.uid === RULE_UIDS.rejectsSpike) as FileRule;
const homesWebhook = read<{ contactPoints: FileContactPoint[] }>(ALERTING_FILES.contactPoints).contactPoints.find(
  (c) => c.name === CONTACT_POINTS.homes.name,
)!.receivers[0]!;

let server: ChildProcess | undefined;
let serverLog = '';
let apiUrl = '';
let pg: PgClient;
let sub: MqttClient;
const got: { topic: string; text: string }[] = [];

/** Grafana's `${NAME}` interpolation of contact point settings, from the environment compose gives it. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`the contact point reads ${name}, which this test does not set`);
    return v;
  });
}

/** The two template forms the rule's annotations use: `{{ $labels.x }}` and `{{ printf "%.0f" $values.B.Value }}`. */
function render(text: string, labels: Record<string, string>, values: Record<string, number>): string {
  return text
    .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, k: string) => labels[k] ?? '')
    .replace(/\{\{ printf "%\.0f" \$values\.([A-Z])\.Value \}\}/g, (_m, k: string) => (values[k] ?? NaN).toFixed(0));
}

/** One alert of the payload, as Grafana builds it from a rule and one series of its query. */
function grafanaAlert(rule: FileRule, series: Record<string, string>, valueB: number, fingerprint: string) {
  const labels = { alertname: rule.title, grafana_folder: RULE_FOLDER, ...rule.labels, ...series };
  const values = { [REF.reduce]: valueB, [REF.condition]: 1 };
  return {
    status: 'firing',
    labels,
    annotations: Object.fromEntries(
      Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, render(v, labels, values)]),
    ),
    startsAt: '2026-12-04T06:05:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: `http://127.0.0.1:3000/alerting/grafana/${rule.uid}/view?orgId=3`,
    fingerprint,
    silenceURL: 'http://127.0.0.1:3000/alerting/silence/new?orgId=3',
    dashboardURL: '',
    panelURL: '',
    values,
    valueString: `[ var='${REF.reduce}' labels={} value=${valueB} ], [ var='${REF.condition}' labels={} value=1 ]`,
  };
}

function payload(alerts: ReturnType<typeof grafanaAlert>[]) {
  return {
    receiver: CONTACT_POINTS.homes.name,
    status: 'firing',
    orgId: 3,
    alerts,
    groupLabels: { alertname: alerts[0]?.labels.alertname },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:3000/',
    version: '1',
    groupKey: `{}/{audience="homes"}:{alertname="${alerts[0]?.labels.alertname}"}`,
    truncatedAlerts: 0,
    title: `[FIRING:${alerts.length}] ${alerts[0]?.labels.alertname}`,
    state: 'alerting',
    message: '**Firing**',
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function metric(name: string, reason: string): Promise<number> {
  const res = await fetch(`${apiUrl}/metrics`, { headers: { Authorization: `Bearer ${config.secrets.metricsToken}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  await assertReachable('PostgreSQL', '127.0.0.1', stack.port('POSTGRES_PORT'));
  await assertReachable('Mosquitto', '127.0.0.1', stack.port('MQTT_PORT'));
  pg = new PgClient({ connectionString: config.postgresUrl });
  await pg.connect();
  await pg.query(`INSERT INTO app.homes (home_id, region) VALUES ($1, $5), ($2, $6), ($3, $5), ($4, $5)`, [
    HOMES.optedIn,
    HOMES.otherRegion,
    HOMES.notOptedIn,
    HOMES.sms,
    REGION,
    `${REGION}-x`,
  ]);
  await pg.query(
    `INSERT INTO app.home_preferences (home_id, alerts_opt_in, alert_channel)
     VALUES ($1, true, 'mqtt'), ($2, true, 'mqtt'), ($3, false, 'mqtt'), ($4, true, 'sms')`,
    [HOMES.optedIn, HOMES.otherRegion, HOMES.notOptedIn, HOMES.sms],
  );
  sub = await connectAsync(config.mqtt.url, {
    username: config.mqtt.username,
    password: config.mqtt.password,
    clientId: `it-alert-${run}`,
  });
  sub.on('message', (topic, m) => got.push({ topic, text: m.toString() }));
  await sub.subscribeAsync('carbonreducer/+/notifications', { qos: 1 });

  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  // Its own process group, so stopping it stops tsx's child too.
  server = spawn(process.execPath, [require.resolve('tsx/cli'), 'api/src/server.ts'], {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, API_HOST: '127.0.0.1', API_PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the API exited (${server.exitCode}):\n${serverLog.slice(-2000)}`);
    const up = await fetch(`${apiUrl}/healthz`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`the API did not answer in 90 s (${HOW_TO_START}):\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}, 150_000);

afterAll(async () => {
  await sub?.endAsync();
  if (pg) {
    await pg.query('DELETE FROM app.homes WHERE home_id = ANY($1)', [Object.values(HOMES)]);
    await pg.end();
  }
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    process.kill(-server.pid, 'SIGTERM');
    await exited;
  }
});

describe("Grafana's webhook call from the provisioned contact point, to the running API", () => {
  it('refuses a call without the secret or with a wrong one, counted by reason', async () => {
    const before = await metric('carbonreducer_api_auth_failures_total', 'webhook_secret_invalid');
    const url = interpolate(homesWebhook.settings.url as string, { [ALERTING_ENV.apiUrl]: apiUrl });
    const body = JSON.stringify(payload([grafanaAlert(highRule, { region: REGION, window: WINDOW }, 250, 'x')]));
    const headers = { 'Content-Type': 'application/json' };
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(401);
    const wrong = await fetch(url, { method: 'POST', headers: { ...headers, Authorization: 'Bearer nope' }, body });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('webhook_secret_invalid');
    expect(await metric('carbonreducer_api_auth_failures_total', 'webhook_secret_invalid')).toBe(before + 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(got.filter((g) => g.topic.includes(`it-alert-${run}`))).toEqual([]);
  });

  it("reaches the opted-in home of the alert's region over MQTT, and no other home", async () => {
    const s = homesWebhook.settings as Record<string, string>;
    const env = {
      [ALERTING_ENV.apiUrl]: apiUrl,
      [ALERTING_ENV.webhookToken]: stack.get('API_ALERT_WEBHOOK_TOKEN'),
    };
    const high = grafanaAlert(
      highRule,
      { [ALERT_LABELS.region]: REGION, [ALERT_LABELS.window]: WINDOW },
      263,
      `fp${run}`,
    );
    // An operators' alert with the same region label in the same call must tell nobody.
    const rejects = grafanaAlert(rejectsRule, { region: REGION, stream: 'intensity', reason: 'range' }, 80, `rj${run}`);
    const res = await fetch(interpolate(s.url!, env), {
      method: s.httpMethod,
      headers: {
        'Content-Type': 'application/json',
        Authorization: `${s.authorization_scheme} ${interpolate(s.authorization_credentials!, env)}`,
      },
      body: JSON.stringify(payload([high, rejects])),
    });
    expect([res.status, await res.json()]).toEqual([200, { notified: 1, homes: 1, skipped: 1 }]);

    const deadline = Date.now() + 5000;
    while (!got.some((g) => g.topic === notificationTopic(HOMES.optedIn)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    const ours = got.filter((g) => g.topic.includes(`it-alert-${run}`));
    expect(ours.map((g) => g.topic)).toEqual([notificationTopic(HOMES.optedIn)]);
    expect(parseNotification(ours[0]!.text)).toEqual({
      v: 1,
      id: `grafana-fp${run}`,
      kind: 'high_carbon_hours',
      title: `High-carbon hours ahead in ${REGION}`,
      body: expect.stringContaining(`in ${WINDOW} (UTC), peaking at 263 gCO2/kWh`),
      at: expect.any(String),
      from: '2026-12-04T16:30:00.000Z',
      to: '2026-12-04T19:00:00.000Z',
    });
    expect(serverLog).toContain('grafana alert webhook');
  });
});
