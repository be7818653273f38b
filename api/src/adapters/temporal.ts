/**
 * The API's use of the per-home optimizer workflow, the way workflows/src/client.ts does it: update-with-start of
 * `requestRun` on `optimize-home/{homeId}` and the `currentPlan` query. @carbonreducer/workflows does not export
 * its client, definitions or types yet (its index is empty), so the names below are the workflow's public
 * interface by string (workflows/src/workflows/definitions.ts, workflows/src/ids.ts); switch to its exports when
 * they exist.
 */
import { TASK_QUEUES } from '@carbonreducer/common';
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import {
  OVERRIDE_REFUSALS,
  OverrideRefused,
  RunRejected,
  type OverrideInput,
  type OverrideOutcome,
  type OverrideRefusalCode,
  type ParetoView,
  type PlanView,
  type Planner,
  type RunRequestInput,
} from '../ports';

const WORKFLOW_TYPE = 'optimizeHomeWorkflow';
const REQUEST_RUN_UPDATE = 'requestRun';
const CURRENT_PLAN_QUERY = 'currentPlan';
const OVERRIDE_RUNS_UPDATE = 'overrideRuns';
const PARETO_UPDATE = 'pareto';
const HomeIdKey = defineSearchAttributeKey('HomeId', SearchAttributeType.KEYWORD);
export const optimizeHomeWorkflowId = (homeId: string): string => `optimize-home/${homeId}`;

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Longest wait for an update or query (ms): no worker answering must not hang a request. */
  timeoutMs?: number;
}

export class TemporalPlanner implements Planner {
  private client: Promise<Client> | undefined;

  constructor(private readonly settings: TemporalSettings) {}

  private connect(): Promise<Client> {
    this.client ??= Connection.connect({ address: this.settings.address, connectTimeout: 5000 }).then(
      (connection) => new Client({ connection, namespace: this.settings.namespace }),
      (err: unknown) => {
        this.client = undefined;
        throw new Error(`connecting to Temporal at ${this.settings.address} failed`, { cause: err });
      },
    );
    return this.client;
  }

  async requestRun(
    homeId: string,
    region: string,
    request: RunRequestInput,
  ): Promise<{ requestId: string; startAt: string; endAt: string; avoidedEmissionsG: number; planVersion: number }> {
    const client = await this.connect();
    const start = new WithStartWorkflowOperation(WORKFLOW_TYPE, {
      workflowId: optimizeHomeWorkflowId(homeId),
      taskQueue: TASK_QUEUES.io,
      args: [{ homeId, region }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: HomeIdKey, value: homeId }],
    });
    try {
      return await withDeadline(
        client.workflow.executeUpdateWithStart(REQUEST_RUN_UPDATE, { args: [request], startWorkflowOperation: start }),
        this.settings.timeoutMs ?? 15_000,
        `the optimizer of ${homeId} did not answer the run request`,
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw new RunRejected(`${err.cause.type ?? 'refused'}: ${err.cause.message}`, { cause: err });
      }
      throw err;
    }
  }

  async currentPlan(homeId: string): Promise<PlanView | null> {
    const client = await this.connect();
    try {
      return await withDeadline(
        client.workflow.getHandle(optimizeHomeWorkflowId(homeId)).query<PlanView>(CURRENT_PLAN_QUERY),
        this.settings.timeoutMs ?? 15_000,
        `the optimizer of ${homeId} did not answer the plan query`,
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async overrideRuns(homeId: string, input: OverrideInput): Promise<OverrideOutcome> {
    const client = await this.connect();
    try {
      return await withDeadline(
        client.workflow
          .getHandle(optimizeHomeWorkflowId(homeId))
          // The override id is the update id, so a retried request is answered once (Temporal dedupes it).
          .executeUpdate<OverrideOutcome, [OverrideInput]>(OVERRIDE_RUNS_UPDATE, {
            args: [input],
            updateId: `override/${input.overrideId}`,
          }),
        this.settings.timeoutMs ?? 15_000,
        `the optimizer of ${homeId} did not answer the override`,
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new OverrideRefused(
          input.overrides.map((o) => ({
            requestId: o.requestId,
            code: 'unknown_run' as const,
            message: `no run ${o.requestId} in this home (no optimizer runs for it)`,
          })),
          { cause: err },
        );
      }
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw new OverrideRefused(refusalsOf(err.cause), { cause: err });
      }
      throw err;
    }
  }

  async pareto(homeId: string, co2PricesPerKg: number[]): Promise<ParetoView | null> {
    const client = await this.connect();
    try {
      return await withDeadline(
        client.workflow
          .getHandle(optimizeHomeWorkflowId(homeId))
          .executeUpdate<ParetoView, [{ co2PricesPerKg: number[] }]>(PARETO_UPDATE, { args: [{ co2PricesPerKg }] }),
        this.settings.timeoutMs ?? 15_000,
        `the optimizer of ${homeId} did not answer the Pareto request`,
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      // The update fails with the activity's failure when the curve could not be solved (no forecast, infeasible).
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      const failure = cause instanceof ActivityFailure ? cause.cause : cause;
      if (failure instanceof ApplicationFailure && failure.nonRetryable) {
        throw new RunRejected(`${failure.type ?? 'refused'}: ${failure.message}`, { cause: err });
      }
      throw err;
    }
  }

  async ping(): Promise<void> {
    const client = await this.connect();
    await (client.connection as Connection).healthService.check({});
  }

  async close(): Promise<void> {
    if (this.client === undefined) return;
    const c = await this.client.catch(() => undefined);
    await (c?.connection as Connection | undefined)?.close();
  }
}

/** The workflow's refusals from the failure's details (its message when a worker sent none). */
function refusalsOf(failure: ApplicationFailure): OverrideRefused['refusals'] {
  const known = new Set<string>(OVERRIDE_REFUSALS);
  const details = Array.isArray(failure.details) ? failure.details : [];
  const refusals = details.flatMap((d) => {
    const r = d as { requestId?: unknown; code?: unknown; message?: unknown } | null;
    if (!r || typeof r.code !== 'string' || !known.has(r.code)) return [];
    return [
      {
        requestId: typeof r.requestId === 'string' ? r.requestId : '',
        code: r.code as OverrideRefusalCode,
        message: typeof r.message === 'string' ? r.message : r.code,
      },
    ];
  });
  return refusals.length > 0 ? refusals : [{ requestId: '', code: 'replan_failed', message: failure.message }];
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms (is the worker running?)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
