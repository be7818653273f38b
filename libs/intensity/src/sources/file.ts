import { WEEK_MS } from '@carbonreducer/common';
import { readIntensityFiles, sharedDataPath, type IntensitySeries } from '@carbonreducer/datasets';
import { basename } from 'node:path';
import { NoDataError, UnsupportedRegionError } from '../errors';
import type { ActualsRequest, CarbonIntensitySource, ForecastRequest, IntensityPoint, IntensityRegion } from '../types';

/** The shared NESO file: GB national, half-hourly 2023-01-01…2023-06-30, with NESO's own forecast column. */
export const DEFAULT_INTENSITY_FILES = ['carbon-intensity/neso-gb-national-2023H1.csv'];

/**
 * Maps live time onto the file's period so that a six-month file can be replayed as if it were live, forever.
 * The shift is a whole number of weeks (the longest whole-week cycle that fits in the file), so time of day and
 * weekday are preserved; live times before/after the file wrap around cyclically.
 */
export class ReplayClock {
  readonly cycleMs: number;

  constructor(
    readonly fileStartMs: number,
    fileEndMs: number,
  ) {
    this.cycleMs = Math.floor((fileEndMs - fileStartMs) / WEEK_MS) * WEEK_MS;
    if (this.cycleMs <= 0) throw new Error('ReplayClock: the file covers less than one week, too short to replay');
  }

  /** The file time that plays the part of `liveMs`. */
  toFileMs(liveMs: number): number {
    const offset = (((liveMs - this.fileStartMs) % this.cycleMs) + this.cycleMs) % this.cycleMs;
    return this.fileStartMs + offset;
  }
}

export interface FileSourceOptions {
  series: IntensitySeries;
  /** Region the file covers; only requests for a region whose `fileRegion` matches are served. */
  fileRegion: string;
  /** Replay the file as if it were live (see ReplayClock). Off: timestamps are the file's own. */
  replay: boolean;
  /** Label in the `source` tag and in errors, e.g. `file`. */
  name?: string;
  /** Files the series came from, for messages. */
  files?: string[];
}

/**
 * Carbon intensity from the CSVs in the shared data folder (NESO half-hourly, Electricity Maps hourly).
 * Actuals are the files' actual values. Forecasts exist only for NESO files: the `forecast` column is NESO's own
 * latest forecast for each slot, but the file does not say when it was issued, so these points carry
 * `issuedAtMs: null`. They are a benchmark to compare forecasters against, never a true issued forecast or a model input.
 */
export class FileIntensitySource implements CarbonIntensitySource {
  readonly name: string;
  readonly signal = 'average' as const;
  private readonly byFromMs = new Map<number, IntensitySeries['points'][number]>();
  private readonly stepMs: number;
  private readonly clock: ReplayClock | null;
  private readonly label: string;

  constructor(private readonly options: FileSourceOptions) {
    this.name = options.name ?? 'file';
    const { points } = options.series;
    const first = points[0];
    const last = points[points.length - 1];
    if (first === undefined || last === undefined) throw new Error(`${this.name}: the intensity files hold no points`);
    for (const p of points) this.byFromMs.set(p.fromMs, p);
    this.stepMs = options.series.stepMin * 60_000;
    this.clock = options.replay ? new ReplayClock(first.fromMs, last.toMs) : null;
    this.label = options.files?.map((f) => basename(f)).join(', ') ?? `${points.length} points`;
  }

  /** Reads the files (paths relative to the shared data folder, `$CARBONREDUCER_DATA`). */
  static async fromSharedData(options: {
    files?: string[];
    fileRegion?: string;
    replay: boolean;
    env?: NodeJS.ProcessEnv;
    name?: string;
  }): Promise<FileIntensitySource> {
    const files = (options.files ?? DEFAULT_INTENSITY_FILES).map((f) => sharedDataPath(f, options.env));
    const series = await readIntensityFiles(files);
    return new FileIntensitySource({
      series,
      fileRegion: options.fileRegion ?? 'GB',
      replay: options.replay,
      files,
      ...(options.name !== undefined ? { name: options.name } : {}),
    });
  }

  private checkRegion(region: IntensityRegion): void {
    if (region.fileRegion !== this.options.fileRegion) {
      throw new UnsupportedRegionError(
        this.name,
        `the files (${this.label}) cover ${this.options.fileRegion}, not region ${region.id} (fileRegion ${region.fileRegion ?? 'unset'})`,
      );
    }
  }

  /** Slots of the series overlapping [fromMs, toMs) in live time, with the file point that plays each one. */
  private slots(fromMs: number, toMs: number): { liveFromMs: number; point: IntensitySeries['points'][number] }[] {
    const out: { liveFromMs: number; point: IntensitySeries['points'][number] }[] = [];
    const start = Math.floor(fromMs / this.stepMs) * this.stepMs;
    for (let live = start; live < toMs; live += this.stepMs) {
      const fileMs = this.clock ? this.clock.toFileMs(live) : live;
      const point = this.byFromMs.get(fileMs);
      if (point !== undefined) out.push({ liveFromMs: live, point });
    }
    return out;
  }

  async fetchActuals({ fromMs, toMs, region }: ActualsRequest): Promise<IntensityPoint[]> {
    this.checkRegion(region);
    const out: IntensityPoint[] = [];
    for (const { liveFromMs, point } of this.slots(fromMs, toMs)) {
      if (point.actualGPerKWh === null) continue;
      out.push({
        fromMs: liveFromMs,
        toMs: liveFromMs + (point.toMs - point.fromMs),
        intensityGPerKWh: point.actualGPerKWh,
        kind: 'actual',
        issuedAtMs: null,
        source: this.name,
      });
    }
    return out;
  }

  async fetchForecast({ nowMs, horizonMin, region }: ForecastRequest): Promise<IntensityPoint[]> {
    this.checkRegion(region);
    if (this.options.series.format !== 'neso') {
      throw new NoDataError(this.name, `the files (${this.label}) hold actuals only, no forecast column`);
    }
    const out: IntensityPoint[] = [];
    for (const { liveFromMs, point } of this.slots(nowMs, nowMs + horizonMin * 60_000)) {
      if (point.forecastGPerKWh === null) continue;
      out.push({
        fromMs: liveFromMs,
        toMs: liveFromMs + (point.toMs - point.fromMs),
        intensityGPerKWh: point.forecastGPerKWh,
        kind: 'forecast',
        issuedAtMs: null,
        source: this.name,
      });
    }
    return out;
  }
}
