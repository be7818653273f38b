import { GOLDEN_CASES, renderTemplate, validateMessage } from '@carbonreducer/telemetry';
import { postTelemetry, uniqueHomeId } from '../testing/stack';
import { predict, publishAll, settleCounts, useDeviceClient } from '../testing/ingest';

// Telegraf flushes every second and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// The golden fixtures through the real Telegraf validator (our processor plugin) give what the TS validator gives.
describe('golden contract fixtures through Telegraf', () => {
  const io = useDeviceClient('golden');

  it.each([['mqtt'], ['http']])('accepts and rejects exactly like libs/telemetry over %s', async (ingest) => {
    const homeId = uniqueHomeId(`it-golden-${ingest}`);
    const nowMs = Date.now();
    const range = { startMs: nowMs - 3_600_000, stopMs: nowMs + 7_200_000 };
    const messages = GOLDEN_CASES.map((c) => ({
      name: c.name,
      expect: c.expect,
      topic: renderTemplate(c.topic, { homeId, nowMs }),
      payload: renderTemplate(c.payload, { homeId, nowMs }),
    }));
    for (const m of messages) {
      const ts = validateMessage(m.topic, m.payload, { receivedAtMs: nowMs });
      expect({ name: m.name, reasons: ts.rejects.map((r) => r.reason), points: ts.points.length }).toEqual({
        name: m.name,
        reasons: m.expect.rejects,
        points: m.expect.points,
      });
    }
    if (ingest === 'mqtt') await publishAll(io.device, messages);
    else for (const m of messages) expect(await postTelemetry(io.stack, m.topic, m.payload)).toBe(204);

    const expected = predict(messages, nowMs);
    expect(await settleCounts(() => io.stack.query.rejectsByReason(homeId, range), expected.reasons)).toEqual(
      expected.reasons,
    );
    expect(await settleCounts(() => io.stack.query.countPoints(homeId, range), expected.points, 30_000)).toEqual(
      expected.points,
    );
  });
});
