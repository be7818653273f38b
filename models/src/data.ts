import { hourlyEnergyWh, readHouseholdFiles, readIntensityFiles, type IntensitySeries } from '@carbonreducer/datasets';
import {
  addSubSlotJitter,
  downsample,
  mergeSeries,
  subSlotJitterRms,
  toRegularSeries,
  upsample,
  type RegularSeries,
} from '@carbonreducer/forecast';

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

export interface MixedLoadOptions {
  /**
   * Training data only: interpolated slots of a coarser file get sub-slot noise of this share of the jitter measured
   * in the files given at `stepMs` itself (see `subSlotJitter` below); 0 or absent = plain interpolation.
   */
  subSlotJitterShare?: number;
  /** Seed of that noise (default 1; file i uses seed + i). */
  seed?: number;
}

/**
 * Reads intensity files that may mix formats (NESO 30-minute, Electricity Maps hourly) and brings them to
 * `stepMs`: coarser files are interpolated (training data), finer ones averaged. With `subSlotJitterShare`, the
 * interpolated files are made as rough as a measured series: see `subSlotJitter`.
 */
export async function loadIntensityMixed(
  paths: string[],
  stepMs: number,
  range?: TimeRange,
  options: MixedLoadOptions = {},
): Promise<IntensityData> {
  if (paths.length === 0) throw new Error('no intensity files given');
  const parts = await Promise.all(paths.map((p) => loadIntensity([p], range)));
  const jitter = subSlotJitter(
    parts.map((p) => p.actual),
    stepMs,
    options.subSlotJitterShare ?? 0,
  );
  const actual = mergeSeries(
    parts.map((p, i) => {
      if (p.actual.stepMs <= stepMs) return downsample(p.actual, stepMs);
      const smooth = upsample(p.actual, stepMs);
      const sigma = jitter.get(p.actual.stepMs);
      return sigma === undefined ? smooth : addSubSlotJitter(smooth, p.actual.stepMs, sigma, (options.seed ?? 1) + i);
    }),
  );
  const ops = parts.flatMap((p) => (p.operator ? [downsample(p.operator, Math.max(stepMs, p.operator.stepMs))] : []));
  const format = parts.every((p) => p.format === 'neso') ? 'neso' : 'electricitymaps';
  return {
    format,
    actual,
    operator: ops.length > 0 && ops.every((o) => o.stepMs === stepMs) ? mergeSeries(ops) : null,
  };
}

/**
 * The noise (gCO2/kWh, standard deviation per slot) to add to each coarser step's interpolated slots: `share` × the
 * RMS difference between the series measured at `stepMs` and the interpolation of their own coarse means. An
 * Electricity Maps hourly file interpolated to 30 minutes is smoother than NESO's measured half-hours (half-hour
 * changes correlate 0.65 with NESO's in Jan–Feb 2023, 2-hour ones 0.93), so a model trained on it over-trusts the
 * last half-hour's move. Half the measured jitter (0.5 × 3.2 gCO2/kWh on NESO Jan–Feb 2023) was chosen on the two
 * validation splits (see the README). Empty when there is nothing measured at `stepMs` to take the jitter from.
 */
export function subSlotJitter(series: RegularSeries[], stepMs: number, share: number): Map<number, number> {
  const out = new Map<number, number>();
  if (!(share >= 0 && Number.isFinite(share))) throw new RangeError(`subSlotJitterShare must be ≥ 0, got ${share}`);
  const measured = series.filter((s) => s.stepMs === stepMs);
  if (share === 0 || measured.length === 0) return out;
  const fine = mergeSeries(measured);
  for (const s of series) {
    if (s.stepMs <= stepMs || out.has(s.stepMs)) continue;
    out.set(s.stepMs, share * subSlotJitterRms(fine, s.stepMs));
  }
  return out;
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
