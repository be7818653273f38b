import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { commandsAfterPlan, dueCommands, msUntilNextEvent } from '../domain/commands';
import { validateRunRequest } from '../domain/requests';
import { ApplianceKey, HomeIdKey } from '../ids';
import type {
  CommandState,
  CurrentPlanView,
  HomePlan,
  HomeWorkflowState,
  OptimizeHomeInput,
  PlannedRun,
  RequestState,
  RunRequest,
} from '../types';
import {
  commandAckSignal,
  currentPlanQuery,
  forecastsChangedSignal,
  manualStartSignal,
  requestRunUpdate,
} from './definitions';
import { computeActivity, defaultActivity, dispatchActivity, FAILURE_TYPES } from './profiles';

type Activities = ReturnType<typeof createActivities>;
const { planHome } = proxyActivities<Activities>(computeActivity);
const { publishSchedule } = proxyActivities<Activities>(defaultActivity);
const { dispatchCommand } = proxyActivities<Activities>(dispatchActivity);

const DEFAULT_ACK_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MAX_HISTORY_EVENTS = 2000;
/** After a planning failure that retries could not fix, try again this much later (ms). */
const REPLAN_RETRY_MS = 10 * 60_000;
/** Settled requests and commands kept for the query; older ones are dropped at continue-as-new. */
const SETTLED_KEPT = 20;

const SETTLED_COMMAND: ReadonlySet<string> = new Set(['acked', 'unacknowledged', 'failed', 'cancelled']);
const SETTLED_REQUEST: ReadonlySet<string> = new Set(['dispatched', 'started-manually', 'rejected']);

/**
 * One per home, long-lived (id `optimize-home/<homeId>`): plans the homeowner's requested runs against the intensity
 * forecast, publishes the schedule, sends start/stop commands at the planned times (durable timers, idempotency keys),
 * tracks acknowledgements, re-plans on new forecasts, new requests and manual starts, and continues as new to stay small.
 */
export async function optimizeHomeWorkflow(input: OptimizeHomeInput): Promise<void> {
  if (!input || typeof input.homeId !== 'string' || input.homeId === '' || input.homeId.includes('/')) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: `optimizeHomeWorkflow: homeId must be a non-empty string without "/", got ${String(input?.homeId)}`,
      nonRetryable: true,
    });
  }
  if (typeof input.region !== 'string' || input.region === '') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: 'optimizeHomeWorkflow: region must be a non-empty string',
      nonRetryable: true,
    });
  }
  const { homeId, region } = input;
  const ackTimeoutMs = input.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const state: HomeWorkflowState = input.state ?? {
    requests: [],
    commands: [],
    plan: null,
    planVersion: 0,
    replans: 0,
  };
  let replanNeeded = state.requests.some((r) => r.status === 'new');
  let replanRetryAt: number | undefined;

  if (workflowInfo().typedSearchAttributes.get(HomeIdKey) !== homeId) {
    upsertSearchAttributes([{ key: HomeIdKey, value: homeId }]);
  }

  setHandler(currentPlanQuery, (): CurrentPlanView => ({
    homeId,
    plan: state.plan,
    commands: state.commands,
    requests: state.requests,
    expectedAvoidedEmissionsG: state.plan?.avoidedEmissionsG ?? 0,
    replans: state.replans,
  }));

  setHandler(
    requestRunUpdate,
    async (request: RunRequest) => {
      const entry: RequestState = { request, status: 'new' };
      state.requests.push(entry);
      upsertSearchAttributes([{ key: ApplianceKey, value: request.appliance }]);
      replanNeeded = true;
      await condition(() => entry.status !== 'new');
      const run = state.plan?.runs.find((r) => r.requestId === request.requestId);
      if (entry.status === 'rejected' || !run) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.infeasible,
          message: `request ${request.requestId} cannot be planned: ${entry.reason ?? 'not in the plan'}`,
          nonRetryable: true,
        });
      }
      return {
        requestId: request.requestId,
        startAt: run.startAt,
        endAt: run.endAt,
        avoidedEmissionsG: run.avoidedEmissionsG,
        planVersion: state.planVersion,
      };
    },
    {
      validator: (request: RunRequest) => {
        const errors = validateRunRequest(
          request,
          new Date(),
          state.requests.map((r) => r.request.requestId),
        );
        if (errors.length > 0) {
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.badInput,
            message: `invalid run request: ${errors.join('; ')}`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(manualStartSignal, ({ deviceId, at }) => {
    // The device was started by hand: its next planned run is what the homeowner did, so drop it from the plan.
    const entry = state.requests
      .filter((r) => r.request.deviceId === deviceId && (r.status === 'planned' || r.status === 'new'))
      .sort((a, b) => Date.parse(a.request.readyBy) - Date.parse(b.request.readyBy))[0];
    if (entry) {
      entry.status = 'started-manually';
      entry.reason = `device ${deviceId} started by hand at ${at}`;
      for (const c of state.commands) {
        if (c.requestId === entry.request.requestId && c.status === 'pending') c.status = 'cancelled';
      }
    }
    log.info('manual start reported', { homeId, deviceId, at, requestId: entry?.request.requestId ?? null });
    replanNeeded = true;
  });

  setHandler(forecastsChangedSignal, ({ issuedAt, modelVersion }) => {
    log.info('forecasts changed', { homeId, issuedAt, modelVersion });
    if (state.requests.some((r) => r.status === 'planned')) replanNeeded = true;
  });

  setHandler(commandAckSignal, ({ idempotencyKey, ok, at, error }) => {
    const command = state.commands.find((c) => c.idempotencyKey === idempotencyKey);
    if (!command || command.status === 'cancelled' || command.status === 'acked') return;
    command.status = ok ? 'acked' : 'failed';
    command.ackedAt = at;
    if (!ok) command.error = `device refused: ${error ?? 'no reason given'}`;
  });

  async function replan(): Promise<void> {
    const toPlan = state.requests.filter((r) => r.status === 'new' || r.status === 'planned');
    const keptRuns = (state.plan?.runs ?? []).filter((run) => isDispatched(run.requestId));
    const version = state.planVersion + 1;
    let planned: HomePlan;
    if (toPlan.length === 0) {
      planned = emptyPlan(homeId, version, state.plan);
    } else {
      try {
        planned = await planHome({
          homeId,
          region,
          requests: toPlan.map((r) => r.request),
          planVersion: version,
          now: new Date().toISOString(),
        });
      } catch (err) {
        const failure = err instanceof ActivityFailure ? err.cause : undefined;
        const fresh = toPlan.filter((r) => r.status === 'new');
        if (failure instanceof ApplicationFailure && failure.nonRetryable && fresh.length > 0) {
          // The new requests made the problem unsolvable (or invalid): refuse them, keep planning the others.
          for (const r of fresh) {
            r.status = 'rejected';
            r.reason = failure.message;
          }
          replanNeeded = true;
          return;
        }
        log.error('planning failed; keeping the previous plan', { homeId, error: String(failure ?? err) });
        replanRetryAt = Date.now() + REPLAN_RETRY_MS;
        return;
      }
    }
    replanRetryAt = undefined;
    const runs: PlannedRun[] = [...keptRuns, ...planned.runs];
    state.plan = {
      ...planned,
      runs,
      avoidedEmissionsG: runs.reduce((sum, r) => sum + r.avoidedEmissionsG, 0),
    };
    state.planVersion = version;
    state.replans += 1;
    for (const r of toPlan) r.status = 'planned';
    state.commands = commandsAfterPlan(
      planned,
      new Map(toPlan.map((r) => [r.request.requestId, r.request])),
      state.commands,
    );
    try {
      await publishSchedule(state.plan);
    } catch (err) {
      // The plan stands and its commands will be sent; only the dashboard copy is missing.
      log.error('publishing the schedule failed', { homeId, planVersion: version, error: String(err) });
    }
  }

  function isDispatched(requestId: string): boolean {
    return state.requests.some((r) => r.request.requestId === requestId && r.status === 'dispatched');
  }

  async function dispatchDue(): Promise<void> {
    for (const command of dueCommands(state.commands, Date.now())) {
      if (command.status !== 'pending') continue; // cancelled by a signal meanwhile
      const { status: _status, sentAt: _sentAt, ackedAt: _ackedAt, error: _error, ...payload } = command;
      try {
        await dispatchCommand(payload);
        command.sentAt = new Date().toISOString();
        // An ack may have come in while the activity was completing.
        if (command.status === 'pending') command.status = 'sent';
      } catch (err) {
        command.status = 'failed';
        command.error = String(err instanceof ActivityFailure ? (err.cause ?? err) : err);
        log.error('command not sent', { homeId, idempotencyKey: command.idempotencyKey, error: command.error });
      }
      if (command.action === 'start') {
        const entry = state.requests.find((r) => r.request.requestId === command.requestId);
        if (entry && entry.status === 'planned') entry.status = 'dispatched';
      }
    }
  }

  function expireAcks(): void {
    const nowMs = Date.now();
    for (const c of state.commands) {
      if (c.status === 'sent' && c.sentAt && Date.parse(c.sentAt) + ackTimeoutMs <= nowMs) {
        c.status = 'unacknowledged';
        log.warn('no ack from device', { homeId, idempotencyKey: c.idempotencyKey, deviceId: c.deviceId });
      }
    }
  }

  for (;;) {
    if (replanNeeded || (replanRetryAt !== undefined && Date.now() >= replanRetryAt)) {
      replanNeeded = false;
      await replan();
      continue;
    }
    await dispatchDue();
    expireAcks();

    const info = workflowInfo();
    if ((info.continueAsNewSuggested || info.historyLength >= maxHistoryEvents) && !replanNeeded) {
      await condition(allHandlersFinished);
      if (!replanNeeded) {
        await continueAsNew<typeof optimizeHomeWorkflow>({ ...input, state: compact(state) });
      }
    }

    const waits = [msUntilNextEvent(state.commands, Date.now(), ackTimeoutMs)];
    if (replanRetryAt !== undefined) waits.push(Math.max(0, replanRetryAt - Date.now()));
    const timeoutMs = Math.min(...waits.map((w) => w ?? Infinity));
    const wake = (): boolean => replanNeeded;
    if (timeoutMs === Infinity) await condition(wake);
    else if (timeoutMs > 0) await condition(wake, timeoutMs);
  }
}

function emptyPlan(homeId: string, version: number, previous: HomePlan | null): HomePlan {
  return {
    homeId,
    version,
    plannedAt: new Date().toISOString(),
    forecastIssuedAt: previous?.forecastIssuedAt ?? null,
    forecastModelVersion: previous?.forecastModelVersion ?? null,
    runs: [],
    slots: [],
    avoidedEmissionsG: 0,
  };
}

/** Drops all but the most recent settled requests and commands so the carried state stays small. */
function compact(state: HomeWorkflowState): HomeWorkflowState {
  const settledRequests = state.requests.filter((r) => SETTLED_REQUEST.has(r.status));
  const keepRequests = new Set(settledRequests.slice(-SETTLED_KEPT));
  const requests = state.requests.filter((r) => !SETTLED_REQUEST.has(r.status) || keepRequests.has(r));
  const settledCommands = state.commands.filter((c) => SETTLED_COMMAND.has(c.status));
  const keepCommands = new Set<CommandState>(settledCommands.slice(-SETTLED_KEPT));
  const commands = state.commands.filter((c) => !SETTLED_COMMAND.has(c.status) || keepCommands.has(c));
  return { ...state, requests, commands };
}
