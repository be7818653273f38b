import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { createSmokeActivities } from './temporal/activities';
import { installSilentRuntime } from './temporal/silentRuntime';
import { sleepOneDay } from './temporal/workflows';

// Smoke test of the Java time-skipping test server installed by `scripts/stack install` (the SDK starts it).
const stack = loadStackEnv();
// Bundling the workflow code and starting a JVM take a while on a shared 2-core machine.
jest.setTimeout(180_000);
const cache = process.env.CR_CACHE ?? join(process.env.HOME ?? '/root', '.cache', 'carbonreducer');
const launcher =
  process.env.TEMPORAL_TEST_SERVER_PATH ??
  join(cache, `temporal_test_server-${stack.get('TEMPORAL_TEST_SERVER_VERSION')}`, 'bin', 'temporal-test-server');

installSilentRuntime();

describe('Temporal time-skipping test server (scripts/stack install)', () => {
  let env: TestWorkflowEnvironment | undefined;

  beforeAll(async () => {
    if (!existsSync(launcher)) {
      throw new Error(`time-skipping test server not installed at ${launcher}: run scripts/stack install`);
    }
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: launcher } },
    });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  // Finishing within Jest's timeout (minutes) is the proof that the server skipped the day.
  it('runs a workflow that sleeps one day in seconds of wall time', async () => {
    if (!env) throw new Error('test environment did not start');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'smoke-time-skipping',
      workflowsPath: require.resolve('./temporal/workflows'),
      activities: createSmokeActivities('time-skipping-worker'),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepOneDay, { taskQueue: 'smoke-time-skipping', workflowId: 'sleep-one-day' }),
    );
    expect(result.sleptMs).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
  });
});
