import { assertReachable, loadStackEnv } from '@carbonreducer/stack-env';
import { ackTopic, commandTopic, statusTopic, telemetryTopic, type CommandPayload } from '@carbonreducer/telemetry';
import mqtt, { type MqttClient } from 'mqtt';
import { apiCall, operatorLogin, startApi, type ApiProcess, type Operator } from './api';
import { VirtualDevice, buildFirmware } from './virtualDevice';

// The Linux virtual device with the per-device broker credentials the API issued (Mosquitto dynamic security): it
// reports and obeys as itself, its credentials reach nothing of another device, and revocation locks it out.
jest.setTimeout(300_000);

interface Credentials {
  url: string;
  username: string;
  password: string;
  telemetryTopic: string;
  commandTopic: string;
}

describe('virtual device with per-device credentials from the API (scripts/stack up)', () => {
  const env = loadStackEnv();
  const mqttPort = env.port('MQTT_PORT');
  const homeId = `it-fwid-${Date.now().toString(36)}`;
  const arrivals: { topic: string; payload: string }[] = [];
  const devices: VirtualDevice[] = [];
  const registered = new Set<string>();
  let api: ApiProcess;
  let operator: Operator;
  let service: MqttClient;

  const call = async <T>(method: string, path: string, body?: unknown) =>
    apiCall<T>(api.url, await operator.token(), method, path, body);
  const register = async (deviceId: string): Promise<Credentials> => {
    const res = await call<{ mqtt: Credentials | null }>('POST', `/api/auth/homes/${homeId}/devices`, {
      deviceId,
      kind: 'plug',
    });
    if (res.mqtt === null) throw new Error('the API issued no MQTT credentials');
    registered.add(deviceId);
    return res.mqtt;
  };
  const revoke = async (deviceId: string): Promise<void> => {
    await call('DELETE', `/api/auth/homes/${homeId}/devices/${deviceId}`);
    registered.delete(deviceId);
  };
  const device = (deviceId: string, creds: { username: string; password: string }) => {
    const d = new VirtualDevice({
      homeId,
      deviceId,
      // The URL the API hands out is the broker's public one; here that is the stack's own.
      brokerUrl: `mqtt://127.0.0.1:${mqttPort}`,
      mqttUsername: creds.username,
      mqttPassword: creds.password,
      kind: 'plug',
      readingIntervalMs: 500,
      minSwitchIntervalMs: 2000,
      healthIntervalMs: 2000,
      batchMax: 50,
    });
    devices.push(d);
    return d;
  };
  const on = (topic: string) => arrivals.filter((a) => a.topic === topic);
  const waitFor = async (what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline)
        throw new Error(`no ${what} within ${timeoutMs} ms; seen: ${JSON.stringify(arrivals.slice(-10))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const command = (deviceId: string, requestId: string, plannedAtMs: number): CommandPayload => ({
    v: 1,
    idempotencyKey: `${homeId}/${requestId}/start`,
    homeId,
    deviceId,
    appliance: 'dishwasher',
    requestId,
    action: 'start',
    plannedAt: new Date(plannedAtMs).toISOString(),
    planVersion: 1,
  });

  beforeAll(async () => {
    const hint = 'bash scripts/stack up';
    await assertReachable(`Mosquitto (${hint})`, '127.0.0.1', mqttPort);
    await assertReachable(`Keycloak (${hint})`, '127.0.0.1', env.port('KEYCLOAK_PORT'));
    await assertReachable(`PostgreSQL (${hint})`, '127.0.0.1', env.port('POSTGRES_PORT'));
    await buildFirmware();
    [api, operator] = await Promise.all([startApi(), operatorLogin('it-fwid-operator')]);
    await call('POST', '/api/homes', { homeId, region: 'GB', timeZone: 'Europe/London' });
    // The service side sees the whole home: what a device's credentials were refused must never show up here.
    service = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      username: 'service',
      password: env.get('MQTT_SERVICE_PASSWORD'),
      clientId: `it-fwid-service-${process.pid}`,
      reconnectPeriod: 500,
    });
    service.on('message', (topic, payload) => arrivals.push({ topic, payload: payload.toString() }));
    await service.subscribeAsync(`carbonreducer/${homeId}/#`, { qos: 1 });
  }, 420_000);

  afterAll(async () => {
    for (const d of devices) {
      await d.stop('SIGKILL');
      d.cleanup();
    }
    for (const id of ['plug-a', 'plug-b'])
      await service?.publishAsync(commandTopic(homeId, id), '', { retain: true, qos: 1 });
    if (api && operator) {
      for (const id of [...registered]) await revoke(id).catch(() => undefined);
      await call('DELETE', `/api/homes/${homeId}`).catch(() => undefined);
    }
    await service?.endAsync();
    await api?.stop();
    await operator?.close();
  }, 120_000);

  it('connects with the credentials the API issued: its readings, health and status arrive, its command runs and is acked', async () => {
    const creds = await register('plug-a');
    expect(creds.username).toBe(`${homeId}/plug-a`);
    expect(creds.telemetryTopic).toBe(telemetryTopic(homeId, 'plug', 'plug-a'));
    const d = device('plug-a', creds);
    d.start();
    await d.waitFor('connected', 15_000);
    await waitFor('readings of plug-a', () => on(creds.telemetryTopic).length >= 3);
    await waitFor('a health reading of plug-a', () => on(telemetryTopic(homeId, 'gateway', 'plug-a')).length >= 1);
    expect(on(statusTopic(homeId, 'plug-a'))[0]?.payload).toMatch(/"state":"online"/);

    const plannedAtMs = Date.now() + 3000;
    await service.publishAsync(creds.commandTopic, JSON.stringify(command('plug-a', 'r1', plannedAtMs)), {
      qos: 1,
      retain: true,
    });
    await d.waitFor('relay', 15_000, 1, (e) => e.detail.startsWith('on=true'));
    await waitFor('the ack of plug-a', () => on(ackTopic(homeId, 'plug-a')).length === 1);
    expect(JSON.parse(on(ackTopic(homeId, 'plug-a'))[0]!.payload)).toMatchObject({
      idempotencyKey: `${homeId}/r1/start`,
      ok: true,
    });
  });

  it("its credentials reach nothing of another device: a device posing as plug-b with plug-a's credentials is never heard and never commanded", async () => {
    const a = await register('plug-a2');
    const impostor = device('plug-b', a);
    impostor.start();
    await impostor.waitFor('connected', 15_000);
    // A command for plug-b: the impostor subscribed to plug-b's commands, which the broker refused.
    await service.publishAsync(
      commandTopic(homeId, 'plug-b'),
      JSON.stringify(command('plug-b', 'r2', Date.now() + 1000)),
      {
        qos: 1,
        retain: true,
      },
    );
    // It meters and publishes for a while (the broker acknowledges and drops each message: MQTT 3.1.1)...
    await new Promise((r) => setTimeout(r, 5000));
    await impostor.stop('SIGTERM');
    const stats = VirtualDevice.fields((await impostor.waitFor('stopping', 5000))[0]!);
    expect(Number(stats.readingsStored)).toBeGreaterThanOrEqual(5);
    // ...then a message published after all of them, with the same credentials on their own topic, arrives.
    const sentinel = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      username: a.username,
      password: a.password,
      clientId: `it-fwid-sentinel-${process.pid}`,
      reconnectPeriod: 0,
    });
    await sentinel.publishAsync(a.telemetryTopic, JSON.stringify({ v: 1, ts: Date.now(), powerW: 1 }), { qos: 1 });
    await sentinel.endAsync();
    await waitFor('the sentinel', () => on(a.telemetryTopic).length === 1);
    expect(arrivals.filter((m) => m.topic.endsWith('/plug-b') && m.payload !== '')).toEqual([
      { topic: commandTopic(homeId, 'plug-b'), payload: expect.any(String) }, // the service's own command
    ]);
    expect(impostor.of('command_scheduled')).toHaveLength(0);
    expect(impostor.of('relay')).toHaveLength(0);
  });

  it('revoked through the API, the running device is disconnected and refused on every reconnect', async () => {
    const creds = await register('plug-c');
    const d = device('plug-c', creds);
    d.start();
    await d.waitFor('connected', 15_000);
    await revoke('plug-c');
    await d.waitFor('disconnected', 10_000);
    const [refused] = await d.waitFor('connect_refused', 10_000);
    expect(refused!.detail).toMatch(/not authori[sz]ed/i);
    await new Promise((r) => setTimeout(r, 3000));
    expect(d.of('connected')).toHaveLength(1);
    expect(d.of('connect_refused').length).toBeGreaterThanOrEqual(2);
    await d.stop();
  });
});
