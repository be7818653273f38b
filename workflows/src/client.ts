import { TASK_QUEUES } from '@carbonreducer/common';
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  type ScheduleHandle,
} from '@temporalio/client';
import { HomeIdKey, scheduleIds, workflowIds } from './ids';
import type {
  CurrentPlanView,
  ManualStart,
  ModelTarget,
  OptimizeHomeInput,
  RequestRunResult,
  RunRequest,
} from './types';
import { currentPlanQuery, manualStartSignal, requestRunUpdate } from './workflows/definitions';

export type ScheduleName = 'ingest' | 'forecast' | `retrain-${ModelTarget}`;

/**
 * What apps, CLIs and tests do with CarbonReducer's workflows, by home id: ask for a run, read the plan, report a
 * manual start, trigger a schedule now. Homes' optimizers start on their first request.
 */
export class CarbonReducerClient {
  constructor(
    readonly temporal: Client,
    private readonly region: string,
  ) {}

  static async connect(options: { address: string; namespace: string; region: string }): Promise<CarbonReducerClient> {
    try {
      const connection = await Connection.connect({ address: options.address });
      return new CarbonReducerClient(new Client({ connection, namespace: options.namespace }), options.region);
    } catch (err) {
      throw new Error(`connecting to Temporal at ${options.address} failed (is it up? bash scripts/stack up)`, {
        cause: err,
      });
    }
  }

  /**
   * Plans a run in the home's optimizer, starting the optimizer if it is not running (update-with-start, so two
   * callers at once still get one workflow per home). Resolves with the planned start; rejects with the workflow's
   * BadInput/Infeasible failure when the request is invalid or cannot be planned.
   */
  async requestRun(
    homeId: string,
    request: RunRequest,
    options: { ackTimeoutMs?: number } = {},
  ): Promise<RequestRunResult> {
    const input: OptimizeHomeInput = { homeId, region: this.region, ...options };
    const start = new WithStartWorkflowOperation('optimizeHomeWorkflow', {
      workflowId: workflowIds.optimizeHome(homeId),
      taskQueue: TASK_QUEUES.io,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: HomeIdKey, value: homeId }],
    });
    return this.temporal.workflow.executeUpdateWithStart(requestRunUpdate, {
      args: [request],
      startWorkflowOperation: start,
    });
  }

  /** The home's current plan, or null when no optimizer runs for it. */
  async currentPlan(homeId: string): Promise<CurrentPlanView | null> {
    try {
      return await this.temporal.workflow.getHandle(workflowIds.optimizeHome(homeId)).query(currentPlanQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async reportManualStart(homeId: string, start: ManualStart): Promise<void> {
    await this.temporal.workflow.getHandle(workflowIds.optimizeHome(homeId)).signal(manualStartSignal, start);
  }

  schedule(name: ScheduleName): ScheduleHandle {
    const id =
      name === 'ingest'
        ? scheduleIds.ingest(this.region)
        : name === 'forecast'
          ? scheduleIds.forecast(this.region)
          : scheduleIds.retrain(name.slice('retrain-'.length));
    return this.temporal.schedule.getHandle(id);
  }

  /** Runs a schedule's action now (as the Temporal UI's "Trigger" does); its overlap policy still applies. */
  async trigger(name: ScheduleName): Promise<void> {
    await this.schedule(name).trigger();
  }

  /**
   * Triggers a schedule (or joins its running workflow) and waits for that workflow to finish; returns that workflow's id and result.
   * Used where the next step needs the data (the main job runs ingest before the first forecast).
   */
  async runScheduleNow(name: ScheduleName, timeoutMs = 10 * 60_000): Promise<{ workflowId: string; result: unknown }> {
    const handle = this.schedule(name);
    const described = await handle.describe();
    // One already running (overlap policy SKIP would drop the trigger): its result is as fresh as a new run's.
    let workflowId = described.info.runningActions[0]?.workflow.workflowId;
    if (workflowId === undefined) {
      const before = new Set(described.info.recentActions.map((a) => a.action.workflow.workflowId));
      const triggeredAt = Date.now();
      await handle.trigger();
      while (workflowId === undefined) {
        if (Date.now() - triggeredAt > timeoutMs) {
          throw new Error(
            `schedule ${handle.scheduleId} started no workflow within ${timeoutMs / 1000} s of the trigger`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
        const info = (await handle.describe()).info;
        workflowId = [
          ...info.runningActions.map((a) => a.workflow.workflowId),
          ...info.recentActions.map((a) => a.action.workflow.workflowId),
        ].find((id) => !before.has(id));
      }
    }
    const result: unknown = await this.temporal.workflow.getHandle(workflowId).result();
    return { workflowId, result };
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }
}
