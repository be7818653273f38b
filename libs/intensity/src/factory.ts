import { silentLogger, type Logger } from '@carbonreducer/common';
import { FallbackChain, type CircuitBreakerOptions } from './chain';
import type { IntensityConfig } from './config';
import type { FetchLike } from './http';
import { InfluxIntensityQuery, InfluxIntensityWriter } from './influx';
import { ElectricityMapsSource } from './sources/electricityMaps';
import { FileIntensitySource } from './sources/file';
import { NesoCarbonIntensitySource } from './sources/neso';
import { WattTimeSource } from './sources/wattTime';
import type { CarbonIntensitySource } from './types';

export interface SourceDeps {
  /** Node's global fetch at the edge. */
  fetch: FetchLike;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  circuitBreaker?: CircuitBreakerOptions;
}

/** Builds the sources in the configured order and the fallback chain over them. */
export async function createChainFromConfig(config: IntensityConfig, deps: SourceDeps): Promise<FallbackChain> {
  const http = { fetch: deps.fetch, timeoutMs: config.http.timeoutMs, retries: config.http.retries };
  const sources: CarbonIntensitySource[] = [];
  for (const name of config.sources) {
    switch (name) {
      case 'neso':
        sources.push(new NesoCarbonIntensitySource({ ...http, ...config.neso }));
        break;
      case 'electricitymaps':
        if (!config.electricityMaps) throw new Error('electricitymaps is listed but not configured');
        sources.push(new ElectricityMapsSource({ ...http, ...config.electricityMaps }));
        break;
      case 'watttime':
        if (!config.wattTime) throw new Error('watttime is listed but not configured');
        sources.push(new WattTimeSource({ ...http, ...config.wattTime }));
        break;
      case 'file':
        sources.push(
          await FileIntensitySource.fromSharedData({
            files: config.file.files,
            replay: config.file.replay,
            ...(config.region.fileRegion !== undefined ? { fileRegion: config.region.fileRegion } : {}),
            ...(deps.env !== undefined ? { env: deps.env } : {}),
          }),
        );
        break;
    }
  }
  return new FallbackChain(sources, {
    logger: deps.logger ?? silentLogger,
    ...(deps.circuitBreaker ? { circuitBreaker: deps.circuitBreaker } : {}),
  });
}

function influxOf(config: IntensityConfig): NonNullable<IntensityConfig['influx']> {
  if (!config.influx) throw new Error('INFLUX_URL is not set: cannot write or read the carbon_intensity bucket');
  return config.influx;
}

export function createInfluxWriterFromConfig(config: IntensityConfig): InfluxIntensityWriter {
  return new InfluxIntensityWriter(influxOf(config));
}

export function createInfluxQueryFromConfig(config: IntensityConfig): InfluxIntensityQuery {
  return new InfluxIntensityQuery(influxOf(config));
}
