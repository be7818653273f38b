import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { assertReachable } from '@carbonreducer/stack-env';
import { loadStackEnv } from '@carbonreducer/stack-env';

// Smoke test of the native Mosquitto: users from the generated password file, the ACL, at-least-once delivery.
const stack = loadStackEnv();
const host = '127.0.0.1';
const port = stack.port('MQTT_PORT');

async function connectAs(username: string, password: string, clientId = `smoke-${randomUUID()}`): Promise<MqttClient> {
  const client = mqtt.connect({ host, port, username, password, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

async function connectError(username: string | undefined, password: string | undefined): Promise<Error> {
  const client = mqtt.connect({ host, port, username, password, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    return await new Promise<Error>((resolve, reject) => {
      client.once('connect', () => reject(new Error(`broker accepted ${username ?? 'an anonymous client'}`)));
      client.once('error', resolve);
    });
  } finally {
    client.end(true);
  }
}

function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    client.on('message', (received, payload) => {
      if (received === topic) resolve(payload.toString('utf8'));
    });
  });
}

describe('Mosquitto (scripts/stack up mosquitto)', () => {
  beforeAll(async () => {
    await assertReachable('Mosquitto', host, port);
  });

  it('delivers a device message to telegraf and to the service user', async () => {
    const topic = `carbonreducer/smoke/${randomUUID()}/telemetry`;
    const payload = JSON.stringify({ powerW: 1234, at: new Date().toISOString() });
    const telegraf = await connectAs('telegraf', stack.get('MQTT_TELEGRAF_PASSWORD'));
    const service = await connectAs('service', stack.get('MQTT_SERVICE_PASSWORD'));
    const device = await connectAs('device', stack.get('MQTT_DEVICE_PASSWORD'));
    try {
      await telegraf.subscribeAsync(topic, { qos: 1 });
      await service.subscribeAsync(topic, { qos: 1 });
      const received = Promise.all([nextMessage(telegraf, topic), nextMessage(service, topic)]);
      await device.publishAsync(topic, payload, { qos: 1 });
      expect(await received).toEqual([payload, payload]);
    } finally {
      await Promise.all([telegraf.endAsync(), service.endAsync(), device.endAsync()]);
    }
  });

  it('keeps QoS 1 messages for a persistent session while it is offline', async () => {
    const topic = `carbonreducer/smoke/${randomUUID()}/commands`;
    const clientId = `smoke-persistent-${randomUUID()}`;
    const password = stack.get('MQTT_SERVICE_PASSWORD');
    const first = mqtt.connect({
      host,
      port,
      username: 'service',
      password,
      clientId,
      clean: false,
      reconnectPeriod: 0,
    });
    await new Promise<void>((resolve, reject) => {
      first.once('connect', () => resolve());
      first.once('error', reject);
    });
    await first.subscribeAsync(topic, { qos: 1 });
    await first.endAsync();

    const device = await connectAs('service', password);
    await device.publishAsync(topic, 'while-offline', { qos: 1 });
    await device.endAsync();

    const again = mqtt.connect({
      host,
      port,
      username: 'service',
      password,
      clientId,
      clean: false,
      reconnectPeriod: 0,
    });
    try {
      // The queued message arrives right after CONNACK, before any new subscription.
      const message = nextMessage(again, topic);
      await new Promise<void>((resolve, reject) => {
        again.once('connect', (connack) => (connack.sessionPresent ? resolve() : reject(new Error('no session'))));
        again.once('error', reject);
      });
      expect(await message).toBe('while-offline');
    } finally {
      await again.unsubscribeAsync(topic);
      await again.endAsync();
    }
  });

  it('refuses an anonymous client', async () => {
    const error = await connectError(undefined, undefined);
    expect(error.message).toMatch(/Not authorized|not authorised|Bad username or password/i);
  });

  it('refuses a wrong password', async () => {
    const error = await connectError('device', `${stack.get('MQTT_DEVICE_PASSWORD')}-wrong`);
    expect(error.message).toMatch(/Not authorized|not authorised|Bad username or password/i);
  });

  it('enforces the ACL: telegraf may not publish', async () => {
    const topic = `carbonreducer/smoke/${randomUUID()}/acl`;
    const service = await connectAs('service', stack.get('MQTT_SERVICE_PASSWORD'));
    const telegraf = await connectAs('telegraf', stack.get('MQTT_TELEGRAF_PASSWORD'));
    const device = await connectAs('device', stack.get('MQTT_DEVICE_PASSWORD'));
    try {
      await service.subscribeAsync(topic, { qos: 1 });
      const first = nextMessage(service, topic);
      // The broker acknowledges the denied publish (MQTT 3.1.1) and drops it; the allowed one that follows
      // must be the first to arrive.
      await telegraf.publishAsync(topic, 'from-telegraf', { qos: 1 });
      await device.publishAsync(topic, 'from-device', { qos: 1 });
      expect(await first).toBe('from-device');
    } finally {
      await Promise.all([service.endAsync(), telegraf.endAsync(), device.endAsync()]);
    }
  });

  it('enforces the ACL: a device reads commands, not other telemetry', async () => {
    const home = `carbonreducer/smoke-${randomUUID()}`;
    const service = await connectAs('service', stack.get('MQTT_SERVICE_PASSWORD'));
    const device = await connectAs('device', stack.get('MQTT_DEVICE_PASSWORD'));
    try {
      // Mosquitto 2.0 grants the subscription and filters each delivery against the ACL.
      await device.subscribeAsync(`${home}/#`, { qos: 1 });
      const first = new Promise<string>((resolve) => device.once('message', (topic) => resolve(topic)));
      await service.publishAsync(`${home}/telemetry`, 'not for devices', { qos: 1 });
      await service.publishAsync(`${home}/commands/schedule`, 'for the device', { qos: 1 });
      expect(await first).toBe(`${home}/commands/schedule`);
    } finally {
      await Promise.all([service.endAsync(), device.endAsync()]);
    }
  });
});
