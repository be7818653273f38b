import { GOLDEN_CASES, renderTemplate, validateMessage } from '@carbonreducer/telemetry';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../mqtt';
import {
  postTelemetry,
  requirePipelineStack,
  sameCounts,
  settle,
  uniqueHomeId,
  type PipelineStack,
} from '../testing/stack';

// Telegraf flushes every 10 s and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// The golden fixtures through the real Telegraf validator (Starlark) give what the TS validator gives.
function tally(reasons: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reasons) out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe('golden contract fixtures through Telegraf', () => {
  let stack: PipelineStack;
  let device: MqttClient;
  beforeAll(async () => {
    stack = await requirePipelineStack();
    device = await connectMqtt(stack.device, { clientId: `it-golden-${process.pid}` });
  });
  afterAll(async () => {
    await device?.endAsync();
  });

  it.each([['mqtt'], ['http']])('accepts and rejects exactly like libs/telemetry over %s', async (ingest) => {
    const homeId = uniqueHomeId(`it-golden-${ingest}`);
    const nowMs = Date.now();
    const range = { startMs: nowMs - 3_600_000, stopMs: nowMs + 7_200_000 };
    const expectedPoints: Record<string, number> = {};
    const expectedReasons: string[] = [];
    for (const c of GOLDEN_CASES) {
      const topic = renderTemplate(c.topic, { homeId, nowMs });
      const payload = renderTemplate(c.payload, { homeId, nowMs });
      const ts = validateMessage(topic, payload, { receivedAtMs: nowMs });
      expect({ name: c.name, reasons: ts.rejects.map((r) => r.reason), points: ts.points.length }).toEqual({
        name: c.name,
        reasons: c.expect.rejects,
        points: c.expect.points,
      });
      for (const p of ts.points) {
        const key = `${p.measurement}/${p.tags.device_id}`;
        expectedPoints[key] = (expectedPoints[key] ?? 0) + 1;
      }
      expectedReasons.push(...ts.rejects.map((r) => r.reason));
      if (ingest === 'mqtt') await device.publishAsync(topic, payload, { qos: 1 });
      else expect(await postTelemetry(stack, topic, payload)).toBe(204);
    }
    const reasons = tally(expectedReasons);
    const gotRejects = await settle(
      () => stack.query.rejectsByReason(homeId, range),
      (r) => sameCounts(r, reasons),
      60_000,
    );
    expect(gotRejects).toEqual(reasons);
    const gotPoints = await settle(
      () => stack.query.countPoints(homeId, range),
      (p) => sameCounts(p, expectedPoints),
      30_000,
    );
    expect(gotPoints).toEqual(expectedPoints);
  });
});
