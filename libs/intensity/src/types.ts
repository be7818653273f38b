import type { Slot } from '@carbonreducer/common';
import type { RejectedPoint } from './screen';

/**
 * One slot of grid carbon intensity, gCO2(eq)/kWh, from one source.
 * `issuedAtMs` is when a forecast was issued (ms since epoch, UTC): null for actuals, and null for forecasts whose
 * issue time is unknown (the NESO CSV's `forecast` column), which are benchmarks, never model inputs.
 */
export interface IntensityPoint extends Slot {
  intensityGPerKWh: number;
  kind: 'actual' | 'forecast';
  issuedAtMs: number | null;
  /** Name of the source that produced the point (`neso`, `electricitymaps`, `watttime`, `file`). */
  source: string;
}

/**
 * Where the intensity is wanted. `id` is what we store as the `region` tag; each source looks up its own identifier
 * and refuses (UnsupportedRegionError) a region it has none for, so a fallback chain skips it with a reason.
 */
export interface IntensityRegion {
  /** Our name for the region, e.g. `GB` or `GB-13`. */
  id: string;
  /** NESO Carbon Intensity API: `national` (GB) or a regional id 1–17 (regional data are forecasts only). */
  neso?: 'national' | { regionId: number };
  /** Electricity Maps zone key, e.g. `GB`. */
  electricityMapsZone?: string;
  /** WattTime region (balancing authority), e.g. `CAISO_NORTH`. */
  wattTimeRegion?: string;
  /** Region covered by the CSV files of the file source (`GB` for the shared NESO and Electricity Maps files). */
  fileRegion?: string;
}

export interface ForecastRequest {
  /** The wall clock (ms): the newest forecast issued at or before this time is wanted. */
  nowMs: number;
  /** How far ahead of `nowMs` the forecast should reach, in minutes. */
  horizonMin: number;
  region: IntensityRegion;
}

export interface ActualsRequest {
  fromMs: number;
  toMs: number;
  region: IntensityRegion;
}

/**
 * What a source measures: `average` intensity of the electricity generated (NESO, Electricity Maps) or the
 * `marginal` operating emissions rate (WattTime MOER). They are not interchangeable; the `source` tag tells them apart.
 */
export type IntensitySignal = 'average' | 'marginal';

/** A provider of actual and forecast carbon intensity. Implementations validate every answer before returning it. */
export interface CarbonIntensitySource {
  readonly name: string;
  readonly signal: IntensitySignal;
  /** Actual (measured or estimated after the fact) intensity of the slots overlapping [fromMs, toMs). */
  fetchActuals(request: ActualsRequest): Promise<IntensityPoint[]>;
  /** The latest forecast issued at or before `nowMs`, covering roughly [nowMs, nowMs + horizonMin). */
  fetchForecast(request: ForecastRequest): Promise<IntensityPoint[]>;
}

/** Stores intensity points (the InfluxDB implementation writes the `carbon_intensity` bucket). */
export interface IntensityWriter {
  write(points: IntensityPoint[], region: IntensityRegion): Promise<void>;
  /** Records refused points, counted by source and reason (`intensity_rejects`); optional for test writers. */
  writeRejects?(rejected: RejectedPoint[], region: IntensityRegion, nowMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface StoredIntensityPoint extends IntensityPoint {
  region: string;
}

/** Reads stored intensity back. */
export interface IntensityQuery {
  /** Actual points of `regionId` with fromMs in [sinceMs, untilMs), oldest first; all sources unless `source` is given. */
  recentActuals(options: {
    regionId: string;
    sinceMs: number;
    untilMs: number;
    source?: string;
  }): Promise<StoredIntensityPoint[]>;
  /**
   * The points of the most recently issued forecast for `regionId` whose slots start after `nowMs - lookbackMin`.
   * Forecasts with an unknown issue time are only returned when there is no forecast with a known one.
   */
  latestForecast(options: {
    regionId: string;
    nowMs: number;
    lookbackMin?: number;
    source?: string;
  }): Promise<StoredIntensityPoint[]>;
}
