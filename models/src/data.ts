import { hourlyEnergyWh, readHouseholdFiles, readIntensityFiles, type IntensitySeries } from '@carbonreducer/datasets';
import { downsample, mergeSeries, toRegularSeries, upsample, type RegularSeries } from '@carbonreducer/forecast';

/** An inclusive-exclusive UTC time range, ms. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface IntensityData {
  format: IntensitySeries['format'];
  actual: RegularSeries;
  /** The operator's published forecast per slot (NESO only), NaN elsewhere; a benchmark, never a model input. */
  operator: RegularSeries | null;
}

function clip(series: RegularSeries, range?: TimeRange): RegularSeries {
  if (!range) return series;
  const values = series.values.slice();
  values.forEach((_, i) => {
    const from = series.startMs + i * series.stepMs;
    if (from < range.fromMs || from + series.stepMs > range.toMs) values[i] = NaN;
  });
  return { ...series, values };
}

/**
 * Reads intensity files that may mix formats (NESO 30-minute, Electricity Maps hourly) and brings them to
 * `stepMs`: coarser files are interpolated (training data), finer ones averaged.
 */
export async function loadIntensityMixed(paths: string[], stepMs: number, range?: TimeRange): Promise<IntensityData> {
  if (paths.length === 0) throw new Error('no intensity files given');
  const parts = await Promise.all(paths.map((p) => loadIntensity([p], range)));
  const actual = mergeSeries(
    parts.map((p) => (p.actual.stepMs > stepMs ? upsample(p.actual, stepMs) : downsample(p.actual, stepMs))),
  );
  const ops = parts.flatMap((p) => (p.operator ? [downsample(p.operator, Math.max(stepMs, p.operator.stepMs))] : []));
  const format = parts.every((p) => p.format === 'neso') ? 'neso' : 'electricitymaps';
  return {
    format,
    actual,
    operator: ops.length > 0 && ops.every((o) => o.stepMs === stepMs) ? mergeSeries(ops) : null,
  };
}

/** The slot length of each file's format, in ms (read from the files). */
export async function intensityStepsMs(paths: string[]): Promise<number[]> {
  return Promise.all(paths.map(async (p) => (await readIntensityFiles([p])).stepMin * 60_000));
}

export async function loadIntensity(paths: string[], range?: TimeRange): Promise<IntensityData> {
  if (paths.length === 0) throw new Error('no intensity files given');
  const s = await readIntensityFiles(paths);
  const stepMs = s.stepMin * 60_000;
  const actual = toRegularSeries(
    s.points.map((p) => ({ fromMs: p.fromMs, value: p.actualGPerKWh })),
    stepMs,
  );
  const operator =
    s.format === 'neso'
      ? toRegularSeries(
          s.points.map((p) => ({ fromMs: p.fromMs, value: p.forecastGPerKWh })),
          stepMs,
        )
      : null;
  return { format: s.format, actual: clip(actual, range), operator: operator ? clip(operator, range) : null };
}

/** Brings train and test to one step: the finer one is averaged up to the coarser (30 min NESO → hourly). */
export function commonStep(a: RegularSeries, b: RegularSeries): { a: RegularSeries; b: RegularSeries; stepMs: number } {
  const stepMs = Math.max(a.stepMs, b.stepMs);
  return { a: downsample(a, stepMs), b: downsample(b, stepMs), stepMs };
}

/** Household 1-minute files → hourly energy in kWh (the unit the load model works in). */
export async function loadHouseholdHourlyKWh(paths: string[], range?: TimeRange): Promise<RegularSeries> {
  if (paths.length === 0) throw new Error('no household files given');
  const hh = await readHouseholdFiles(paths);
  const { hourStartMs, energyWh } = hourlyEnergyWh(hh, hh.aggregateW);
  const series = toRegularSeries(
    Array.from(hourStartMs, (t, i) => ({ fromMs: t, value: (energyWh[i] as number) / 1000 })),
    3_600_000,
  );
  return clip(series, range);
}

export { mergeSeries };
