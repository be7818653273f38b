import { HALF_HOUR_MS, HOUR_MS, type Logger } from '@carbonreducer/common';
import {
  AllSourcesFailedError,
  backfillActuals,
  createChainFromConfig,
  createInfluxQueryFromConfig,
  missingRanges,
  type IntensityQuery,
  createInfluxWriterFromConfig,
  ingestCarbonIntensity,
  loadIntensityConfig,
  type FallbackChain,
  type IntensityConfig,
  type IntensityWriter,
} from '@carbonreducer/intensity';
import type { IntensityIngestor } from '../ports';
import type { IngestSummary } from '../types';

/** The fallback chain and writer of @carbonreducer/intensity, configured from its own env (INTENSITY_SOURCES, …). */
export async function createIntensityIngestor(options: {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Where points go; default the InfluxDB writer the env configures (tests record instead). */
  writer?: IntensityWriter;
  /** Where stored actuals are read back; default the InfluxDB query the env configures. */
  query?: IntensityQuery;
}): Promise<IntensityIngestor> {
  const config: IntensityConfig = loadIntensityConfig(options.env);
  // A source down for good (no network, a dead API) is passed over for a while after two failures in a row, so a
  // backfill of many chunks does not wait out its retries chunk after chunk.
  const chain: FallbackChain = await createChainFromConfig(config, {
    fetch,
    logger: options.logger,
    circuitBreaker: { failureThreshold: 2, cooldownMs: 5 * 60_000 },
  });
  const writer: IntensityWriter = options.writer ?? createInfluxWriterFromConfig(config);
  let query = options.query;
  const checkRegion = (region: string): void => {
    if (region !== config.region.id) {
      throw new Error(`this worker ingests region ${config.region.id} (INTENSITY_REGION), not ${region}`);
    }
  };
  return {
    backfill: { enabled: config.backfill.enabled, chunkMs: config.backfill.chunkHours * HOUR_MS },

    async missingActuals({ region, from, to }) {
      checkRegion(region);
      query ??= createInfluxQueryFromConfig(config);
      const stored = await query.recentActuals({ regionId: region, sinceMs: from.getTime(), untilMs: to.getTime() });
      return missingRanges(
        stored.map((p) => p.fromMs),
        from.getTime(),
        to.getTime(),
        HALF_HOUR_MS,
      );
    },

    async backfillChunk({ region, from, to, now }) {
      checkRegion(region);
      let r;
      try {
        r = await backfillActuals({
          chain,
          writer,
          region: config.region,
          fromMs: from.getTime(),
          toMs: to.getTime(),
          nowMs: now.getTime(),
          logger: options.logger,
        });
      } catch (err) {
        // No source has these slots (a hole in the source's own data): not worth retrying; the hole stays visible
        // to the forecaster's input check. Transient failures are left to the activity's retries.
        if (err instanceof AllSourcesFailedError && !err.transient) {
          return {
            from: from.toISOString(),
            to: to.toISOString(),
            source: 'none',
            pointsWritten: 0,
            rejected: {},
            error: err.message,
          };
        }
        throw err;
      }
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        source: r.source,
        pointsWritten: r.pointsWritten,
        rejected: nonZero(r.rejected),
      };
    },

    async ingest({ region, now }): Promise<IngestSummary> {
      checkRegion(region);
      const r = await ingestCarbonIntensity({
        chain,
        writer,
        nowMs: now.getTime(),
        region: config.region,
        actualsHours: config.actualsHours,
        forecastHours: config.forecastHours,
        logger: options.logger,
      });
      const tried = [...new Set([...r.skipped.map((s) => s.source), r.source.actuals, r.source.forecast])];
      return {
        region,
        source: r.source.actuals === r.source.forecast ? r.source.actuals : `${r.source.actuals}+${r.source.forecast}`,
        attempts: tried.map((source) => {
          const skipped = r.skipped.filter((s) => s.source === source);
          const ok = source === r.source.actuals || source === r.source.forecast;
          return skipped.length > 0
            ? { source, ok, error: skipped.map((s) => `${s.kind}: ${s.reason}`).join('; ') }
            : { source, ok };
        }),
        pointsWritten: r.actualPoints + r.forecastPoints,
        rejected: nonZero(r.rejected),
      };
    },
  };
}

function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}
