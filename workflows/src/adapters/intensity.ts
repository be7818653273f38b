import type { Logger } from '@carbonreducer/common';
import {
  createChainFromConfig,
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
}): Promise<IntensityIngestor> {
  const config: IntensityConfig = loadIntensityConfig(options.env);
  const chain: FallbackChain = await createChainFromConfig(config, { fetch, logger: options.logger });
  const writer: IntensityWriter = options.writer ?? createInfluxWriterFromConfig(config);
  return {
    async ingest({ region, now }): Promise<IngestSummary> {
      if (region !== config.region.id) {
        throw new Error(`this worker ingests region ${config.region.id} (INTENSITY_REGION), not ${region}`);
      }
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
      };
    },
  };
}
