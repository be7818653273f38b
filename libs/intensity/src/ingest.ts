import { silentLogger, type Logger } from '@carbonreducer/common';
import type { FallbackChain, SkippedSource } from './chain';
import type { IntensityRegion, IntensityWriter } from './types';

export interface IngestResult {
  /** Which source answered for actuals and which for the forecast (they fall back independently). */
  source: { actuals: string; forecast: string };
  actualPoints: number;
  forecastPoints: number;
  /** Sources passed over, for actuals and forecast, with the reason. */
  skipped: SkippedSource[];
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
  const actuals = await chain.fetchActuals({ fromMs: nowMs - actualsHours * 3_600_000, toMs: nowMs, region });
  // Slots still running at `now` have no actual yet; a replayed file would otherwise reveal them early.
  const actualPoints = actuals.points.filter((p) => p.toMs <= nowMs);
  const forecast = await chain.fetchForecast({ nowMs, horizonMin: forecastHours * 60, region });
  await writer.write([...actualPoints, ...forecast.points], region);
  const result: IngestResult = {
    source: { actuals: actuals.source, forecast: forecast.source },
    actualPoints: actualPoints.length,
    forecastPoints: forecast.points.length,
    skipped: [...actuals.skipped, ...forecast.skipped],
  };
  logger.info('carbon intensity ingested', { region: region.id, ...result });
  return result;
}
