import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ApplianceKey, ForecastServedByKey, HomeIdKey, ModelVersionKey } from '../ids';

/** Creates `namespace` with the HomeId/Appliance/ModelVersion/ForecastServedBy search attributes if missing, and waits until usable. */
export async function ensureNamespace(connection: Connection, namespace: string, timeoutMs = 60_000): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch {
    await connection.workflowService
      // protobufjs takes a plain number for the Long field.
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 24 * 3600 } as never })
      .catch((err: unknown) => {
        if (!/already exists/i.test(String(err))) throw err;
      });
  }
  // A new namespace takes a few seconds to reach every service of the dev server.
  const deadline = Date.now() + timeoutMs;
  let keys: string[] | null = null;
  while (keys === null) {
    keys = await connection.operatorService
      .listSearchAttributes({ namespace })
      .then((r) => Object.keys(r.customAttributes ?? {}))
      .catch(() => null);
    if (keys === null) {
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const missing = [HomeIdKey, ApplianceKey, ModelVersionKey, ForecastServedByKey].filter((k) => !keys.includes(k.name));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
  }
}
