import { createJsonLogger } from '@carbonreducer/common';
import { loadIntensityConfig } from '../config';
import { createChainFromConfig, createInfluxWriterFromConfig } from '../factory';
import { routeInfluxClientLogs } from '@carbonreducer/influx';
import { ingestCarbonIntensity } from '../ingest';

/**
 * `carbonreducer ingest [--now ISO]` (old name `ingest-intensity`; its command line is read in
 * cli/src/commands/ingest.ts): one ingest run with the configured sources (env, see config.ts), writing to InfluxDB;
 * prints the result as JSON. `nowMs` replays another moment (useful with the file source).
 */
export async function runIngest(nowMs: number = Date.now()): Promise<void> {
  const config = loadIntensityConfig();
  const logger = createJsonLogger({ fields: { service: 'ingest-intensity' } });
  routeInfluxClientLogs(logger);
  const chain = await createChainFromConfig(config, { fetch: globalThis.fetch, logger });
  const writer = createInfluxWriterFromConfig(config);
  try {
    const result = await ingestCarbonIntensity({
      chain,
      writer,
      nowMs,
      region: config.region,
      actualsHours: config.actualsHours,
      forecastHours: config.forecastHours,
      logger,
    });
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await writer.close();
  }
}
