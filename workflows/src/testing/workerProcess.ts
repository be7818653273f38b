import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { BUCKETS, INFLUX_ORG } from '@carbonreducer/influx';
import { Client, Connection } from '@temporalio/client';
import { InfluxForecastStore } from '../adapters/influx';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { ensureNamespace } from './namespace';

export { waitFor } from './waitFor';

/** The integration tests' own namespace, so a worker started by the main job on the same server never takes their tasks. */
export const IT_NAMESPACE = 'carbonreducer-it';

const repoRoot = resolve(__dirname, '..', '..', '..');

/** Addresses and secrets of the running native stack (`scripts/stack up`), for integration tests. */
export function stackSettings() {
  const stack = loadStackEnv();
  return {
    temporalAddress: `127.0.0.1:${stack.port('TEMPORAL_PORT')}`,
    influx: {
      url: `http://127.0.0.1:${stack.port('INFLUXDB_PORT')}`,
      token: stack.get('INFLUXDB_APP_TOKEN'),
      org: INFLUX_ORG,
    },
    mqtt: {
      url: `mqtt://127.0.0.1:${stack.port('MQTT_PORT')}`,
      username: 'service',
      password: stack.get('MQTT_SERVICE_PASSWORD'),
    },
    postgresUrl: `postgresql://carbonreducer:${encodeURIComponent(stack.get('POSTGRES_PASSWORD'))}@127.0.0.1:${stack.port('POSTGRES_PORT')}/carbonreducer`,
  };
}

/**
 * Starts workflows/src/worker.ts with tsx as one process (`node --require tsx/cjs`: the tsx CLI would fork a child that
 * survives a SIGKILL of its parent), leading its own process group, and resolves once it logs that it is running.
 * `started` collects every child so the caller's afterAll can kill them.
 */
export function startWorker(options: {
  /** Default: IT_NAMESPACE. */
  namespace?: string;
  region: string;
  started: ChildProcess[];
  env?: Record<string, string>;
  /** Receives everything the worker writes to stderr (JSON log lines), for as long as it runs. */
  log?: string[];
}): Promise<ChildProcess> {
  const settings = stackSettings();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(repoRoot, 'workflows', 'src', 'worker.ts')], {
    cwd: repoRoot,
    detached: true,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      TEMPORAL_NAMESPACE: options.namespace ?? IT_NAMESPACE,
      INFLUX_TOKEN: settings.influx.token,
      INFLUX_URL: settings.influx.url,
      MQTT_URL: settings.mqtt.url,
      MQTT_SERVICE_PASSWORD: settings.mqtt.password,
      POSTGRES_URL: settings.postgresUrl,
      REGION: options.region,
      INTENSITY_SOURCES: 'file',
      ENSURE_SCHEDULES: 'false',
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  options.started.push(child);
  let log = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start within 120 s:\n${log.slice(-3000)}`)),
      120_000,
    );
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString('utf8');
      options.log?.push(d.toString('utf8'));
      if (log.includes('"msg":"worker running"')) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before running:\n${log.slice(-3000)}`));
    });
  });
}

/** Signals the worker's process group; resolves with its exit code (null when the signal killed it). */
export function killWorker(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
    child.once('exit', (code) => {
      // Nothing of the worker may keep Jest from exiting.
      child.stderr?.destroy();
      child.unref();
      res(code);
    });
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      child.kill(signal);
    }
  });
}

/** Connects to the stack's Temporal dev server and makes `namespace` ready; fails saying how to start the server. */
export async function connectTestTemporal(
  namespace: string = IT_NAMESPACE,
): Promise<{ connection: Connection; client: Client }> {
  const { temporalAddress } = stackSettings();
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: temporalAddress, connectTimeout: 5_000 });
  } catch (err) {
    throw new Error(`Temporal dev server not reachable at ${temporalAddress}: run scripts/stack up`, { cause: err });
  }
  await ensureNamespace(connection, namespace);
  return { connection, client: new Client({ connection, namespace }) };
}

/**
 * Jest hooks for a file of dev-server tests: connects before all (failing with how to start the server); after all,
 * kills the workers its tests started (push them to `workers`) and closes the connection.
 */
export function useTestTemporal(): {
  client: () => Client;
  workers: ChildProcess[];
  /**
   * Registers clean-up that needs the Temporal connection (e.g. terminating the test's workflows). Jest runs
   * `afterAll` hooks in declaration order, so a test file's own `afterAll` would run after the connection is closed
   * and its client's retries would throw "Channel has been shut down" from a timer, failing the suite.
   */
  atEnd: (cleanup: (client: Client) => Promise<unknown>) => void;
} {
  let connected: { connection: Connection; client: Client } | undefined;
  const workers: ChildProcess[] = [];
  const cleanups: ((client: Client) => Promise<unknown>)[] = [];
  beforeAll(async () => {
    connected = await connectTestTemporal();
  });
  afterAll(async () => {
    const client = connected?.client;
    if (client) await Promise.allSettled(cleanups.map((c) => c(client)));
    await Promise.all(workers.map((w) => killWorker(w, 'SIGKILL')));
    await connected?.connection.close();
  });
  return {
    client: () => {
      if (!connected) throw new Error('no Temporal connection: call it inside a test');
      return connected.client;
    },
    workers,
    atEnd: (cleanup) => cleanups.push(cleanup),
  };
}

/**
 * Writes a 30-hour intensity forecast of half-hour slots for `region` into the forecasts bucket, starting at the
 * half-hour before now; `intensityAt(slotStartMs, slotIndex)` gives each slot's gCO2/kWh. Returns the first slot start.
 */
export async function writeFixtureForecast(
  region: string,
  intensityAt: (slotStartMs: number, slotIndex: number) => number,
): Promise<number> {
  const slot = 30 * 60_000;
  const t0 = Math.floor(Date.now() / slot) * slot - slot;
  await new InfluxForecastStore(stackSettings().influx, BUCKETS.forecasts).writeIntensityForecast({
    region,
    issuedAt: new Date(t0).toISOString(),
    modelVersion: 'it-fixture',
    points: Array.from({ length: 60 }, (_, i) => ({
      time: new Date(t0 + i * slot).toISOString(),
      intensityGPerKWh: intensityAt(t0 + i * slot, i),
    })),
  });
  return t0;
}
