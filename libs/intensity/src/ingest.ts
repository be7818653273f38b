import { silentLogger, type Logger } from '@carbonreducer/common';
import { HOUR_MS } from '@carbonreducer/common';
import type { FallbackChain, SkippedSource } from './chain';
import { countRejects, type RejectedPoint, type RejectReason } from './screen';
import type { IntensityRegion, IntensityWriter } from './types';

export interface IngestResult {
  /** Which source answered for actuals and which for the forecast (they fall back independently). */
  source: { actuals: string; forecast: string };
  actualPoints: number;
  forecastPoints: number;
  /** Sources passed over, for actuals and forecast, with the reason. */
  skipped: SkippedSource[];
  /** Points refused one by one (never written), by reason. */
  rejected: Record<RejectReason, number>;
}

export interface IngestOptions {
  chain: FallbackChain;
  writer: IntensityWriter;
  /** Wall clock, ms. */
  nowMs: number;
  region: IntensityRegion;
  /** Actuals for [now - actualsHours, now). Default 24. */
  actualsHours?: number;
  /** Forecast for [now, now + forecastHours). Default 48. */
  forecastHours?: number;
  logger?: Logger;
}

/**
 * Fetches the last hours of actuals and the latest forecast through the fallback chain and writes both.
 * Fails (AllSourcesFailedError) only if no source answers for one of them; nothing fetched is dropped: both sets are
 * fetched before anything is written, and a write error propagates so the caller (a Temporal activity) retries.
 */
export async function ingestCarbonIntensity(options: IngestOptions): Promise<IngestResult> {
  const { chain, writer, nowMs, region } = options;
  const logger = options.logger ?? silentLogger;
  const actualsHours = options.actualsHours ?? 24;
  const forecastHours = options.forecastHours ?? 48;
  const actuals = await chain.fetchActuals({ fromMs: nowMs - actualsHours * HOUR_MS, toMs: nowMs, region });
  // Slots still running at `now` have no actual yet; a replayed file would otherwise reveal them early.
  const actualPoints = actuals.points.filter((p) => p.toMs <= nowMs);
  const forecast = await chain.fetchForecast({ nowMs, horizonMin: forecastHours * 60, region });
  const rejected = [...actuals.rejected, ...forecast.rejected];
  await writer.write([...actualPoints, ...forecast.points], region);
  if (rejected.length > 0) await writer.writeRejects?.(rejected, region, nowMs);
  const result: IngestResult = {
    source: { actuals: actuals.source, forecast: forecast.source },
    actualPoints: actualPoints.length,
    forecastPoints: forecast.points.length,
    skipped: [...actuals.skipped, ...forecast.skipped],
    rejected: countRejects(rejected),
  };
  logger.info('carbon intensity ingested', { region: region.id, ...result });
  return result;
}

export interface BackfillResult {
  /** The source that answered for the chunk. */
  source: string;
  pointsWritten: number;
  rejected: Record<RejectReason, number>;
  skipped: SkippedSource[];
}

/**
 * Fetches the actuals of one chunk [fromMs, toMs) of the past through the fallback chain and writes the slots that
 * have ended by `nowMs`. Idempotent: a slot written twice is overwritten in place (same series and time).
 */
export async function backfillActuals(options: {
  chain: FallbackChain;
  writer: IntensityWriter;
  region: IntensityRegion;
  fromMs: number;
  toMs: number;
  nowMs: number;
  logger?: Logger;
}): Promise<BackfillResult> {
  const { chain, writer, region, nowMs } = options;
  if (!(options.toMs > options.fromMs)) {
    throw new RangeError(`backfillActuals: empty range ${options.fromMs}..${options.toMs}`);
  }
  const toMs = Math.min(options.toMs, nowMs);
  const actuals = await chain.fetchActuals({ fromMs: options.fromMs, toMs, region });
  const points = actuals.points.filter((p) => p.toMs <= nowMs && p.fromMs >= options.fromMs && p.fromMs < toMs);
  await writer.write(points, region);
  if (actuals.rejected.length > 0) await writer.writeRejects?.(actuals.rejected, region, nowMs);
  const result: BackfillResult = {
    source: actuals.source,
    pointsWritten: points.length,
    rejected: countRejects(actuals.rejected),
    skipped: actuals.skipped,
  };
  (options.logger ?? silentLogger).info('carbon-intensity actuals backfilled', {
    region: region.id,
    from: new Date(options.fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    ...result,
  });
  return result;
}

export type { RejectedPoint };
