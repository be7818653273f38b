import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { assertReachable, loadStackEnv, repoRoot } from '@carbonreducer/stack-env';

// Smoke test of Mosquitto's TLS listener for devices: the server certificate from the local CA that `scripts/stack`
// generates once into .stack/tls (ensure_tls), verified by a real MQTT client; an untrusted CA, no CA and a wrong
// host name are refused before any MQTT is spoken, and logins over TLS are the same dynamic-security clients.
const stack = loadStackEnv();
const host = '127.0.0.1';
const port = stack.port('MQTT_TLS_PORT');
const caFile = stack.find('MQTT_CA_FILE') ?? join(repoRoot, '.stack', 'tls', 'ca.crt');
const restartHint =
  'the broker was started before its TLS listener existed: ' +
  'flock /tmp/carbonreducer-stack.lock bash -c "bash scripts/stack down mosquitto && bash scripts/stack up mosquitto"';

function connect(options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(`mqtts://${host}:${port}`, {
    clientId: `smoke-tls-${randomUUID()}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

async function refusal(options: IClientOptions): Promise<{ code?: string | number; message: string }> {
  // Errors from Node's TLS layer come from another realm than Jest's: not `instanceof Error` here.
  const outcome = await connect(options).then(
    (client) => ({ client }),
    (err: unknown) => ({ err: err as { code?: string | number; message: string } }),
  );
  if ('client' in outcome) {
    await outcome.client.endAsync();
    throw new Error(`the TLS listener accepted a client it should refuse (${JSON.stringify(Object.keys(options))})`);
  }
  return outcome.err;
}

describe('Mosquitto TLS listener (bash scripts/stack up mosquitto)', () => {
  let ca: Buffer;
  let otherCaDir: string;
  const service = () => ({ username: 'service', password: stack.get('MQTT_SERVICE_PASSWORD') });

  beforeAll(async () => {
    ca = readFileSync(caFile);
    await assertReachable(`Mosquitto's TLS listener (${restartHint})`, host, port);
    // A CA of our own that never signed the broker's certificate.
    otherCaDir = mkdtempSync(join(tmpdir(), 'cr-other-ca-'));
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
  });

  afterAll(() => rmSync(otherCaDir, { recursive: true, force: true }));

  it('listens on MQTT_TLS_PORT as mosquitto.conf says', () => {
    const conf = readFileSync(join(repoRoot, 'provisioning', 'mosquitto', 'mosquitto.conf'), 'utf8');
    expect(conf).toMatch(new RegExp(`^listener ${port} 127\\.0\\.0\\.1\\ncertfile tls/server\\.crt\\n`, 'm'));
  });

  it('verifies against the local CA, and carries MQTT end to end as a dynamic-security client', async () => {
    const client = await connect({ ca, rejectUnauthorized: true, ...service() });
    try {
      const socket = (client.stream as unknown as { getProtocol?: () => string | null }).getProtocol?.();
      expect(socket).toMatch(/^TLSv1\.[23]$/);
      const topic = `carbonreducer/smoke-tls-${randomUUID()}/notifications`;
      await client.subscribeAsync(topic, { qos: 1 });
      const got = new Promise<string>((resolve) =>
        client.on('message', (t, payload) => t === topic && resolve(payload.toString('utf8'))),
      );
      await client.publishAsync(topic, 'over tls', { qos: 1 });
      expect(await got).toBe('over tls');
    } finally {
      await client.endAsync();
    }
  });

  it('is refused by a client that trusts another CA, or only the system CAs', async () => {
    const other = await refusal({
      ca: readFileSync(join(otherCaDir, 'ca.crt')),
      rejectUnauthorized: true,
      ...service(),
    });
    expect(other.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const system = await refusal({ rejectUnauthorized: true, ...service() });
    expect(system.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('is refused for a host name the certificate does not name', async () => {
    const err = await refusal({ ca, rejectUnauthorized: true, servername: 'broker.example.com', ...service() });
    expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses a wrong password over TLS like the plain listener does', async () => {
    const err = await refusal({ ca, rejectUnauthorized: true, username: 'service', password: 'wrong' });
    expect(err.message).toMatch(/Not authorized|Bad username or password/);
  });
});
