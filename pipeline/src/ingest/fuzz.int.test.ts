import { encodeReading, telemetryTopic } from '@carbonreducer/telemetry';
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

  it('agrees with the TS validator on padding with every whitespace-like code point', async () => {
    // Telegraf's value parser trims Unicode whitespace (Go's unicode.IsSpace) before our processor runs; trimPayload
    // must trim exactly the same set. Every code point that is whitespace to anyone (JS \s, Unicode Z*, controls,
    // format characters such as U+FEFF and U+200B), as padding on both ends and on one end of a valid reading: stored
    // where both trim it, bad_json where neither does.
    const homeId = uniqueHomeId('it-fuzz-ws');
    const nowMs = Date.now();
    const range = { startMs: nowMs - 7_200_000, stopMs: nowMs + 7_200_000 };
    const candidates: string[] = [];
    for (const [from, to] of [
      [0, 0xffff],
      [0xe0000, 0xe007f],
    ] as const) {
      for (let cp = from; cp <= to; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const ch = String.fromCodePoint(cp);
        if (/\s/u.test(ch) || /[\p{Z}\p{Cc}\p{Cf}]/u.test(ch)) candidates.push(ch);
      }
    }
    expect(candidates.length).toBeGreaterThan(150);
    const topic = telemetryTopic(homeId, 'meter', 'main');
    const messages = candidates.flatMap((ch, i) => {
      const reading = (k: number) => encodeReading({ tsMs: nowMs - 3_600_000 + (i * 3 + k) * 1000, powerW: i });
      return [
        { topic, payload: `${ch}${reading(0)}${ch}` },
        { topic, payload: `${ch}${ch}${reading(1)}` },
        { topic, payload: `${reading(2)}${ch}` },
      ];
    });
    const expected = predict(messages, nowMs);
    // Both outcomes occur: some padding is trimmed, some is not.
    expect(expected.points['meter/main']).toBeGreaterThan(20 * 3);
    expect(expected.reasons.bad_json).toBeGreaterThan(100);
    await publishAll(io.device, messages);
    expect(await settleCounts(() => io.stack.query.rejectsByReason(homeId, range), expected.reasons, 90_000)).toEqual(
      expected.reasons,
    );
    expect(await settleCounts(() => io.stack.query.countPoints(homeId, range), expected.points, 30_000)).toEqual(
      expected.points,
    );
  });
});
