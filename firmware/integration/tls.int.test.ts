import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReachable, loadStackEnv } from '@carbonreducer/stack-env';
import { telemetryTopic } from '@carbonreducer/telemetry';
import mqtt, { type MqttClient } from 'mqtt';
import { apiCall, operatorLogin, startApi, type ApiProcess, type Operator } from './api';
import { VirtualDevice, buildFirmware, repoRoot } from './virtualDevice';

// The virtual device (libmosquitto) over MQTT/TLS to the broker's device listener (MQTT_TLS_PORT), with the local CA
// that scripts/stack generated into .stack/tls as its provisioned `caCert` and the broker login the API issued: it
// connects and its readings arrive; provisioned with another CA it never connects (and keeps metering into its buffer).
jest.setTimeout(300_000);

const env = loadStackEnv();
const tlsPort = env.port('MQTT_TLS_PORT');
const caFile = env.find('MQTT_CA_FILE') ?? join(repoRoot, '.stack', 'tls', 'ca.crt');
const homeId = `it-fwtls-${Date.now().toString(36)}`;
const deviceId = 'plug-tls';
/** A PEM as one `caCert=` config line: the device's config reads the two characters \n as a newline. */
const caLine = (pem: string): string => pem.trim().replace(/\n/g, '\\n');

let api: ApiProcess;
let operator: Operator;
let service: MqttClient;
let creds: { username: string; password: string };
let otherCaDir: string;
const arrivals: string[] = [];
const devices: VirtualDevice[] = [];

const device = (caPem: string) => {
  const d = new VirtualDevice({
    homeId,
    deviceId,
    brokerUrl: `mqtts://127.0.0.1:${tlsPort}`,
    mqttUsername: creds.username,
    mqttPassword: creds.password,
    caCert: caLine(caPem),
    kind: 'plug',
    readingIntervalMs: 500,
    minSwitchIntervalMs: 2000,
    batchMax: 50,
  });
  devices.push(d);
  return d;
};

beforeAll(async () => {
  await assertReachable(
    "Mosquitto's TLS listener (bash scripts/stack up mosquitto; a broker started before it existed needs " +
      'bash scripts/stack down mosquitto && bash scripts/stack up mosquitto, under flock /tmp/carbonreducer-stack.lock)',
    '127.0.0.1',
    tlsPort,
  );
  await assertReachable('Keycloak (bash scripts/stack up keycloak)', '127.0.0.1', env.port('KEYCLOAK_PORT'));
  await assertReachable('PostgreSQL (bash scripts/stack up postgres)', '127.0.0.1', env.port('POSTGRES_PORT'));
  otherCaDir = mkdtempSync(join(tmpdir(), 'cr-fw-other-ca-'));
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Not the CarbonReducer CA',
    '-keyout',
    join(otherCaDir, 'ca.key'),
    '-out',
    join(otherCaDir, 'ca.crt'),
  ]);
  await buildFirmware();
  [api, operator] = await Promise.all([startApi(), operatorLogin('it-fwtls-operator')]);
  await apiCall(api.url, await operator.token(), 'POST', '/api/homes', {
    homeId,
    region: 'GB',
    timeZone: 'Europe/London',
  });
  const reg = await apiCall<{ mqtt: { username: string; password: string } | null }>(
    api.url,
    await operator.token(),
    'POST',
    `/api/auth/homes/${homeId}/devices`,
    { deviceId, kind: 'plug' },
  );
  if (!reg.mqtt) throw new Error(`the API issued no broker credentials for ${deviceId}`);
  creds = reg.mqtt;
  // The service side on the plain listener: both listeners are the same broker, clients and roles.
  service = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.port('MQTT_PORT')}`, {
    username: 'service',
    password: env.get('MQTT_SERVICE_PASSWORD'),
    clientId: `it-fwtls-service-${process.pid}`,
  });
  service.on('message', (topic) => {
    if (topic === telemetryTopic(homeId, 'plug', deviceId)) arrivals.push(topic);
  });
  await service.subscribeAsync(`carbonreducer/${homeId}/#`, { qos: 1 });
}, 300_000);

afterAll(async () => {
  for (const d of devices) {
    await d.stop('SIGKILL');
    d.cleanup();
  }
  await service?.endAsync();
  if (api && operator) {
    const token = await operator.token().catch(() => '');
    await apiCall(api.url, token, 'DELETE', `/api/auth/homes/${homeId}/devices/${deviceId}`).catch(() => undefined);
    await apiCall(api.url, token, 'DELETE', `/api/homes/${homeId}`).catch(() => undefined);
  }
  await api?.stop();
  await operator?.close();
  if (otherCaDir) rmSync(otherCaDir, { recursive: true, force: true });
}, 120_000);

it('provisioned with another CA, the device never connects to the TLS listener and keeps its readings', async () => {
  const d = device(readFileSync(join(otherCaDir, 'ca.crt'), 'utf8'));
  d.start();
  await new Promise((r) => setTimeout(r, 8000));
  expect(d.of('connected')).toHaveLength(0);
  await d.stop('SIGTERM');
  const stats = VirtualDevice.fields((await d.waitFor('stopping', 5000))[0]!);
  expect(Number(stats.buffered)).toBeGreaterThan(0);
  expect(arrivals).toHaveLength(0);
});

it('with the local CA it connects over TLS with its API-issued login, and its readings arrive', async () => {
  const d = device(readFileSync(caFile, 'utf8'));
  d.start();
  await d.waitFor('connected', 15_000);
  const deadline = Date.now() + 15_000;
  while (arrivals.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(arrivals.length).toBeGreaterThanOrEqual(3);
  await d.stop();
});
