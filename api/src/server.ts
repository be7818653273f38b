/**
 * The API server: reads the configuration, wires the real clients and listens. `npx carbonreducer-api --help`.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createJsonLogger, errorMessage, type Logger } from '@carbonreducer/common';
import { routeInfluxClientLogs } from '@carbonreducer/influx';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { cachedVerifier, createTokenVerifier, remoteKeys } from './auth/tokens';
import { createPool, PostgresDeviceRegistry, PostgresDirectory } from './adapters/postgres';
import { InfluxTimeSeries } from './adapters/influx';
import { DynsecClient, DynsecDeviceIdentities } from './adapters/dynsec';
import { MqttPublisher } from './adapters/mqtt';
import { TemporalPlanner } from './adapters/temporal';
import { createApp } from './app';
import { CachedForecasts, CachedPlanner } from './cachedPlanner';
import { CONFIG_HELP, loadConfig, type ApiConfig } from './config';
import type { AppDeps } from './deps';
import { createMetrics } from './metrics';
import { createPseudonymizer } from './pseudonym';

export interface RunningApi {
  server: Server;
  url: string;
  /** The HTTPS listener's URL when API_TLS_* are set. */
  tlsUrl: string | null;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Builds the real dependencies from the configuration (shared by the server and the integration tests). */
export function createDeps(config: ApiConfig, log: Logger): { deps: AppDeps; close: () => Promise<void> } {
  const pool = createPool(config.postgresUrl);
  pool.on('error', (err) => log.warn('postgres pool error', { err }));
  const broker = new MqttPublisher(config.mqtt, log);
  const identities = new DynsecDeviceIdentities(new DynsecClient(config.dynsec, log));
  const temporal = new TemporalPlanner(config.temporal);
  const deps: AppDeps = {
    verifier: cachedVerifier(createTokenVerifier(remoteKeys(config.auth.jwksUrl), config.auth)),
    directory: new PostgresDirectory(pool),
    devices: new PostgresDeviceRegistry(pool),
    identities,
    broker,
    series: new CachedForecasts(new InfluxTimeSeries(config.influx), 30_000),
    planner: new CachedPlanner(temporal, 2000),
    pseudonyms: createPseudonymizer(config.secrets.pseudonymKey),
    metrics: createMetrics({ defaultMetrics: true }),
    log,
    secrets: { alertWebhookToken: config.secrets.alertWebhookToken, metricsToken: config.secrets.metricsToken },
    settings: {
      publicUrl: config.publicUrl,
      mqttPublicUrl: config.mqtt.publicUrl,
      bodyLimitBytes: config.bodyLimitBytes,
      requiredAcr: config.auth.requiredAcr,
    },
    now: () => new Date(),
  };
  const close = async (): Promise<void> => {
    await Promise.allSettled([broker.close(), identities.close(), temporal.close(), pool.end()]);
  };
  return { deps, close };
}

export async function startServer(config: ApiConfig, log: Logger): Promise<RunningApi> {
  const { deps, close } = createDeps(config, log);
  const { app } = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const servers: Server[] = [server];
  if (config.tls) {
    const tls = config.tls;
    const read = (file: string, what: string): Buffer => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new Error(`API_TLS_${what}_FILE ${file} cannot be read`, { cause: err });
      }
    };
    const https = createHttpsServer(
      { cert: read(tls.certFile, 'CERT'), key: read(tls.keyFile, 'KEY'), minVersion: 'TLSv1.2' },
      app,
    );
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(tls.port, config.host, () => resolve());
    });
    servers.push(https);
  }
  // Slowloris and idle keep-alive limits; the benchmark's clients keep their connections busy.
  for (const s of servers) {
    s.headersTimeout = 10_000;
    s.requestTimeout = 30_000;
    s.keepAliveTimeout = 5_000;
  }
  return {
    server,
    url: config.publicUrl,
    tlsUrl: config.tls?.publicUrl ?? null,
    deps,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await close();
    },
  };
}

export const HELP = `carbonreducer-api — the CarbonReducer API (Express 5)

Usage: npx carbonreducer-api [--help]

Serves /api/* (OpenAPI document at /api/openapi.json), /healthz and /metrics.
Started by scripts/main.sh (scripts/services.d/40-api.sh) with the stack's environment.

${CONFIG_HELP}
`;

export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  if (argv.length > 0) {
    process.stderr.write(`unknown arguments: ${argv.join(' ')}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(withStackDefaults(process.env));
  const log = createJsonLogger({ level: config.logLevel, fields: { service: 'api' } });
  routeInfluxClientLogs(log);
  const api = await startServer(config, log);
  log.info('listening', { url: api.url, tlsUrl: api.tlsUrl, openapi: `${api.url}/api/openapi.json` });
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('stop failed', { err });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  runCli().catch((err: unknown) => {
    process.stderr.write(`carbonreducer-api: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}
