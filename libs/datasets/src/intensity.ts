import type { Slot } from '@carbonreducer/common';
import { DatasetParseError, csvLines, optionalNumber, parseUtcTimestamp, splitCsvLine } from './csv';

/** One settlement period of grid carbon intensity, gCO2/kWh. */
export interface IntensityRecord extends Slot {
  actualGPerKWh: number | null;
  /** The operator's published forecast for this slot (NESO files only); a benchmark, never a model input. */
  forecastGPerKWh: number | null;
  /** NESO's band: very low … very high. */
  index: string | null;
}

export type IntensityFormat = 'neso' | 'electricitymaps';

export interface IntensitySeries {
  format: IntensityFormat;
  /** Slot length in minutes (30 for NESO, 60 for Electricity Maps). */
  stepMin: number;
  points: IntensityRecord[];
}

const NESO_HEADER = ['from', 'to', 'forecast', 'actual', 'index'];
const EM_TIME = 'Datetime (UTC)';
const EM_DIRECT = 'Carbon intensity gCO₂eq/kWh (direct)';

export function detectIntensityFormat(headerLine: string): IntensityFormat | null {
  const cols = splitCsvLine(headerLine).map((c) => c.trim());
  if (NESO_HEADER.every((c, i) => cols[i] === c)) return 'neso';
  if (cols.includes(EM_TIME) && cols.includes(EM_DIRECT)) return 'electricitymaps';
  return null;
}

/**
 * Parses a NESO (`from,to,forecast,actual,index`) or Electricity Maps hourly CSV. Points come back sorted
 * by time with duplicates removed (the later line wins); missing slots stay missing.
 */
export function parseIntensityCsv(text: string, source = 'intensity.csv'): IntensitySeries {
  const lines = csvLines(text);
  const header = lines[0];
  if (header === undefined) throw new DatasetParseError(source, 1, 'empty file');
  const format = detectIntensityFormat(header);
  if (format === null) {
    throw new DatasetParseError(
      source,
      1,
      `unknown header ${JSON.stringify(header.slice(0, 120))}: expected NESO "${NESO_HEADER.join(',')}" or Electricity Maps "${EM_TIME},…,${EM_DIRECT},…"`,
    );
  }
  const points = format === 'neso' ? parseNeso(lines, source) : parseElectricityMaps(lines, source);
  const byFrom = new Map<number, IntensityRecord>();
  for (const p of points) byFrom.set(p.fromMs, p);
  const sorted = [...byFrom.values()].sort((a, b) => a.fromMs - b.fromMs);
  return { format, stepMin: format === 'neso' ? 30 : 60, points: sorted };
}

function parseNeso(lines: string[], source: string): IntensityRecord[] {
  const out: IntensityRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cols = splitCsvLine(lines[i] ?? '');
    const lineNo = i + 1;
    const fromMs = parseUtcTimestamp(cols[0], source, lineNo);
    const toMs = parseUtcTimestamp(cols[1], source, lineNo);
    if (toMs <= fromMs) throw new DatasetParseError(source, lineNo, '`to` is not after `from`');
    const index = (cols[4] ?? '').trim();
    out.push({
      fromMs,
      toMs,
      forecastGPerKWh: optionalNumber(cols[2], source, lineNo, 'forecast'),
      actualGPerKWh: optionalNumber(cols[3], source, lineNo, 'actual'),
      index: index === '' ? null : index,
    });
  }
  return out;
}

function parseElectricityMaps(lines: string[], source: string): IntensityRecord[] {
  const header = splitCsvLine(lines[0] ?? '').map((c) => c.trim());
  const timeCol = header.indexOf(EM_TIME);
  const directCol = header.indexOf(EM_DIRECT);
  const out: IntensityRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cols = splitCsvLine(lines[i] ?? '');
    const lineNo = i + 1;
    const fromMs = parseUtcTimestamp(cols[timeCol], source, lineNo);
    out.push({
      fromMs,
      toMs: fromMs + 3_600_000,
      actualGPerKWh: optionalNumber(cols[directCol], source, lineNo, EM_DIRECT),
      forecastGPerKWh: null,
      index: null,
    });
  }
  return out;
}

/** Joins several series of the same format (e.g. three Electricity Maps years), sorted, later files winning. */
export function mergeIntensitySeries(series: IntensitySeries[]): IntensitySeries {
  const first = series[0];
  if (first === undefined) throw new Error('mergeIntensitySeries: no series given');
  for (const s of series) {
    if (s.stepMin !== first.stepMin) {
      throw new Error(`mergeIntensitySeries: cannot merge ${first.stepMin}-minute and ${s.stepMin}-minute series`);
    }
  }
  const byFrom = new Map<number, IntensityRecord>();
  for (const s of series) for (const p of s.points) byFrom.set(p.fromMs, p);
  return {
    format: first.format,
    stepMin: first.stepMin,
    points: [...byFrom.values()].sort((a, b) => a.fromMs - b.fromMs),
  };
}
