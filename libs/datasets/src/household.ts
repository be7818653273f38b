import { DatasetParseError, parseUtcTimestamp, splitCsvLine } from './csv';

/**
 * One household's 1-minute power readings, columnar: `timeMs[i]` with `aggregateW[i]` and each appliance's
 * `appliancesW[name][i]`, all in watts. Rows are sorted by time; gaps in the file stay gaps.
 */
export interface HouseholdSeries {
  source: string;
  /** Appliance columns as in the file header, e.g. Kettle, Dishwasher, WashingMachine, Microwave. */
  applianceNames: string[];
  timeMs: Float64Array;
  aggregateW: Float64Array;
  appliancesW: Record<string, Float64Array>;
}

/** Parses `Time,Aggregate,<Appliance>…` (REFIT / UK-DALE as prepared by DeviceScope). Empty cells are NaN. */
export function parseHouseholdCsv(text: string, source = 'household.csv'): HouseholdSeries {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((c) => c.trim());
  if (header[0] !== 'Time' || header[1] !== 'Aggregate') {
    throw new DatasetParseError(
      source,
      1,
      `expected header "Time,Aggregate,…", got ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`,
    );
  }
  const applianceNames = header.slice(2);
  const n = lines.length;
  const timeMs = new Float64Array(n);
  const aggregateW = new Float64Array(n);
  const cols = applianceNames.map(() => new Float64Array(n));
  let rows = 0;
  for (let i = 1; i < n; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const parts = splitCsvLine(line);
    timeMs[rows] = parseUtcTimestamp(parts[0], source, i + 1);
    aggregateW[rows] = cell(parts[1], source, i + 1, 'Aggregate');
    for (let a = 0; a < cols.length; a++) {
      (cols[a] as Float64Array)[rows] = cell(parts[a + 2], source, i + 1, applianceNames[a] ?? '');
    }
    rows++;
  }
  const order = sortedOrder(timeMs, rows);
  const appliancesW: Record<string, Float64Array> = {};
  applianceNames.forEach((name, a) => (appliancesW[name] = reorder(cols[a] as Float64Array, order)));
  return {
    source,
    applianceNames,
    timeMs: reorder(timeMs, order),
    aggregateW: reorder(aggregateW, order),
    appliancesW,
  };
}

function cell(raw: string | undefined, source: string, line: number, column: string): number {
  const s = (raw ?? '').trim();
  if (s === '') return Number.NaN;
  const v = Number(s);
  if (!Number.isFinite(v))
    throw new DatasetParseError(source, line, `column ${column}: not a number: ${JSON.stringify(s)}`);
  return v;
}

function sortedOrder(timeMs: Float64Array, rows: number): Int32Array {
  const order = new Int32Array(rows);
  let sorted = true;
  for (let i = 0; i < rows; i++) {
    order[i] = i;
    if (i > 0 && (timeMs[i] as number) < (timeMs[i - 1] as number)) sorted = false;
  }
  if (!sorted) order.sort((a, b) => (timeMs[a] as number) - (timeMs[b] as number));
  return order;
}

function reorder(values: Float64Array, order: Int32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i] as number] as number;
  return out;
}

/** Concatenates months of one home into one series (files may come in any order; overlapping minutes keep the first). */
export function concatHouseholdSeries(parts: HouseholdSeries[]): HouseholdSeries {
  const first = parts[0];
  if (first === undefined) throw new Error('concatHouseholdSeries: no series given');
  const names = first.applianceNames;
  for (const p of parts) {
    if (p.applianceNames.join(',') !== names.join(',')) {
      throw new Error(
        `concatHouseholdSeries: ${p.source} has columns ${p.applianceNames.join(',')}, expected ${names.join(',')}`,
      );
    }
  }
  const ordered = [...parts].sort((a, b) => (a.timeMs[0] ?? 0) - (b.timeMs[0] ?? 0));
  const total = ordered.reduce((s, p) => s + p.timeMs.length, 0);
  const timeMs = new Float64Array(total);
  const aggregateW = new Float64Array(total);
  const appliancesW: Record<string, Float64Array> = Object.fromEntries(names.map((n) => [n, new Float64Array(total)]));
  let rows = 0;
  let lastMs = -Infinity;
  for (const p of ordered) {
    for (let i = 0; i < p.timeMs.length; i++) {
      const t = p.timeMs[i] as number;
      if (t <= lastMs) continue;
      timeMs[rows] = t;
      aggregateW[rows] = p.aggregateW[i] as number;
      for (const n of names) (appliancesW[n] as Float64Array)[rows] = (p.appliancesW[n] as Float64Array)[i] as number;
      lastMs = t;
      rows++;
    }
  }
  const trimmed: Record<string, Float64Array> = {};
  for (const n of names) trimmed[n] = (appliancesW[n] as Float64Array).slice(0, rows);
  return {
    source: ordered.map((p) => p.source).join('+'),
    applianceNames: names,
    timeMs: timeMs.slice(0, rows),
    aggregateW: aggregateW.slice(0, rows),
    appliancesW: trimmed,
  };
}

/** Hourly energy (Wh) from 1-minute power: mean power over the minutes present × 1 h; NaN where < `minCoverage` present. */
export function hourlyEnergyWh(
  series: Pick<HouseholdSeries, 'timeMs'>,
  powerW: Float64Array,
  minCoverage = 0.8,
): { hourStartMs: Float64Array; energyWh: Float64Array } {
  const n = series.timeMs.length;
  if (n === 0) return { hourStartMs: new Float64Array(0), energyWh: new Float64Array(0) };
  const hour = 3_600_000;
  const startMs = Math.floor((series.timeMs[0] as number) / hour) * hour;
  const endMs = Math.floor((series.timeMs[n - 1] as number) / hour) * hour;
  const hours = (endMs - startMs) / hour + 1;
  const sum = new Float64Array(hours);
  const count = new Float64Array(hours);
  for (let i = 0; i < n; i++) {
    const p = powerW[i] as number;
    if (Number.isNaN(p)) continue;
    const h = Math.floor(((series.timeMs[i] as number) - startMs) / hour);
    sum[h] = (sum[h] as number) + p;
    count[h] = (count[h] as number) + 1;
  }
  const hourStartMs = new Float64Array(hours);
  const energyWh = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    hourStartMs[h] = startMs + h * hour;
    const c = count[h] as number;
    energyWh[h] = c >= 60 * minCoverage ? (sum[h] as number) / c : Number.NaN;
  }
  return { hourStartMs, energyWh };
}
