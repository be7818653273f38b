import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TASK_QUEUES, TEMPORAL_NAMESPACE } from '@carbonreducer/common';
import { assertReachable } from '@carbonreducer/stack-env';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { createSmokeActivities } from './temporal/activities';
import { installSilentRuntime } from './temporal/silentRuntime';
import { smokeRoundTrip } from './temporal/workflows';

// Smoke test of the native Temporal dev server: namespace, search attributes and a workflow run end to end.
const stack = loadStackEnv();
// Bundling the workflow code and starting a JVM take a while on a shared 2-core machine.
jest.setTimeout(180_000);
const host = '127.0.0.1';
const port = stack.port('TEMPORAL_PORT');
const address = `${host}:${port}`;

installSilentRuntime();

describe('Temporal dev server (scripts/stack up temporal)', () => {
  beforeAll(async () => {
    await assertReachable('Temporal', host, port);
  });

  it('runs a workflow with an activity on the smoke task queue, tagged with the search attributes', async () => {
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
    try {
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace: TEMPORAL_NAMESPACE,
        taskQueue: TASK_QUEUES.smoke,
        workflowsPath: require.resolve('./temporal/workflows'),
        activities: createSmokeActivities('smoke-worker'),
      });
      const client = new Client({ connection, namespace: TEMPORAL_NAMESPACE });
      const homeId = `home-${randomUUID()}`;
      const result = await worker.runUntil(
        client.workflow.execute(smokeRoundTrip, {
          taskQueue: TASK_QUEUES.smoke,
          workflowId: `smoke-${homeId}`,
          args: [homeId],
          searchAttributes: { HomeId: [homeId], Appliance: ['smoke'], ModelVersion: ['none'] },
        }),
      );
      expect(result).toEqual({
        description: `home ${homeId} seen by smoke-worker on ${TASK_QUEUES.smoke}`,
        namespace: TEMPORAL_NAMESPACE,
      });

      const described = await client.workflow.getHandle(`smoke-${homeId}`).describe();
      expect(described.status.name).toBe('COMPLETED');
      expect(described.searchAttributes.HomeId).toEqual([homeId]);
    } finally {
      await nativeConnection.close();
      await connection.close();
    }
  });

  it('has the search attributes HomeId, Appliance and ModelVersion as Keyword', async () => {
    const connection = await Connection.connect({ address });
    try {
      const response = await connection.operatorService.listSearchAttributes({ namespace: TEMPORAL_NAMESPACE });
      const custom = response.customAttributes ?? {};
      for (const name of ['HomeId', 'Appliance', 'ModelVersion']) {
        // IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD = 2
        expect([name, custom[name]]).toEqual([name, 2]);
      }
    } finally {
      await connection.close();
    }
  });
});
