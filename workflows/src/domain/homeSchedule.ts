import type {
  CommandAck,
  CommandState,
  CurrentPlanView,
  DeviceCommand,
  ForecastsChanged,
  PublishedPlan,
  HomeWorkflowState,
  ManualStart,
  OverrideRefusal,
  OverrideRunsInput,
  ParetoInput,
  OverrideRunsResult,
  PlannedRun,
  RunPin,
  RequestRunResult,
  RequestState,
  RunRequest,
  RunVerification,
} from '../types';
import { commandsAfterPlan, dueCommands, msUntilNextEvent } from './commands';
import { applyOverrides, effectiveRequest, overrideRefusals, restorePins } from './overrides';
import { validateRunRequest } from './requests';

/**
 * The home-schedule state machine behind `optimizeHomeWorkflow`: what a home's requests, plan and commands become
 * on each event, and what the workflow must do about it (plan, publish, send a command, log). Pure: every function
 * takes the state and `now` and returns a new state and its effects; the workflow executes the effects (activities,
 * search attributes, logs) and feeds their outcomes back in as events.
 */

/** After a planning failure that retries could not fix, try again this much later (ms). */
export const REPLAN_RETRY_MS = 10 * 60_000;
/** Settled requests and commands kept for the query; older ones are dropped at continue-as-new. */
export const SETTLED_KEPT = 20;

const SETTLED_COMMAND: ReadonlySet<string> = new Set(['acked', 'unacknowledged', 'failed', 'cancelled']);
const SETTLED_REQUEST: ReadonlySet<string> = new Set(['dispatched', 'started-manually', 'rejected', 'cancelled']);

/**
 * An override update in flight: `waiting` for a plan, `planning` (the plan asked for includes it), then `applied` in a
 * plan version or `refused` (a pin the planner could not honour, undone). Not carried by continue-as-new: the
 * workflow waits for every update handler to finish before it continues as new.
 */
export interface OverrideEntry {
  input: OverrideRunsInput;
  status: 'waiting' | 'planning' | 'applied' | 'refused';
  /** The pins of the pinned runs before this override (null: none), to undo a pin the planner refuses. */
  previousPins: Record<string, RunPin | null>;
  planVersion?: number;
  refusals?: OverrideRefusal[];
}

export interface HomeScheduleState {
  homeId: string;
  /** How long a sent command waits for the device's ack before it is `unacknowledged` (ms). */
  ackTimeoutMs: number;
  /** What continue-as-new carries: requests, commands, the plan and its counters. */
  home: HomeWorkflowState;
  /** Something changed that the plan must take into account (new request, manual start, new forecasts). */
  replanNeeded: boolean;
  /** After a failed plan: when to try again (epoch ms). */
  replanRetryAtMs?: number;
  /** A plan asked of the planner and not answered yet: the requests it covers and the version it will get. */
  planning?: { version: number; requestIds: string[] };
  /** Commands found due by the last `due` event and not sent yet, in send order (idempotency keys). */
  sending: string[];
  /** Override updates of this run of the workflow, by override id. */
  overrides?: Record<string, OverrideEntry>;
}

export type HomeScheduleEvent =
  /** The homeowner asked for a run (already validated with {@link requestErrors}). */
  | { type: 'request'; request: RunRequest }
  /** The homeowner overrode runs (already validated with {@link overrideErrors}). */
  | { type: 'override'; input: OverrideRunsInput }
  /** The device was started by hand. */
  | ({ type: 'manualStart' } & ManualStart)
  | ({ type: 'forecastsChanged' } & ForecastsChanged)
  /** The hourly savings verification's findings for this home's finished runs. */
  | { type: 'runsVerified'; runs: RunVerification[] }
  | ({ type: 'ack' } & CommandAck)
  /** Start a re-plan of every request not yet dispatched. */
  | { type: 'replan' }
  /** The planner's answer to the `planHome` effect. */
  | { type: 'planned'; plan: PublishedPlan }
  /**
   * The planner failed after its retries. `refused`: a non-retryable failure (the requests are infeasible or invalid),
   * with the planner's `reason`; `error` is what the log shows.
   */
  | { type: 'planFailed'; refused: boolean; reason: string; error: string }
  /** The schedule could not be published (the plan stands). */
  | { type: 'publishFailed'; planVersion: number; error: string }
  /** Send the commands due now. */
  | { type: 'due' }
  /** The `dispatchCommand` effect for this command succeeded, or failed after its retries. */
  | { type: 'sent'; idempotencyKey: string }
  | { type: 'sendFailed'; idempotencyKey: string; error: string }
  /** Give up on acks that are overdue. */
  | { type: 'expire' }
  /** Drop all but the most recent settled requests and commands, before continue-as-new. */
  | { type: 'compact' };

export type HomeScheduleEffect =
  /** Index the workflow by this appliance (search attribute). */
  | { type: 'indexAppliance'; appliance: string }
  | { type: 'planHome'; requests: RunRequest[]; planVersion: number; now: string }
  | { type: 'publishSchedule'; plan: PublishedPlan }
  | { type: 'dispatchCommand'; command: DeviceCommand }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields: Record<string, unknown> };

export interface Transition {
  state: HomeScheduleState;
  effects: HomeScheduleEffect[];
}

/** A home's schedule at workflow start: empty, or what continue-as-new carried (re-planned if it has new requests). */
export function initialHomeSchedule(options: {
  homeId: string;
  ackTimeoutMs: number;
  carried?: HomeWorkflowState;
}): HomeScheduleState {
  const home = options.carried ?? { requests: [], commands: [], plan: null, planVersion: 0, replans: 0 };
  return {
    homeId: options.homeId,
    ackTimeoutMs: options.ackTimeoutMs,
    home,
    replanNeeded: home.requests.some((r) => r.status === 'new'),
    sending: [],
  };
}

/** Problems with a run request for this home, each naming the field; empty when it is acceptable. */
export function requestErrors(state: HomeScheduleState, request: RunRequest, now: Date): string[] {
  return validateRunRequest(
    request,
    now,
    state.home.requests.map((r) => r.request.requestId),
  );
}

/** Why each override cannot be applied now; empty when all can (a repeated override id is its first answer). */
export function overrideErrors(state: HomeScheduleState, input: OverrideRunsInput, now: Date): OverrideRefusal[] {
  if (typeof input?.overrideId !== 'string' || input.overrideId === '') {
    return [{ requestId: '', code: 'no_overrides', message: 'overrideId must be a non-empty string' }];
  }
  if (state.overrides?.[input.overrideId]) return [];
  return overrideRefusals(state.home, input, now);
}

/**
 * The override update's answer: undefined while its plan is being made (and, for "start now", until the start
 * command has left: sent or failed), else the runs as they stand or why it was refused.
 */
export function overrideOutcome(
  state: HomeScheduleState,
  overrideId: string,
): { applied: OverrideRunsResult } | { refused: OverrideRefusal[] } | undefined {
  const entry = state.overrides?.[overrideId];
  if (!entry || entry.status === 'waiting' || entry.status === 'planning') return undefined;
  if (entry.status === 'refused') return { refused: entry.refusals ?? [] };
  const { home } = state;
  const runs: OverrideRunsResult['runs'] = [];
  for (const o of entry.input.overrides) {
    const request = home.requests.find((r) => r.request.requestId === o.requestId);
    const run = home.plan?.runs.find((r) => r.requestId === o.requestId);
    const result: OverrideRunsResult['runs'][number] = {
      requestId: o.requestId,
      action: o.action,
      status: request?.status ?? 'cancelled',
    };
    if (run) Object.assign(result, { startAt: run.startAt, endAt: run.endAt });
    if (request?.pin) result.pin = request.pin;
    if (o.action === 'start-now') {
      const start = home.commands.find((c) => c.requestId === o.requestId && c.action === 'start');
      if (!start || start.status === 'pending') return undefined;
      result.command = {
        idempotencyKey: start.idempotencyKey,
        status: start.status,
        ...(start.error !== undefined ? { error: start.error } : {}),
      };
    }
    runs.push(result);
  }
  return { applied: { overrideId, planVersion: entry.planVersion ?? home.planVersion, runs } };
}

/** The runs a plan made now would cover, as the planner gets them (pins applied). */
export function plannableRequests(state: HomeScheduleState): RunRequest[] {
  return state.home.requests.filter((r) => r.status === 'new' || r.status === 'planned').map(effectiveRequest);
}

/** Problems with a Pareto request, each naming the field; empty when it is acceptable. */
export function paretoErrors(input: ParetoInput): string[] {
  const prices: unknown = input?.co2PricesPerKg;
  if (!Array.isArray(prices) || prices.length < 1 || prices.length > 12) {
    return ['co2PricesPerKg must list 1 to 12 prices'];
  }
  const bad = prices.findIndex((p) => typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 10);
  return bad >= 0 ? [`co2PricesPerKg[${bad}] must be a price in [0, 10] per kg, got ${String(prices[bad])}`] : [];
}

/** Whether the workflow should re-plan now: something changed, or a failed plan's retry time has come. */
export function replanDue(state: HomeScheduleState, nowMs: number): boolean {
  return state.replanNeeded || (state.replanRetryAtMs !== undefined && nowMs >= state.replanRetryAtMs);
}

/** Milliseconds until a command falls due, an ack is overdue or a failed plan is retried; undefined: none waits. */
export function msUntilWake(state: HomeScheduleState, nowMs: number): number | undefined {
  const waits = [msUntilNextEvent(state.home.commands, nowMs, state.ackTimeoutMs)];
  if (state.replanRetryAtMs !== undefined) waits.push(Math.max(0, state.replanRetryAtMs - nowMs));
  const ms = Math.min(...waits.map((w) => w ?? Infinity));
  return ms === Infinity ? undefined : ms;
}

/**
 * The update's answer for a request: undefined while it is still waiting for a plan, else its planned run or why it
 * has none.
 */
export function requestOutcome(
  state: HomeScheduleState,
  requestId: string,
): { planned: RequestRunResult } | { refused: string } | undefined {
  const entry = state.home.requests.find((r) => r.request.requestId === requestId);
  if (!entry || entry.status === 'new') return undefined;
  const run = state.home.plan?.runs.find((r) => r.requestId === requestId);
  if (entry.status === 'rejected' || !run) return { refused: entry.reason ?? 'not in the plan' };
  return {
    planned: {
      requestId,
      startAt: run.startAt,
      endAt: run.endAt,
      avoidedEmissionsG: run.avoidedEmissionsG,
      planVersion: state.home.planVersion,
    },
  };
}

/** What `currentPlanQuery` returns. */
export function planView(state: HomeScheduleState): CurrentPlanView {
  const { home } = state;
  return {
    homeId: state.homeId,
    plan: home.plan,
    commands: home.commands,
    requests: home.requests,
    expectedAvoidedEmissionsG: home.plan?.avoidedEmissionsG ?? 0,
    verifiedAvoidedEmissionsG: (home.verifiedRuns ?? [])
      .filter((r) => r.status === 'verified')
      .reduce((g, r) => g + (r.avoidedG ?? 0), 0),
    verifiedRuns: home.verifiedRuns ?? [],
    replans: home.replans,
  };
}

/** The state after `event` at `now`, and what the workflow must do about it. */
export function homeScheduleStep(state: HomeScheduleState, event: HomeScheduleEvent, now: Date): Transition {
  switch (event.type) {
    case 'request':
      return onRequest(state, event.request);
    case 'override':
      return onOverride(state, event.input, now);
    case 'manualStart':
      return onManualStart(state, event);
    case 'forecastsChanged':
      return {
        state: state.home.requests.some((r) => r.status === 'planned') ? { ...state, replanNeeded: true } : state,
        effects: [
          log('info', 'forecasts changed', state, { issuedAt: event.issuedAt, modelVersion: event.modelVersion }),
        ],
      };
    case 'ack':
      return { state: onAck(state, event), effects: [] };
    case 'replan':
      return onReplan(state, now);
    case 'planned':
      return onPlanned(state, event.plan);
    case 'planFailed':
      return onPlanFailed(state, event, now);
    case 'publishFailed':
      // The plan stands and its commands will be sent; only the dashboard copy is missing.
      return {
        state,
        effects: [
          log('error', 'publishing the schedule failed', state, { planVersion: event.planVersion, error: event.error }),
        ],
      };
    case 'due':
      return nextSend({
        ...state,
        sending: dueCommands(state.home.commands, now.getTime()).map((c) => c.idempotencyKey),
      });
    case 'sent':
    case 'sendFailed':
      return onSendResult(state, event, now);
    case 'expire':
      return onExpire(state, now);
    case 'runsVerified':
      return {
        state: { ...state, home: { ...state.home, verifiedRuns: mergeVerified(state.home.verifiedRuns, event.runs) } },
        effects: [],
      };
    case 'compact':
      return { state: { ...state, home: compact(state.home) }, effects: [] };
  }
}

/** Runs kept in a home's state with their verification (the oldest go first; InfluxDB keeps them all). */
export const MAX_VERIFIED_RUNS = 50;

/** Each run's latest finding replaces its earlier one (a run can go from no_actuals to verified); newest last. */
function mergeVerified(known: RunVerification[] | undefined, found: RunVerification[]): RunVerification[] {
  const key = (r: RunVerification) => `${r.requestId}/${r.deviceId}`;
  const fresh = new Set(found.map(key));
  return [...(known ?? []).filter((r) => !fresh.has(key(r))), ...found].slice(-MAX_VERIFIED_RUNS);
}

function onRequest(state: HomeScheduleState, request: RunRequest): Transition {
  // A repeated request id is refused by the validator; here it is a no-op, so the first request's answer stands.
  if (state.home.requests.some((r) => r.request.requestId === request.requestId)) return { state, effects: [] };
  const entry: RequestState = { request, status: 'new' };
  return {
    state: { ...state, home: { ...state.home, requests: [...state.home.requests, entry] }, replanNeeded: true },
    effects: [{ type: 'indexAppliance', appliance: request.appliance }],
  };
}

function onOverride(state: HomeScheduleState, input: OverrideRunsInput, now: Date): Transition {
  if (state.overrides?.[input.overrideId]) return { state, effects: [] }; // a repeat: the first answer stands
  const previousPins: Record<string, RunPin | null> = {};
  for (const o of input.overrides) {
    if (o.action !== 'pin') continue;
    previousPins[o.requestId] = state.home.requests.find((r) => r.request.requestId === o.requestId)?.pin ?? null;
  }
  const entry: OverrideEntry = { input, status: 'waiting', previousPins };
  return {
    state: {
      ...state,
      home: applyOverrides(state.homeId, state.home, input, now),
      overrides: { ...state.overrides, [input.overrideId]: entry },
      // Re-solve with the change (a pin is a constraint; a cancel or start-now frees or takes its slots), which also
      // wakes the workflow to send a start-now command at once.
      replanNeeded: true,
    },
    effects: [
      log('info', 'runs overridden', state, {
        overrideId: input.overrideId,
        overrides: input.overrides.map((o) => `${o.requestId}:${o.action}`),
      }),
    ],
  };
}

/** The overrides entries with `from` status moved to `to` (and their fields). */
function moveOverrides(
  overrides: HomeScheduleState['overrides'],
  from: OverrideEntry['status'],
  to: Partial<OverrideEntry> & { status: OverrideEntry['status'] },
  only?: (entry: OverrideEntry) => boolean,
): HomeScheduleState['overrides'] {
  if (!overrides) return overrides;
  const out: Record<string, OverrideEntry> = {};
  for (const [id, e] of Object.entries(overrides)) {
    out[id] = e.status === from && (only?.(e) ?? true) ? { ...e, ...to } : e;
  }
  return out;
}

function onManualStart(state: HomeScheduleState, { deviceId, at }: ManualStart): Transition {
  // The device was started by hand: its next planned run is what the homeowner did, so drop it from the plan.
  const entry = state.home.requests
    .filter((r) => r.request.deviceId === deviceId && (r.status === 'planned' || r.status === 'new'))
    .sort((a, b) => Date.parse(a.request.readyBy) - Date.parse(b.request.readyBy))[0];
  let home = state.home;
  if (entry) {
    const requestId = entry.request.requestId;
    home = {
      ...home,
      requests: home.requests.map((r) =>
        r === entry ? { ...r, status: 'started-manually', reason: `device ${deviceId} started by hand at ${at}` } : r,
      ),
      commands: home.commands.map((c) =>
        c.requestId === requestId && c.status === 'pending' ? { ...c, status: 'cancelled' } : c,
      ),
    };
  }
  return {
    state: { ...state, home, replanNeeded: true },
    effects: [
      log('info', 'manual start reported', state, { deviceId, at, requestId: entry?.request.requestId ?? null }),
    ],
  };
}

function onAck(state: HomeScheduleState, { idempotencyKey, ok, at, error }: CommandAck): HomeScheduleState {
  // Acks are idempotent: a repeat, or an ack for a cancelled or unknown command, changes nothing.
  const command = state.home.commands.find((c) => c.idempotencyKey === idempotencyKey);
  if (!command || command.status === 'cancelled' || command.status === 'acked') return state;
  const acked: CommandState = { ...command, status: ok ? 'acked' : 'failed', ackedAt: at };
  if (!ok) acked.error = `device refused: ${error ?? 'no reason given'}`;
  return withCommand(state, acked);
}

function onReplan(state: HomeScheduleState, now: Date): Transition {
  const toPlan = state.home.requests.filter((r) => r.status === 'new' || r.status === 'planned');
  const version = state.home.planVersion + 1;
  const next: HomeScheduleState = {
    ...state,
    replanNeeded: false,
    overrides: moveOverrides(state.overrides, 'waiting', { status: 'planning' }),
  };
  if (toPlan.length === 0) {
    return applyPlan(
      { ...next, planning: { version, requestIds: [] } },
      emptyPlan(state.homeId, version, state.home.plan, now),
    );
  }
  return {
    state: { ...next, planning: { version, requestIds: toPlan.map((r) => r.request.requestId) } },
    effects: [
      {
        type: 'planHome',
        requests: toPlan.map(effectiveRequest),
        planVersion: version,
        now: now.toISOString(),
      },
    ],
  };
}

function onPlanned(state: HomeScheduleState, planned: PublishedPlan): Transition {
  if (!state.planning) return { state, effects: [] }; // no plan was asked for: a stray answer
  return applyPlan(state, planned);
}

/** The plan in force after `planned`: runs already dispatched are kept, the planned requests get its commands. */
function applyPlan(state: HomeScheduleState, answer: PublishedPlan): Transition {
  const { version } = state.planning!;
  const { home } = state;
  // A request cancelled or started now while the planner was working is no longer the planner's.
  const overridden = new Set(
    home.requests.filter((r) => r.status === 'cancelled' || r.status === 'dispatched').map((r) => r.request.requestId),
  );
  const ids = new Set(state.planning!.requestIds.filter((id) => !overridden.has(id)));
  const planned: PublishedPlan =
    overridden.size === 0 ? answer : { ...answer, runs: answer.runs.filter((run) => !overridden.has(run.requestId)) };
  const isDispatched = (requestId: string): boolean =>
    home.requests.some((r) => r.request.requestId === requestId && r.status === 'dispatched');
  const runs: PlannedRun[] = [...(home.plan?.runs ?? []).filter((run) => isDispatched(run.requestId)), ...planned.runs];
  const plan: PublishedPlan = {
    ...planned,
    runs,
    avoidedEmissionsG: runs.reduce((sum, r) => sum + r.avoidedEmissionsG, 0),
  };
  // Every planned request becomes `planned`, also one started by hand while the planner was working: the manual
  // start asked for another re-plan, which is where it is dropped.
  const requests = home.requests.map((r): RequestState =>
    ids.has(r.request.requestId) ? { ...r, status: 'planned' } : r,
  );
  const commands = commandsAfterPlan(
    planned,
    new Map(requests.filter((r) => ids.has(r.request.requestId)).map((r) => [r.request.requestId, r.request])),
    home.commands,
  );
  const { planning: _planning, replanRetryAtMs: _retry, ...rest } = state;
  return {
    state: {
      ...rest,
      home: { ...home, plan, planVersion: version, replans: home.replans + 1, requests, commands },
      overrides: moveOverrides(state.overrides, 'planning', { status: 'applied', planVersion: version }),
    },
    effects: [{ type: 'publishSchedule', plan }],
  };
}

function onPlanFailed(
  state: HomeScheduleState,
  failure: { refused: boolean; reason: string; error: string },
  now: Date,
): Transition {
  if (!state.planning) return { state, effects: [] };
  const ids = new Set(state.planning.requestIds);
  const { planning: _planning, ...rest } = state;
  const fresh = (r: RequestState): boolean => ids.has(r.request.requestId) && r.status === 'new';
  const pinning = (e: OverrideEntry): boolean => Object.keys(e.previousPins).length > 0;
  const pinsInFlight = Object.values(state.overrides ?? {}).filter((e) => e.status === 'planning' && pinning(e));
  if (failure.refused && pinsInFlight.length > 0) {
    // The pins just made made the problem unsolvable: undo them (refusing their updates) and plan without them.
    let home = state.home;
    for (const e of pinsInFlight) home = restorePins(home, e.previousPins);
    const refusal = (e: OverrideEntry): OverrideRefusal[] =>
      Object.keys(e.previousPins).map((requestId) => ({
        requestId,
        code: 'replan_failed' as const,
        message: `the planner cannot honour the pin: ${failure.reason}`,
      }));
    const overrides: Record<string, OverrideEntry> = { ...state.overrides };
    for (const [id, e] of Object.entries(overrides)) {
      if (e.status === 'planning' && pinning(e)) overrides[id] = { ...e, status: 'refused', refusals: refusal(e) };
      else if (e.status === 'planning') overrides[id] = { ...e, status: 'waiting' };
    }
    return {
      state: { ...rest, home, overrides, replanNeeded: true },
      effects: [log('warn', 'a pin made the plan infeasible; undone', state, { reason: failure.reason })],
    };
  }
  if (failure.refused && state.home.requests.some(fresh)) {
    // The new requests made the problem unsolvable (or invalid): refuse them, keep planning the others.
    const requests = state.home.requests.map((r): RequestState =>
      fresh(r) ? { ...r, status: 'rejected', reason: failure.reason } : r,
    );
    return {
      state: {
        ...rest,
        home: { ...state.home, requests },
        overrides: moveOverrides(state.overrides, 'planning', { status: 'waiting' }),
        replanNeeded: true,
      },
      effects: [],
    };
  }
  return {
    state: {
      ...rest,
      overrides: moveOverrides(state.overrides, 'planning', { status: 'waiting' }),
      replanRetryAtMs: now.getTime() + REPLAN_RETRY_MS,
    },
    effects: [log('error', 'planning failed; keeping the previous plan', state, { error: failure.error })],
  };
}

/** Sends the first queued command that is still pending (a signal may have cancelled or acked others meanwhile). */
function nextSend(state: HomeScheduleState): Transition {
  const sending = [...state.sending];
  while (sending.length > 0) {
    const key = sending[0]!;
    const command = state.home.commands.find((c) => c.idempotencyKey === key);
    if (command?.status === 'pending') {
      const { status: _status, sentAt: _sentAt, ackedAt: _ackedAt, error: _error, ...payload } = command;
      return { state: { ...state, sending }, effects: [{ type: 'dispatchCommand', command: payload }] };
    }
    sending.shift();
  }
  return { state: { ...state, sending }, effects: [] };
}

function onSendResult(
  state: HomeScheduleState,
  event: { type: 'sent'; idempotencyKey: string } | { type: 'sendFailed'; idempotencyKey: string; error: string },
  now: Date,
): Transition {
  const command = state.home.commands.find((c) => c.idempotencyKey === event.idempotencyKey);
  if (!command || state.sending[0] !== event.idempotencyKey) return { state, effects: [] }; // not being sent
  const effects: HomeScheduleEffect[] = [];
  let updated: CommandState;
  if (event.type === 'sent') {
    // An ack may have come in while the command was being sent: it stays acked.
    updated = { ...command, sentAt: now.toISOString(), status: command.status === 'pending' ? 'sent' : command.status };
  } else {
    updated = { ...command, status: 'failed', error: event.error };
    effects.push(
      log('error', 'command not sent', state, { idempotencyKey: command.idempotencyKey, error: event.error }),
    );
  }
  let next = withCommand(state, updated);
  if (command.action === 'start') {
    // Sent or not, the run's start is out of the planner's hands now.
    next = {
      ...next,
      home: {
        ...next.home,
        requests: next.home.requests.map((r): RequestState =>
          r.request.requestId === command.requestId && r.status === 'planned' ? { ...r, status: 'dispatched' } : r,
        ),
      },
    };
  }
  const after = nextSend({ ...next, sending: next.sending.slice(1) });
  return { state: after.state, effects: [...effects, ...after.effects] };
}

function onExpire(state: HomeScheduleState, now: Date): Transition {
  const nowMs = now.getTime();
  const effects: HomeScheduleEffect[] = [];
  const commands = state.home.commands.map((c) => {
    if (c.status === 'sent' && c.sentAt && Date.parse(c.sentAt) + state.ackTimeoutMs <= nowMs) {
      effects.push(
        log('warn', 'no ack from device', state, { idempotencyKey: c.idempotencyKey, deviceId: c.deviceId }),
      );
      return { ...c, status: 'unacknowledged' as const };
    }
    return c;
  });
  return { state: effects.length === 0 ? state : { ...state, home: { ...state.home, commands } }, effects };
}

function withCommand(state: HomeScheduleState, command: CommandState): HomeScheduleState {
  return {
    ...state,
    home: {
      ...state.home,
      commands: state.home.commands.map((c) => (c.idempotencyKey === command.idempotencyKey ? command : c)),
    },
  };
}

function emptyPlan(homeId: string, version: number, previous: PublishedPlan | null, now: Date): PublishedPlan {
  return {
    homeId,
    version,
    plannedAt: now.toISOString(),
    forecastIssuedAt: previous?.forecastIssuedAt ?? null,
    forecastModelVersion: previous?.forecastModelVersion ?? null,
    runs: [],
    slots: [],
    avoidedEmissionsG: 0,
  };
}

/** Drops all but the most recent settled requests and commands so the carried state stays small. */
function compact(home: HomeWorkflowState): HomeWorkflowState {
  const settledRequests = home.requests.filter((r) => SETTLED_REQUEST.has(r.status));
  const keepRequests = new Set(settledRequests.slice(-SETTLED_KEPT));
  const requests = home.requests.filter((r) => !SETTLED_REQUEST.has(r.status) || keepRequests.has(r));
  const settledCommands = home.commands.filter((c) => SETTLED_COMMAND.has(c.status));
  const keepCommands = new Set<CommandState>(settledCommands.slice(-SETTLED_KEPT));
  const commands = home.commands.filter((c) => !SETTLED_COMMAND.has(c.status) || keepCommands.has(c));
  return { ...home, requests, commands };
}

function log(
  level: 'info' | 'warn' | 'error',
  message: string,
  state: HomeScheduleState,
  fields: Record<string, unknown>,
): HomeScheduleEffect {
  return { type: 'log', level, message, fields: { homeId: state.homeId, ...fields } };
}
