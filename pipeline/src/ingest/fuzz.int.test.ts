import { validateMessage } from '@carbonreducer/telemetry';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../mqtt';
import { fuzzMessages } from '../testing/fuzz';
import { requirePipelineStack, sameCounts, settle, uniqueHomeId, type PipelineStack } from '../testing/stack';

// Telegraf flushes every 10 s and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// Thousands of generated, mostly malformed messages: Telegraf stays up and every one is counted, by reason,
// exactly as the TS validator predicts.
const COUNT = Number(process.env.FUZZ_MESSAGES ?? 3000);

describe('fuzzed telemetry through Telegraf', () => {
  let stack: PipelineStack;
  let device: MqttClient;
  beforeAll(async () => {
    stack = await requirePipelineStack();
    device = await connectMqtt(stack.device, { clientId: `it-fuzz-${process.pid}` });
  });
  afterAll(async () => {
    await device?.endAsync();
  });

  it(`counts all of ${COUNT} generated messages and keeps running`, async () => {
    const homeId = uniqueHomeId('it-fuzz');
    const nowMs = Date.now();
    const range = { startMs: nowMs - 7_200_000, stopMs: nowMs + 7_200_000 };
    const messages = fuzzMessages(homeId, COUNT, nowMs, 20261127);
    const reasons: Record<string, number> = {};
    const points = new Map<string, Set<number>>();
    for (const m of messages) {
      const r = validateMessage(m.topic, m.payload, { receivedAtMs: nowMs });
      for (const x of r.rejects) reasons[x.reason] = (reasons[x.reason] ?? 0) + 1;
      for (const p of r.points) {
        const key = `${p.measurement}/${p.tags.device_id}`;
        if (!points.has(key)) points.set(key, new Set());
        points.get(key)!.add(p.timeMs);
      }
    }
    const expectedPoints = Object.fromEntries([...points].map(([k, v]) => [k, v.size]));
    // Most inputs are broken, and every reason occurs.
    expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBeGreaterThan(COUNT / 2);
    expect(Object.keys(reasons).length).toBeGreaterThanOrEqual(12);

    for (let i = 0; i < messages.length; i += 200) {
      await Promise.all(messages.slice(i, i + 200).map((m) => device.publishAsync(m.topic, m.payload, { qos: 1 })));
    }
    const gotRejects = await settle(
      () => stack.query.rejectsByReason(homeId, range),
      (r) => sameCounts(r, reasons),
      90_000,
    );
    expect(gotRejects).toEqual(reasons);
    const gotPoints = await settle(
      () => stack.query.countPoints(homeId, range),
      (p) => sameCounts(p, expectedPoints),
      30_000,
    );
    expect(gotPoints).toEqual(expectedPoints);
    const health = await fetch(stack.telegrafHealthUrl);
    expect(health.status).toBe(200);
  });
});
