import { createJsonLogger, errorMessage } from '@carbonreducer/common';
import { loadIntensityConfig } from '../config';
import { createChainFromConfig, createInfluxWriterFromConfig } from '../factory';
import { routeInfluxClientLogs } from '@carbonreducer/influx';
import { ingestCarbonIntensity } from '../ingest';

/**
 * `npx ingest-intensity [--now ISO]`: one ingest run with the configured sources (env, see config.ts), writing to
 * InfluxDB; prints the result as JSON. `--now` replays another moment (useful with the file source).
 */
async function run(): Promise<void> {
  const args = process.argv.slice(2);
  let nowMs = Date.now();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--now') {
      const value = args[++i];
      nowMs = Date.parse(value ?? '');
      if (!Number.isFinite(nowMs)) throw new Error(`--now: not an ISO-8601 time: ${JSON.stringify(value)}`);
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)} (usage: ingest-intensity [--now ISO-8601])`);
    }
  }
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

run().catch((err: unknown) => {
  console.error(`ingest-intensity: ${errorMessage(err)}`);
  if (err instanceof Error && err.cause !== undefined) console.error(`  cause: ${errorMessage(err.cause)}`);
  process.exit(1);
});
