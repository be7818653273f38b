import { createInfluxClient } from '@carbonreducer/influx';
import { commandTopic, encodeReading, telemetryTopic, validateMessage } from '@carbonreducer/telemetry';
import { flux } from '@influxdata/influxdb-client';
import { postTelemetry, settle, uniqueHomeId } from '../testing/stack';
import { publishAll, settleCounts, useDeviceClient } from '../testing/ingest';

// Telegraf flushes every second and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// MQTT → Telegraf → InfluxDB on the native stack: exact counts, right tags and values, idempotent redelivery.
const DEVICES = [
  { kind: 'meter', id: 'main' },
  { kind: 'plug', id: 'kettle' },
  { kind: 'plug', id: 'dishwasher' },
  { kind: 'plug', id: 'washing_machine' },
  { kind: 'plug', id: 'microwave' },
] as const;
const PER_DEVICE = 100;

describe('telemetry ingestion (scripts/stack up mosquitto influxdb telegraf)', () => {
  const io = useDeviceClient('ingest');
  const homeId = uniqueHomeId('it-ingest');
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - PER_DEVICE * 60_000;
  const range = { startMs: t0 - 3_600_000, stopMs: Date.now() + 3_600_000 };
  const messages = DEVICES.flatMap((d, di) =>
    Array.from({ length: PER_DEVICE }, (_, i) => ({
      topic: telemetryTopic(homeId, d.kind, d.id),
      payload: encodeReading({ tsMs: t0 + i * 60_000, powerW: di * 1000 + i + 0.5, energyWh: i * 10 }),
    })),
  );
  const expected = Object.fromEntries(DEVICES.map((d) => [`${d.kind}/${d.id}`, PER_DEVICE]));

  it('turns N published messages into exactly N points with the right tags and values', async () => {
    await publishAll(io.device, messages);
    expect(await settleCounts(() => io.stack.query.countPoints(homeId, range), expected)).toEqual(expected);
    const kettle = await io.stack.query.fieldValues(homeId, 'kettle', 'power_w', range);
    expect(kettle.size).toBe(PER_DEVICE);
    for (let i = 0; i < PER_DEVICE; i++) expect(kettle.get(t0 + i * 60_000)).toBe(1000 + i + 0.5);
    const energy = await io.stack.query.fieldValues(homeId, 'main', 'energy_wh', range);
    expect(energy.get(t0 + 7 * 60_000)).toBe(70);
  });

  it('overwrites a redelivered message instead of adding a point', async () => {
    // Everything again (as a broker redelivery would), then a marker that shows Telegraf got past the repeats.
    await publishAll(io.device, messages);
    const marker = {
      topic: telemetryTopic(homeId, 'thermometer', 'marker'),
      payload: encodeReading({ tsMs: t0, temperatureC: 21 }),
    };
    await io.device.publishAsync(marker.topic, marker.payload, { qos: 1 });
    const withMarker = { ...expected, 'thermometer/marker': 1 };
    const counts = await settle(
      () => io.stack.query.countPoints(homeId, range),
      (c) => c['thermometer/marker'] === 1,
      60_000,
    );
    expect(counts).toEqual(withMarker);
    const kettle = await io.stack.query.fieldValues(homeId, 'kettle', 'power_w', range);
    expect(kettle.size).toBe(PER_DEVICE);
  });

  it('accepts the same contract over HTTP', async () => {
    const topic = telemetryTopic(homeId, 'intensity', 'display');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const payload = encodeReading({ tsMs: t0 + i * 60_000, intensityGPerKWh: 150 + i });
      expect(validateMessage(topic, payload, { receivedAtMs: Date.now() }).points).toHaveLength(1);
      statuses.push(await postTelemetry(io.stack, topic, payload));
    }
    expect(new Set(statuses)).toEqual(new Set([204]));
    const counts = await settle(
      () => io.stack.query.countPoints(homeId, range),
      (c) => c['intensity/display'] === 20,
      60_000,
    );
    expect(counts['intensity/display']).toBe(20);
    const values = await io.stack.query.fieldValues(homeId, 'display', 'intensity_g_per_kwh', range);
    expect(values.get(t0 + 19 * 60_000)).toBe(169);
  });

  it('counts messages on topics outside the contract per topic, and stores nothing for commands', async () => {
    // Before issue #21 Telegraf subscribed to telemetry and status only: these were acknowledged by the broker and
    // counted nowhere. Now each is a bad_topic reject, and ingest_rejects_by_topic counts them per topic.
    const offContract = `carbonreducer/${homeId}/readings/main`;
    for (let i = 0; i < 3; i++) await io.device.publishAsync(offContract, `{"v":1,"n":${i}}`, { qos: 1 });
    // A command (the contract's, not Telegraf's to store): acknowledged, neither a point nor a reject.
    await io.device.publishAsync(commandTopic(homeId, 'dw1'), '{"action":"start"}', { qos: 1 });
    const reasons = await settleCounts(() => io.stack.query.rejectsByReason(homeId, range), { bad_topic: 3 });
    expect(reasons).toEqual({ bad_topic: 3 });

    const api = createInfluxClient({ ...io.stack.influx, timeoutMs: 30_000 }).getQueryApi(io.stack.influx.org);
    const perTopic = () =>
      api
        .collectRows<{ topic: string; _value: number }>(
          flux`from(bucket: ${io.stack.influx.bucket})
            |> range(start: -10m)
            |> filter(fn: (r) => r._measurement == "ingest_rejects_by_topic" and r._field == "rejected_messages")
            |> filter(fn: (r) => r.topic == ${offContract} or r.topic == ${commandTopic(homeId, 'dw1')})
            |> last()`,
        )
        .then((rows) => Object.fromEntries(rows.map((r) => [r.topic, Number(r._value)])));
    // Emitted with the next ingest_flow tick (every 5 s).
    expect(await settleCounts(perTopic, { [offContract]: 3 }, 30_000)).toEqual({ [offContract]: 3 });
  });

  it('counts per topic the publishes and subscriptions the broker refuses (no ACL allows them)', async () => {
    // Issue #21: the broker refused these and nobody counted them. Our broker plugin (provisioning/mosquitto/denials)
    // counts them per topic, Telegraf stores the counts as ingest_denied_by_topic. The shared device user may publish
    // only under carbonreducer/ and subscribe only there.
    const denied = `it-denied/${homeId}/telemetry/meter/main`;
    for (let i = 0; i < 3; i++) await io.device.publishAsync(denied, `{"v":1,"n":${i}}`, { qos: 1 });
    const refusedFilter = `it-denied/${homeId}/#`;
    // SUBACK failure code 128: the broker refused the subscription (MQTT.js rejects).
    await expect(io.device.subscribeAsync(refusedFilter, { qos: 1 })).rejects.toThrow(/Subscribe error/);

    const api = createInfluxClient({ ...io.stack.influx, timeoutMs: 30_000 }).getQueryApi(io.stack.influx.org);
    const perTopic = () =>
      api
        .collectRows<{ topic: string; action: string; reason: string; _value: number }>(
          flux`from(bucket: ${io.stack.influx.bucket})
            |> range(start: -10m)
            |> filter(fn: (r) => r._measurement == "ingest_denied_by_topic" and r._field == "denied_messages")
            |> filter(fn: (r) => r.topic == ${denied} or r.topic == ${refusedFilter})
            |> last()`,
        )
        .then((rows) => Object.fromEntries(rows.map((r) => [`${r.action} ${r.topic} ${r.reason}`, Number(r._value)])));
    const want = { [`publish ${denied} no_acl_allows`]: 3, [`subscribe ${refusedFilter} no_acl_allows`]: 1 };
    // The plugin reports every 10 s, Telegraf emits with its next 5-s ingest_flow tick.
    expect(await settleCounts(perTopic, want, 60_000)).toEqual(want);
  });

  it('refuses HTTP posts without the device credentials', async () => {
    const res = await fetch(io.stack.telegrafHttpUrl, {
      method: 'POST',
      headers: { 'X-Telemetry-Topic': telemetryTopic(homeId, 'meter', 'main') },
      body: encodeReading({ tsMs: t0, powerW: 1 }),
    });
    expect(res.status).toBe(401);
  });
});
