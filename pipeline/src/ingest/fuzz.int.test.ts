import { fuzzMessages } from '../testing/fuzz';
import { uniqueHomeId } from '../testing/stack';
import { predict, publishAll, settleCounts, useDeviceClient } from '../testing/ingest';

// Telegraf flushes every second and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// Thousands of generated, mostly malformed messages: Telegraf stays up and every one is counted, by reason,
// exactly as the TS validator predicts.
const COUNT = Number(process.env.FUZZ_MESSAGES ?? 3000);

describe('fuzzed telemetry through Telegraf', () => {
  const io = useDeviceClient('fuzz');

  it(`counts all of ${COUNT} generated messages and keeps running`, async () => {
    const homeId = uniqueHomeId('it-fuzz');
    const nowMs = Date.now();
    const range = { startMs: nowMs - 7_200_000, stopMs: nowMs + 7_200_000 };
    const messages = fuzzMessages(homeId, COUNT, nowMs, 20261127);
    const expected = predict(messages, nowMs);
    // Most inputs are broken, and every reason occurs.
    expect(Object.values(expected.reasons).reduce((a, b) => a + b, 0)).toBeGreaterThan(COUNT / 2);
    expect(Object.keys(expected.reasons).length).toBeGreaterThanOrEqual(12);

    await publishAll(io.device, messages);
    expect(await settleCounts(() => io.stack.query.rejectsByReason(homeId, range), expected.reasons, 90_000)).toEqual(
      expected.reasons,
    );
    expect(await settleCounts(() => io.stack.query.countPoints(homeId, range), expected.points, 30_000)).toEqual(
      expected.points,
    );
    const health = await fetch(io.stack.telegrafHealthUrl);
    expect(health.status).toBe(200);
  });
});
