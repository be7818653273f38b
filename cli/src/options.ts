import { InvalidArgumentError } from 'commander';

/** Argument parsers for commander options: a bad value is a usage error that names the option and the value. */
export const positiveInt = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number.');
  return n;
};

export const positiveNumber = (raw: string): number => {
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('expected a positive number.');
  return n;
};

export const numberIn =
  (min: number, max: number, unit: string) =>
  (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number of ${unit} ${min}–${max}.`);
    }
    return n;
  };

/** An ISO-8601 instant, or a date (YYYY-MM-DD, UTC midnight); epoch ms. */
export const instantMs = (raw: string): number => {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('expected a date (YYYY-MM-DD, UTC) or an ISO-8601 time.');
  return ms;
};

/** `FROM..TO` of UTC dates or times, TO exclusive. */
export const timeRange = (raw: string): { fromMs: number; toMs: number } => {
  const m = /^(.+)\.\.(.+)$/.exec(raw);
  const toMs = (s: string): number => Date.parse(/T/.test(s) ? (s.endsWith('Z') ? s : `${s}Z`) : `${s}T00:00:00Z`);
  if (!m) throw new InvalidArgumentError('expected FROM..TO (e.g. 2023-01-01..2023-04-01).');
  const from = toMs(m[1] as string);
  const to = toMs(m[2] as string);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw new InvalidArgumentError('not a valid FROM..TO range of UTC dates (TO after FROM).');
  }
  return { fromMs: from, toMs: to };
};

/** A comma-separated list of numbers ≥ 0, e.g. CO2 prices `0,0.05,0.1`. */
export const numberList = (raw: string): number[] => {
  const xs = raw.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new InvalidArgumentError('expected comma-separated numbers ≥ 0, e.g. 0,0.05,0.1.');
  }
  return xs;
};
