import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { TASK_QUEUES } from '@carbonreducer/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
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

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: timeSkippingServerPath() } },
  });
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
  const compute = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUES.compute,
    activities,
  });
  return io.runUntil(compute.runUntil(fn));
}
