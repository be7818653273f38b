import { commandIdempotencyKey } from '../ids';
import type {
  CommandState,
  HomeWorkflowState,
  OverrideRefusal,
  OverrideRunsInput,
  PlannedRun,
  RequestState,
  RunOverride,
  RunPin,
  RunRequest,
} from '../types';

/**
 * Homeowner overrides of planned runs ("start now", "cancel", "pin to a window"), pure: what is refused and why, and
 * what the home's state becomes. Every function takes `now` (the workflow clock); nothing here reads a clock.
 */

/** A pin may reach this far ahead, like a run request's window (ms). */
const MAX_PIN_AHEAD_MS = 7 * 24 * 3600_000;
/** At most this many overrides in one update (a Pareto point pins every pending run of a home). */
export const MAX_OVERRIDES = 50;

/** Why each override cannot be applied now; empty when all can. */
export function overrideRefusals(home: HomeWorkflowState, input: OverrideRunsInput, now: Date): OverrideRefusal[] {
  const overrides = Array.isArray(input?.overrides) ? input.overrides : [];
  if (overrides.length === 0) {
    return [{ requestId: '', code: 'no_overrides', message: 'overrides must list at least one run' }];
  }
  if (overrides.length > MAX_OVERRIDES) {
    return [{ requestId: '', code: 'no_overrides', message: `at most ${MAX_OVERRIDES} overrides at once` }];
  }
  const refusals: OverrideRefusal[] = [];
  const seen = new Set<string>();
  for (const o of overrides) {
    const requestId = typeof o?.requestId === 'string' ? o.requestId : '';
    const refuse = (code: OverrideRefusal['code'], message: string): void => {
      refusals.push({ requestId, code, message });
    };
    if (seen.has(requestId)) {
      refuse('duplicate_run', `run ${requestId} is overridden twice in one change`);
      continue;
    }
    seen.add(requestId);
    const entry = home.requests.find((r) => r.request.requestId === requestId);
    if (!entry) {
      refuse('unknown_run', `no run ${requestId || '(empty id)'} in this home`);
      continue;
    }
    switch (entry.status) {
      case 'dispatched':
      case 'started-manually':
        refuse('already_started', `run ${requestId} has already started (${entry.status})`);
        continue;
      case 'cancelled':
        refuse('already_cancelled', `run ${requestId} was already cancelled`);
        continue;
      case 'rejected':
        refuse('rejected_run', `run ${requestId} was refused by the planner: ${entry.reason ?? 'no reason given'}`);
        continue;
      case 'new':
        if (o.action === 'start-now') {
          refuse('not_planned_yet', `run ${requestId} is still being planned; start it once it has a plan`);
          continue;
        }
        break;
      case 'planned':
        break;
    }
    if (o.action !== 'pin') {
      if (o.window !== undefined) refuse('window_unexpected', `only a pin takes a window, not ${String(o.action)}`);
      else if (o.action !== 'start-now' && o.action !== 'cancel') {
        refuse('window_invalid', `action must be start-now, cancel or pin, got ${String(o.action)}`);
      }
      continue;
    }
    const problem = pinWindowProblem(entry.request, o.window, now);
    if (problem) refuse(problem.code, `run ${requestId}: ${problem.message}`);
  }
  return refusals;
}

function pinWindowProblem(
  request: RunRequest,
  window: RunOverride['window'],
  now: Date,
): Pick<OverrideRefusal, 'code' | 'message'> | undefined {
  if (window === undefined || window === null) return { code: 'window_missing', message: 'a pin needs a window' };
  const fromMs = Date.parse(window.from);
  const toMs = Date.parse(window.to);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
    return {
      code: 'window_invalid',
      message: `window.from and window.to must be ISO-8601 times, got ${String(window.from)}, ${String(window.to)}`,
    };
  }
  if (fromMs >= toMs) return { code: 'window_invalid', message: 'window.from must be before window.to' };
  const nowMs = now.getTime();
  if (toMs <= nowMs) {
    return { code: 'window_in_past', message: `the window ends at ${window.to}, before now (${now.toISOString()})` };
  }
  if (toMs - nowMs > MAX_PIN_AHEAD_MS) return { code: 'window_too_far', message: 'the window must end within 7 days' };
  const usableMin = (toMs - Math.max(fromMs, nowMs)) / 60_000;
  if (usableMin < request.durationMin) {
    return {
      code: 'window_too_short',
      message:
        `the ${request.durationMin} min cycle does not fit: ${Math.floor(usableMin)} min left in the window` +
        (fromMs < nowMs ? ' from now' : ''),
    };
  }
  return undefined;
}

/**
 * The home after the overrides (already checked with {@link overrideRefusals}): a pin is recorded on the request (the
 * next plans honour it); a cancel drops the run and its pending commands; "start now" moves the run and its pending
 * commands to `now` and takes it out of the planner's hands (`dispatched`), so the workflow sends the start at once.
 */
export function applyOverrides(
  homeId: string,
  home: HomeWorkflowState,
  input: OverrideRunsInput,
  now: Date,
): HomeWorkflowState {
  let next = home;
  for (const o of input.overrides) {
    if (o.action === 'pin' && o.window) next = pin(next, o.requestId, o.window, now);
    else if (o.action === 'cancel') next = cancel(next, o.requestId, now);
    else if (o.action === 'start-now') next = startNow(homeId, next, o.requestId, now);
  }
  return next;
}

/** The request as the planner must see it: a pin replaces its window. */
export function effectiveRequest(entry: RequestState): RunRequest {
  if (!entry.pin) return entry.request;
  const { earliestStart, ...request } = entry.request;
  return {
    ...request,
    earliestStart: entry.pin.from,
    readyBy: entry.pin.to,
    pinned: true,
    ...(earliestStart === undefined ? {} : { baselineStart: earliestStart }),
  };
}

/** Puts back the pins the requests had before (a pin the planner could not honour is undone). */
export function restorePins(home: HomeWorkflowState, previous: Record<string, RunPin | null>): HomeWorkflowState {
  return {
    ...home,
    requests: home.requests.map((r) => {
      if (!(r.request.requestId in previous)) return r;
      const before = previous[r.request.requestId];
      const { pin: _pin, ...rest } = r;
      return before ? { ...rest, pin: before } : rest;
    }),
  };
}

function pin(home: HomeWorkflowState, requestId: string, window: { from: string; to: string }, now: Date) {
  const value: RunPin = {
    from: new Date(Date.parse(window.from)).toISOString(),
    to: new Date(Date.parse(window.to)).toISOString(),
    pinnedAt: now.toISOString(),
  };
  return mapRequest(home, requestId, (r) => ({ ...r, pin: value }));
}

function cancel(home: HomeWorkflowState, requestId: string, now: Date): HomeWorkflowState {
  const next = mapRequest(home, requestId, (r) => ({
    ...r,
    status: 'cancelled',
    reason: `cancelled by the homeowner at ${now.toISOString()}`,
  }));
  return {
    ...next,
    commands: next.commands.map((c) =>
      c.requestId === requestId && c.status === 'pending' ? { ...c, status: 'cancelled' } : c,
    ),
    plan: withRuns(next.plan, (runs) => runs.filter((r) => r.requestId !== requestId)),
  };
}

function startNow(homeId: string, home: HomeWorkflowState, requestId: string, now: Date): HomeWorkflowState {
  const entry = home.requests.find((r) => r.request.requestId === requestId);
  if (!entry) return home;
  const startMs = now.getTime();
  const startAt = now.toISOString();
  const endAt = new Date(startMs + entry.request.durationMin * 60_000).toISOString();
  const next = mapRequest(home, requestId, (r) => ({
    ...r,
    status: 'dispatched',
    reason: `started now by the homeowner at ${startAt}`,
  }));
  const at = { start: startAt, stop: endAt } as const;
  const commands: CommandState[] = next.commands.map((c) =>
    c.requestId === requestId && c.status === 'pending' && (c.action === 'start' || c.action === 'stop')
      ? { ...c, at: at[c.action] }
      : c,
  );
  const actions: ('start' | 'stop')[] = entry.request.stopAtEnd ? ['start', 'stop'] : ['start'];
  for (const action of actions) {
    const idempotencyKey = commandIdempotencyKey(homeId, requestId, action);
    if (commands.some((c) => c.idempotencyKey === idempotencyKey)) continue;
    commands.push({
      idempotencyKey,
      homeId,
      deviceId: entry.request.deviceId,
      appliance: entry.request.appliance,
      requestId,
      action,
      at: at[action],
      planVersion: home.planVersion,
      status: 'pending',
    });
  }
  commands.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
  // Starting now is what the baseline assumes (run at request time), so it claims no avoided emissions.
  const moved = (r: PlannedRun): PlannedRun =>
    r.requestId === requestId ? { ...r, startAt, endAt, emissionsG: r.baselineEmissionsG, avoidedEmissionsG: 0 } : r;
  return { ...next, commands, plan: withRuns(next.plan, (runs) => runs.map(moved)) };
}

function mapRequest(
  home: HomeWorkflowState,
  requestId: string,
  f: (r: RequestState) => RequestState,
): HomeWorkflowState {
  return { ...home, requests: home.requests.map((r) => (r.request.requestId === requestId ? f(r) : r)) };
}

function withRuns(plan: HomeWorkflowState['plan'], f: (runs: PlannedRun[]) => PlannedRun[]): HomeWorkflowState['plan'] {
  if (!plan) return plan;
  const runs = f(plan.runs);
  return { ...plan, runs, avoidedEmissionsG: runs.reduce((sum, r) => sum + r.avoidedEmissionsG, 0) };
}
