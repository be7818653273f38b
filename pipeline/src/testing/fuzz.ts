import { DEVICE_KINDS, FIELDS, KINDS, TOPIC_ROOT, type DeviceKind, type FieldKey } from '@carbonreducer/telemetry';
import { mulberry32 as prng } from '@carbonreducer/common';

export interface FuzzMessage {
  topic: string;
  payload: string;
}

// ASCII plus non-ASCII that the validators must treat alike: Unicode whitespace (trimmed at the ends by Telegraf's
// value parser and by trimPayload), NUL, characters that look like whitespace but are not (U+FEFF, U+200B), and
// multi-byte letters and an astral emoji (the size limit counts UTF-8 bytes).
const GARBAGE =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}[]:,."\'-+eE_/\\' +
  '\0\u0085\u00a0\u1680\u2003\u2028\u2029\u202f\u3000\ufeff\u200béß電😀';
/** What may pad a payload at either end: each trims away (or, a NUL between spaces, does not) as Telegraf trims. */
const PADDING = [
  '\0',
  ' ',
  '\t',
  '\n',
  '\u0085',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u205f',
  '\u3000',
  '\ufeff',
];

/**
 * Mostly-malformed telemetry for one home: valid readings, then every way of breaking one (wrong types and units,
 * missing and unknown fields, absurd values and times, bad versions, batches, topics, truncated and random text).
 * Device times are unique per message so that accepted points never overwrite each other.
 */
export function fuzzMessages(homeId: string, count: number, nowMs: number, seed = 42): FuzzMessage[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const out: FuzzMessage[] = [];
  const kinds = DEVICE_KINDS as readonly DeviceKind[];
  for (let i = 0; i < count; i++) {
    const kind = pick(kinds);
    const deviceId = `d${Math.floor(rnd() * 5)}`;
    let topic = `${TOPIC_ROOT}/${homeId}/telemetry/${kind}/${deviceId}`;
    const tsMs = nowMs - 3_600_000 + i * 100;
    const reading: Record<string, unknown> = { ts: tsMs };
    const spec = KINDS[kind];
    for (const key of spec.required) reading[key] = value(key, rnd);
    for (const key of spec.optional) if (rnd() < 0.5) reading[key] = value(key, rnd);
    let body: Record<string, unknown> = { v: 1, ...reading };
    let payload: string | undefined;
    const mutation = Math.floor(rnd() * 20);
    switch (mutation) {
      case 0:
      case 1:
        break; // valid
      case 2:
        delete body[pick(Object.keys(body))];
        break;
      case 3:
        body[pick(Object.keys(body))] = pick(['12', null, true, [1], { x: 1 }, '', -0.5]);
        break;
      case 4: {
        const key = pick(spec.required);
        const value = body[key];
        delete body[key];
        body[key.replace(/(W|Wh|A|V|C|GPerKWh|Readings)$/, pick(['KW', 'kWh', 'mA', 'F', 'Kelvin', '']))] = value;
        break;
      }
      case 5:
        body[pick(['colour', 'unit', 'power', 'TS', 'seq', 'temperatureC', 'powerW'])] = 1;
        break;
      case 6: {
        const key = pick(spec.required);
        body[key] = pick([1e9, -1e9, FIELDS[key].max * 10 + 1, FIELDS[key].min - 1]);
        break;
      }
      case 7:
        body.ts = pick([
          nowMs + 3_600_000 + i,
          1_000 + i,
          Math.floor(tsMs / 1000),
          tsMs + 0.5,
          new Date(tsMs).toISOString(),
        ]);
        break;
      case 8:
        body.v = pick([0, 2, '1', null, 1.5, [1]]);
        break;
      case 9:
        if (rnd() < 0.5) delete body.v;
        else body = { ...body, v: 1 };
        break;
      case 10: {
        // A batch: some readings fine, some broken.
        const n = 1 + Math.floor(rnd() * 5);
        const readings = Array.from({ length: n }, (_, j) => {
          const r: Record<string, unknown> = { ts: tsMs + j * 10 };
          for (const key of spec.required) r[key] = rnd() < 0.8 ? value(key, rnd) : pick(['x', 1e12, null]);
          return r;
        });
        body = { v: 1, readings: rnd() < 0.1 ? pick([[], {}, [1], 'x']) : readings };
        break;
      }
      case 11: {
        const text = JSON.stringify(body);
        payload = text.slice(0, Math.floor(rnd() * (text.length - 1)));
        break;
      }
      case 12:
        payload = Array.from({ length: Math.floor(rnd() * 60) }, () => pick([...GARBAGE])).join('');
        break;
      case 13:
        topic = pick([
          `${TOPIC_ROOT}/${homeId}/telemetry/${kind}`,
          `${TOPIC_ROOT}/${homeId}/telemetry/toaster/${deviceId}`,
          `${TOPIC_ROOT}/${homeId}/telemetry/${kind}/${deviceId}/x`,
          `${TOPIC_ROOT}/${homeId}/telemetry/${kind}/Bad Id`,
          `${TOPIC_ROOT}/${homeId}-X/telemetry/${kind}/${deviceId}`,
        ]);
        break;
      case 14:
        topic = `${TOPIC_ROOT}/${homeId}/status/${deviceId}`;
        body = { v: 1, state: pick(['online', 'offline', 'asleep', 3, null]) };
        // Always with ts: status without one is stamped with the receive time, which the TS side cannot predict.
        body.ts = pick([tsMs, nowMs + 3_600_000, 'now']);
        break;
      case 15:
        payload = pick(['', ' ', 'null', '[]', '42', '"text"', '{}', '{"v":1}', 'true']);
        break;
      case 16: {
        // Valid (or not) JSON padded with whitespace, NULs and look-alikes at both ends.
        const pad = () => Array.from({ length: Math.floor(rnd() * 4) }, () => pick(PADDING)).join('');
        payload = pad() + JSON.stringify(body) + pad();
        break;
      }
      default:
        // Several breakages at once.
        delete body[pick(Object.keys(body))];
        body[pick(['x', 'powerKW', 'ts'])] = pick(['1', 99e99, -1]);
        break;
    }
    out.push({ topic, payload: payload ?? JSON.stringify(body) });
  }
  return out;
}

function value(key: FieldKey, rnd: () => number): number {
  const f = FIELDS[key];
  const lo = Math.max(f.min, -1000);
  const hi = Math.min(f.max, 5000);
  return Math.round((lo + rnd() * (hi - lo)) * 100) / 100;
}
