import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { TASK_QUEUES } from '@carbonreducer/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplianceKey, ForecastServedByKey, HomeIdKey, ModelVersionKey } from '../ids';
import {
  bundleWorkflowCode,
  Runtime,
  DefaultLogger,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

const repoRoot = resolve(__dirname, '..', '..', '..');

/** The time-skipping test server launcher installed by `scripts/stack install` (env TEMPORAL_TEST_SERVER_PATH wins). */
export function timeSkippingServerPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_TEST_SERVER_PATH) return env.TEMPORAL_TEST_SERVER_PATH;
  let version = env.TEMPORAL_TEST_SERVER_VERSION;
  if (!version) {
    const versions = readFileSync(join(repoRoot, 'provisioning', 'versions.env'), 'utf8');
    version = /^TEMPORAL_TEST_SERVER_VERSION=(.+)$/m.exec(versions)?.[1]?.trim();
  }
  const cache = env.CR_CACHE ?? join(homedir(), '.cache', 'carbonreducer');
  const path = join(cache, `temporal_test_server-${version}`, 'bin', 'temporal-test-server');
  if (!existsSync(path)) {
    throw new Error(`Temporal time-skipping test server not found at ${path}: run scripts/stack install`);
  }
  return path;
}

let runtimeInstalled = false;
/** Quiet SDK logs in tests (warnings and errors still show). */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** Starts the Java time-skipping test server on a free port and waits (up to `timeoutMs`) until it listens. */
export async function startTimeSkippingServer(timeoutMs = 90_000): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(timeSkippingServerPath(), [String(port), '--enable-time-skipping'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`time-skipping test server exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`time-skipping test server not listening on ${port} after ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

type CreateEnv = (opts: {
  server: { type: 'existing' };
  supportsTimeSkipping: boolean;
  namespace: string;
  address: string;
}) => Promise<TestWorkflowEnvironment>;

/**
 * A time-skipping test environment. The server is started here rather than by the SDK, whose 5 s start-up bound a cold
 * JVM on a busy 2-core machine can miss; the SDK's own `createTimeSkipping` does the same with that bound.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment & { stopServer(): Promise<void> }> {
  quietRuntime();
  const server = await startTimeSkippingServer();
  const create = (TestWorkflowEnvironment as unknown as { create: CreateEnv }).create.bind(TestWorkflowEnvironment);
  const env = await create({
    server: { type: 'existing' },
    supportsTimeSkipping: true,
    namespace: 'default',
    address: server.address,
  });
  // The dev server gets these from `scripts/stack up`; the test server starts empty.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      [HomeIdKey, ApplianceKey, ModelVersionKey, ForecastServedByKey].map((k) => [
        k.name,
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  const teardown = env.teardown.bind(env);
  return Object.assign(env, {
    async teardown() {
      try {
        await teardown();
      } finally {
        await server.stop();
      }
    },
    stopServer: () => server.stop(),
  });
}

/**
 * Jest hooks that give every test (`'test'`) or the whole file (`'file'`) a time-skipping server of its own; returns
 * the current environment. Per test where the Java test server's skipped time or update bookkeeping would leak from
 * one test into the next.
 */
export function useTimeSkippingEnv(per: 'test' | 'file', startTimeoutMs = 120_000): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  const [before, after] = per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    env = await createTimeSkippingEnv();
  }, startTimeoutMs);
  after(async () => {
    try {
      await stopLiveWorkers();
    } finally {
      await env?.teardown();
      env = undefined;
    }
  });
  return () => {
    if (!env) throw new Error('no time-skipping environment: call it inside a test');
    return env;
  };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
  return bundle;
}

/** Runs `fn` while workers serve both task queues with the given (mock) activities. */
export async function withWorkers<T>(
  env: TestWorkflowEnvironment,
  activities: object,
  fn: () => Promise<T>,
): Promise<T> {
  const workflowBundleCode = await workflowBundle();
  const io = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUES.io,
    workflowBundle: workflowBundleCode,
    activities,
  });
  let compute: Worker;
  try {
    compute = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: TASK_QUEUES.compute,
      activities,
    });
  } catch (err) {
    // A created worker stays registered (and holds the connection) until it has run and shut down.
    await io.runUntil(Promise.resolve());
    throw err;
  }
  const workers = [io, compute];
  for (const w of workers) liveWorkers.add(w);
  try {
    return await io.runUntil(compute.runUntil(fn));
  } finally {
    for (const w of workers) liveWorkers.delete(w);
  }
}

/** Workers of a `withWorkers` call that has not returned yet. */
const liveWorkers = new Set<Worker>();

/**
 * Shuts down the workers of a test that timed out or failed while they ran. Left running past the server's teardown
 * they retry their polls for ever and Jest never exits (a CI run hung 85 min that way).
 */
export async function stopLiveWorkers(timeoutMs = 30_000): Promise<void> {
  for (const w of liveWorkers) if (w.getState() === 'RUNNING') w.shutdown();
  const deadline = Date.now() + timeoutMs;
  while ([...liveWorkers].some((w) => !['STOPPED', 'FAILED'].includes(w.getState()))) {
    if (Date.now() > deadline) {
      const states = [...liveWorkers].map((w) => w.getState()).join(', ');
      throw new Error(`test workers did not stop within ${timeoutMs} ms (states: ${states})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a workflow and waits in real time for it to close before asking for its result. Awaiting the result at once
 * unlocks time skipping, and the Java test server then sometimes skips past every deadline ("execution timed out")
 * while a quick activity is still being delivered, most often on a loaded machine.
 */
export async function executeWithoutSkipping<T>(
  start: () => Promise<{ describe(): Promise<{ status: { name: string } }>; result(): Promise<unknown> }>,
): Promise<T> {
  const handle = await start();
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return (await handle.result()) as T;
}
