import type { Command } from 'commander';
import { command, lazy } from '../command';
import { instantMs } from '../options';

const intensity = lazy<typeof import('@carbonreducer/intensity')>('@carbonreducer/intensity');

export function ingestCommand(): Command {
  return command(
    'ingest',
    'Fetch grid carbon intensity (actuals and forecasts) into InfluxDB once',
    ['carbonreducer ingest', 'INTENSITY_SOURCES=file carbonreducer ingest --now 2023-04-01T12:00:00Z'],
    `Sources and targets come from the environment (INTENSITY_SOURCES, INTENSITY_REGION, INTENSITY_ACTUALS_HOURS,
INTENSITY_FORECAST_HOURS, INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG; libs/intensity/src/config.ts). Prints the result as JSON.`,
  )
    .option('--now <time>', 'replay another moment (ISO-8601), e.g. with the file source', instantMs)
    .action(async (f: { now?: number }) => intensity().runIngest(f.now ?? Date.now()));
}
