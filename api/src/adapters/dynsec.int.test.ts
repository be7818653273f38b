import { createJsonLogger, silentLogger } from '@carbonreducer/common';
import { assertReachable, loadStackEnv, withStackDefaults } from '@carbonreducer/stack-env';
import { commandTopic, notificationTopic, statusTopic, telemetryTopic } from '@carbonreducer/telemetry';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createDeps } from '../server';
import { removeBrokerIdentities } from '../testing/brokerIdentities';
import { realmUsers, type RealmUsers } from '../testing/keycloak';

/**
 * Per-device broker identities on the real stack (`bash scripts/stack up`): devices registered through the API get a
 * Mosquitto dynamic-security client; with it a device publishes its own telemetry and receives its own commands,
 * and the broker refuses everything else (observed: the message never arrives). Revoking disconnects it for good.
 */
jest.setTimeout(120_000);

const stack = loadStackEnv();
const run = Math.random().toString(36).slice(2, 8);
const HOME_A = `it-dynsec-${run}-a`;
const HOME_B = `it-dynsec-${run}-b`;
const hint = 'start it with `bash scripts/stack up`';

const config = loadConfig({ ...withStackDefaults(process.env), API_MQTT_ACK_TIMEOUT_MS: '10000' });
const auditLines: Record<string, unknown>[] = [];
const log = createJsonLogger({ level: 'info', write: (line) => auditLines.push(JSON.parse(line)) });
const { deps, close } = createDeps(config, log);
const { app } = createApp(deps);

let realm: RealmUsers;
let pg: PgClient;
let operator: string;
let service: MqttClient;
const seen: { topic: string; payload: string }[] = [];
const clients: MqttClient[] = [];

interface Credentials {
  url: string;
  username: string;
  password: string;
  telemetryTopic: string;
  commandTopic: string;
}

async function register(homeId: string, deviceId: string, kind = 'plug'): Promise<Credentials> {
  const res = await request(app)
    .post(`/api/auth/homes/${homeId}/devices`)
    .set('Authorization', `Bearer ${operator}`)
    .send({ deviceId, kind });
  expect([res.status, res.body.code]).toEqual([201, undefined]);
  return res.body.mqtt as Credentials;
}

/** MQTT 5, so the broker's refusals come back as reason codes as well. */
async function connectAs(creds: { username: string; password: string }, extra: IClientOptions = {}) {
  const c = await connectAsync(config.mqtt.url, {
    username: creds.username,
    password: creds.password,
    clientId: `it-dynsec-${run}-${Math.random().toString(16).slice(2, 8)}`,
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  });
  clients.push(c);
  return c;
}

/** The PUBACK reason code of a QoS 1 publish (mqtt.js rejects on a refusal, with the code). */
async function publishReason(client: MqttClient, topic: string, payload: string): Promise<number> {
  try {
    const ack = (await client.publishAsync(topic, payload, { qos: 1 })) as { reasonCode?: number } | undefined;
    return ack?.reasonCode ?? 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

/** The SUBACK reason code of one subscription (mqtt.js rejects on a refusal, with the code). */
async function subscribeReason(client: MqttClient, topic: string): Promise<number> {
  try {
    const [granted] = await client.subscribeAsync(topic, { qos: 1 });
    return granted?.qos ?? -1;
  } catch (err) {
    const code = (err as { packet?: { granted?: unknown[] } }).packet?.granted?.[0];
    if (typeof code === 'number') return code;
    throw err;
  }
}

/** Resolves with the first message on `client` (all topics), or rejects after `ms`. */
function firstMessage(client: MqttClient, ms = 5000): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
    client.once('message', (topic, payload) => {
      clearTimeout(timer);
      resolve({ topic, payload: payload.toString() });
    });
  });
}

/** What the service side saw on a topic, after a sentinel published last has arrived (so earlier ones had their chance). */
async function seenAfterSentinel(sentinelTopic: string, sentinel: string): Promise<string[]> {
  const deadline = Date.now() + 5000;
  while (!seen.some((m) => m.topic === sentinelTopic && m.payload === sentinel) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  return seen.map((m) => `${m.topic} ${m.payload}`);
}

beforeAll(async () => {
  await assertReachable(`Keycloak (${hint})`, '127.0.0.1', stack.port('KEYCLOAK_PORT'));
  await assertReachable(`PostgreSQL (${hint})`, '127.0.0.1', stack.port('POSTGRES_PORT'));
  await assertReachable(`Mosquitto (${hint})`, '127.0.0.1', stack.port('MQTT_PORT'));
  pg = new PgClient({ connectionString: config.postgresUrl });
  await pg.connect();
  await pg.query("INSERT INTO app.homes (home_id, region) VALUES ($1, 'GB'), ($2, 'GB')", [HOME_A, HOME_B]);
  realm = await realmUsers(`it-dynsec-${run}`);
  operator = realm.tokens.operator;
  // The service side sees everything of both homes: what a device was refused must never show up here.
  service = await connectAs({ username: config.mqtt.username, password: config.mqtt.password });
  service.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await service.subscribeAsync([`carbonreducer/${HOME_A}/#`, `carbonreducer/${HOME_B}/#`], { qos: 1 });
}, 240_000);

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  if (pg) {
    await removeBrokerIdentities(pg, deps.identities, { ids: [HOME_A, HOME_B] }).catch(() => 0);
    await pg.query('DELETE FROM app.homes WHERE home_id = ANY($1)', [[HOME_A, HOME_B]]);
    await pg.end();
  }
  await realm?.close();
  await close();
});

describe('per-device broker identities (Mosquitto dynamic security) on the real stack', () => {
  it('a registered device publishes its telemetry and status and receives its commands and notifications', async () => {
    const creds = await register(HOME_A, 'plug-1');
    expect(creds).toEqual({
      url: config.mqtt.publicUrl,
      username: `${HOME_A}/plug-1`,
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      telemetryTopic: telemetryTopic(HOME_A, 'plug', 'plug-1'),
      commandTopic: commandTopic(HOME_A, 'plug-1'),
    });
    // The password is stored nowhere in the database.
    const row = await pg.query('SELECT * FROM app.devices WHERE home_id = $1 AND device_id = $2', [HOME_A, 'plug-1']);
    expect(row.rows[0].mqtt_username).toBe(`${HOME_A}/plug-1`);
    expect(JSON.stringify(row.rows)).not.toContain(creds.password);

    const device = await connectAs(creds, {
      will: {
        topic: statusTopic(HOME_A, 'plug-1'),
        payload: Buffer.from('{"v":1,"state":"offline"}'),
        qos: 1,
        retain: true,
      },
    });
    expect(await subscribeReason(device, creds.commandTopic)).toBe(1);
    expect(await subscribeReason(device, notificationTopic(HOME_A))).toBe(1);

    const reading = JSON.stringify({ v: 1, ts: Date.now(), powerW: 12.5 });
    expect(await publishReason(device, creds.telemetryTopic, reading)).toBe(0);
    await device.publishAsync(statusTopic(HOME_A, 'plug-1'), '{"v":1,"state":"online"}', { qos: 1, retain: true });
    expect(await seenAfterSentinel(creds.telemetryTopic, reading)).toContain(`${creds.telemetryTopic} ${reading}`);

    const command = firstMessage(device);
    await service.publishAsync(creds.commandTopic, '{"v":1,"action":"start"}', { qos: 1 });
    expect(await command).toEqual({ topic: creds.commandTopic, payload: '{"v":1,"action":"start"}' });
    const note = firstMessage(device);
    await service.publishAsync(notificationTopic(HOME_A), '{"v":1,"kind":"info"}', { qos: 1 });
    expect((await note).topic).toBe(notificationTopic(HOME_A));
  });

  it("a device cannot publish as another device or home, nor subscribe to another device's commands: refused, never delivered", async () => {
    const a = await register(HOME_A, 'meter-2', 'meter');
    // The same device id in another home is another broker identity (no clash, no shared password).
    const b = await register(HOME_B, 'meter-2', 'meter');
    expect(b.username).toBe(`${HOME_B}/meter-2`);
    expect(b.password).not.toBe(a.password);
    const device = await connectAs(a);

    const forged = [
      telemetryTopic(HOME_B, 'meter', 'meter-2'), // the other home's device of the same id
      telemetryTopic(HOME_A, 'meter', 'plug-1'), // another device of its own home
      statusTopic(HOME_B, 'meter-2'),
      `carbonreducer/${HOME_A}/commands/meter-2`, // its own commands are the service's to write
      `carbonreducer/${HOME_A}/notifications`,
    ];
    for (const topic of forged) {
      expect([topic, await publishReason(device, topic, `forged ${run}`)]).toEqual([topic, 135]); // Not authorized
    }
    const sentinel = `after the forged ones ${run}`;
    await device.publishAsync(a.telemetryTopic, sentinel, { qos: 1 });
    const got = await seenAfterSentinel(a.telemetryTopic, sentinel);
    expect(got).toContain(`${a.telemetryTopic} ${sentinel}`);
    expect(got.filter((m) => m.endsWith(`forged ${run}`))).toEqual([]);

    // Subscriptions: another device's commands, a wildcard over its home's commands, everything.
    for (const topic of [b.commandTopic, commandTopic(HOME_A, 'plug-1'), `carbonreducer/${HOME_A}/commands/+`, '#'])
      expect([topic, await subscribeReason(device, topic)]).toEqual([topic, 135]);
    await device.subscribeAsync(a.commandTopic, { qos: 1 });
    // Commands for the others go out first; the first (and only) one the device gets is its own.
    const first = firstMessage(device);
    await service.publishAsync(b.commandTopic, 'for the other home', { qos: 1 });
    await service.publishAsync(commandTopic(HOME_A, 'plug-1'), 'for plug-1', { qos: 1 });
    await service.publishAsync(a.commandTopic, 'for meter-2', { qos: 1 });
    expect(await first).toEqual({ topic: a.commandTopic, payload: 'for meter-2' });
  });

  it('revoking a device disconnects it and it can no longer connect; registering it again issues a new password', async () => {
    const creds = await register(HOME_A, 'plug-9');
    const device = await connectAs(creds);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    await request(app)
      .delete(`/api/auth/homes/${HOME_A}/devices/plug-9`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(204);
    await closed;
    await expect(connectAs(creds)).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    // Revoked twice: the broker has nothing left to delete, the API says 404.
    const again = await request(app)
      .delete(`/api/auth/homes/${HOME_A}/devices/plug-9`)
      .set('Authorization', `Bearer ${operator}`)
      .expect(404);
    expect(again.body.code).toBe('device_not_found');

    const renewed = await register(HOME_A, 'plug-9');
    expect(renewed.password).not.toBe(creds.password);
    await expect(connectAs(creds)).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    const back = await connectAs(renewed);
    expect(back.connected).toBe(true);

    const audit = auditLines.filter((l) => l.msg === 'audit' && l.homeId === HOME_A && l.deviceId === 'plug-9');
    expect(audit.map((l) => l.action)).toEqual(['device.register', 'device.revoke', 'device.register']);
    expect(audit.every((l) => l.subject === realm.users.operator.id)).toBe(true);
    expect(JSON.stringify(auditLines)).not.toContain(creds.password);
  });

  it('a broker that refuses the API its admin client is a clear 503, nothing half-registered, counted', async () => {
    const wrong = createDeps(
      { ...config, dynsec: { ...config.dynsec, password: 'not-the-password', timeoutMs: 3000 } },
      silentLogger,
    );
    try {
      const broken = createApp(wrong.deps).app;
      const res = await request(broken)
        .post(`/api/auth/homes/${HOME_A}/devices`)
        .set('Authorization', `Bearer ${operator}`)
        .send({ deviceId: 'plug-x', kind: 'plug' })
        .expect(503);
      expect(res.body).toMatchObject({
        code: 'broker_unavailable',
        detail: expect.stringContaining('dynamic-security'),
      });
      const row = await pg.query('SELECT revoked_at FROM app.devices WHERE home_id = $1 AND device_id = $2', [
        HOME_A,
        'plug-x',
      ]);
      expect(row.rows[0].revoked_at).not.toBeNull();
      const metrics = await wrong.deps.metrics.registry.getSingleMetricAsString(
        'carbonreducer_api_device_identities_total',
      );
      expect(metrics).toContain('action="register",outcome="broker_unavailable"} 1');
    } finally {
      await wrong.close();
    }
    // With the real admin client the same device registers (the failed attempt left nothing behind).
    await register(HOME_A, 'plug-x');
  });
});
