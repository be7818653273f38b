import { LIMITS } from './contract';
import { encodeBatch, encodeReading, encodeStatus } from './encode';
import { GOLDEN_CASES, renderTemplate } from './fixtures';
import { toLineProtocol } from './lineProtocol';
import { parseTopic, statusTopic, telemetryTopic } from './topics';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trimPayload, validateMessage } from './validate';

const nowMs = Date.UTC(2026, 10, 27, 12, 0, 0);
const ctx = { receivedAtMs: nowMs };

describe('golden contract fixtures', () => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const topic = renderTemplate(c.topic, { homeId: 'home-1', nowMs });
    const payload = renderTemplate(c.payload, { homeId: 'home-1', nowMs });
    const result = validateMessage(topic, payload, ctx);
    expect(result.points).toHaveLength(c.expect.points);
    expect(result.rejects.map((r) => r.reason)).toEqual(c.expect.rejects);
    if (c.expect.details) expect(result.rejects.map((r) => r.detail)).toEqual(c.expect.details);
  });
});

describe('validateMessage', () => {
  it('turns a reading into a point keyed by device time, with snake_case float fields', () => {
    const topic = telemetryTopic('h1', 'plug', 'kettle');
    const result = validateMessage(topic, encodeReading({ tsMs: nowMs - 1000, powerW: 2950, energyWh: 12 }), ctx);
    expect(result).toEqual({
      points: [
        {
          measurement: 'plug',
          tags: { home_id: 'h1', device_id: 'kettle' },
          fields: { power_w: 2950, energy_wh: 12 },
          timeMs: nowMs - 1000,
        },
      ],
      rejects: [],
    });
    expect(toLineProtocol(result.points[0]!)).toBe(
      `plug,device_id=kettle,home_id=h1 power_w=2950,energy_wh=12 ${nowMs - 1000}`,
    );
  });

  it('gives the same point for a redelivered message (idempotent)', () => {
    const topic = telemetryTopic('h1', 'meter', 'main');
    const payload = encodeReading({ tsMs: nowMs - 5000, powerW: 100 });
    const first = validateMessage(topic, payload, ctx);
    const again = validateMessage(topic, payload, { receivedAtMs: nowMs + 60_000 });
    expect(again.points).toEqual(first.points);
  });

  it('accepts a batch up to the limit and rejects one above it', () => {
    const topic = telemetryTopic('h1', 'meter', 'main');
    const readings = Array.from({ length: LIMITS.maxBatchReadings }, (_, i) => ({ tsMs: nowMs - i * 1000, powerW: i }));
    expect(validateMessage(topic, encodeBatch(readings), ctx).points).toHaveLength(LIMITS.maxBatchReadings);
    const tooMany = [...readings, { tsMs: nowMs, powerW: 1 }];
    expect(validateMessage(topic, encodeBatch(tooMany), ctx).rejects).toEqual([
      { reason: 'bad_batch', detail: `${LIMITS.maxBatchReadings + 1} readings > ${LIMITS.maxBatchReadings}` },
    ]);
  });

  it('rejects payloads above the size limit before parsing them', () => {
    const topic = telemetryTopic('h1', 'meter', 'main');
    const huge = `{"v":1,"ts":${nowMs},"powerW":1,"pad":"${'x'.repeat(LIMITS.maxPayloadBytes)}"}`;
    expect(validateMessage(topic, huge, ctx).rejects[0]?.reason).toBe('payload_too_large');
  });

  it('uses the receive time for a last will without ts', () => {
    const result = validateMessage(statusTopic('h1', 'kettle'), encodeStatus('offline'), ctx);
    expect(result.points[0]).toMatchObject({ measurement: 'device_status', fields: { online: false }, timeMs: nowMs });
  });

  it('accepts a reading at the future-skew bound and rejects one past it', () => {
    const topic = telemetryTopic('h1', 'meter', 'main');
    const at = encodeReading({ tsMs: nowMs + LIMITS.maxFutureSkewMs, powerW: 1 });
    const past = encodeReading({ tsMs: nowMs + LIMITS.maxFutureSkewMs + 1, powerW: 1 });
    expect(validateMessage(topic, at, ctx).points).toHaveLength(1);
    expect(validateMessage(topic, past, ctx).rejects[0]?.reason).toBe('ts_in_future');
  });

  it('never throws on arbitrary input', () => {
    const topic = telemetryTopic('h1', 'meter', 'main');
    for (const payload of ['{', '"', 'null', '{"v":1,"readings":[null]}', '{"v":1,"__proto__":{"ts":1}}', '\u0000']) {
      const result = validateMessage(topic, payload, ctx);
      expect(result.points.length + result.rejects.length).toBeGreaterThan(0);
    }
  });
});

describe('topics', () => {
  it('builds and parses contract topics', () => {
    expect(telemetryTopic('home-7', 'plug', 'washing_machine')).toBe(
      'carbonreducer/home-7/telemetry/plug/washing_machine',
    );
    expect(parseTopic('carbonreducer/home-7/telemetry/plug/washing_machine')).toEqual({
      type: 'telemetry',
      homeId: 'home-7',
      kind: 'plug',
      deviceId: 'washing_machine',
    });
    expect(parseTopic('carbonreducer/home-7/status/kettle')).toEqual({
      type: 'status',
      homeId: 'home-7',
      deviceId: 'kettle',
    });
    expect(parseTopic('carbonreducer/home-7/commands/kettle')).toBeUndefined();
  });

  it('refuses ids that are not safe as topic levels and tags', () => {
    expect(() => telemetryTopic('Home 1', 'plug', 'k')).toThrow(/homeId "Home 1" is not a valid id/);
    expect(() => statusTopic('h', '-x')).toThrow(/deviceId/);
  });
});

// The cases Telegraf's value parser trims the same way (pipeline/telegraf-processor/trim_test.go runs them through it).
const TRIM_CASES = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'trim.json'), 'utf8')) as {
    cases: { name: string; input: string; trimmed: string }[];
  }
).cases;

describe('trimPayload (as Telegraf: NULs at both ends, then Unicode whitespace)', () => {
  it.each(TRIM_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(trimPayload(c.input)).toBe(c.trimmed);
  });

  it('accepts JSON padded with U+00A0 or U+2028 (Telegraf stores it)', () => {
    const topic = telemetryTopic('h1', 'meter', 'main');
    const body = encodeReading({ tsMs: nowMs - 1000, powerW: 5 });
    expect(validateMessage(topic, `\u00a0${body}\u00a0`, ctx).points).toHaveLength(1);
    expect(validateMessage(topic, `\u2028${body}\u2029\u3000`, ctx).points).toHaveLength(1);
  });

  it('trims NUL, space, NUL to nothing but keeps the NUL of space, NUL, space (as Telegraf does)', () => {
    expect(trimPayload('\0 \0')).toBe('');
    expect(trimPayload(' \0 ')).toBe('\0');
    const topic = telemetryTopic('h1', 'meter', 'main');
    expect(validateMessage(topic, ' \0 ', ctx).rejects.map((r) => r.reason)).toEqual(['bad_json']);
  });

  it('keeps every character that is not Unicode whitespace (all of the BMP, one at a time)', () => {
    const space = new Set(
      [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000].concat(
        Array.from({ length: 11 }, (_, i) => 0x2000 + i),
      ),
    );
    for (let cp = 1; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCharCode(cp);
      expect([cp, trimPayload(`${ch}x${ch}`)]).toEqual([cp, space.has(cp) ? 'x' : `${ch}x${ch}`]);
    }
  });
});
