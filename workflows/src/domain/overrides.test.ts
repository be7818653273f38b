import { fakePlan } from '../testing/fakePlans';
import type { OverrideRunsInput, PublishedPlan, RunRequest } from '../types';
import {
  homeScheduleStep,
  initialHomeSchedule,
  overrideErrors,
  overrideOutcome,
  planView,
  type HomeScheduleEffect,
  type HomeScheduleState,
} from './homeSchedule';
import { effectiveRequest } from './overrides';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-01-01T20:00:00Z');

function request(requestId: string, extra: Partial<RunRequest> = {}): RunRequest {
  return {
    requestId,
    deviceId: `dev-${requestId}`,
    appliance: 'dishwasher',
    durationMin: 120,
    powerW: 1000,
    readyBy: new Date(T0 + 12 * HOUR).toISOString(),
    ...extra,
  };
}

/** A fake planner: each run starts at its earliest start + `offsetMin` (the pin's from, when pinned). */
function planFor(effect: HomeScheduleEffect | undefined, offsetMin = 60): PublishedPlan {
  if (effect?.type !== 'planHome') throw new Error(`expected a planHome effect, got ${JSON.stringify(effect)}`);
  const input = {
    homeId: 'h1',
    region: 'GB',
    requests: effect.requests,
    planVersion: effect.planVersion,
    now: effect.now,
  };
  return fakePlan(
    input,
    (r) => (r.pinned ? Date.parse(r.earliestStart!) : Math.max(Date.parse(effect.now), T0) + offsetMin * MIN),
    { emissionsG: 100, baselineEmissionsG: 250 },
    'v1',
  );
}

const at = (ms: number): Date => new Date(ms);

/** A home with r1 and r2 planned at T0 + 60 min (plan version 1). */
function planned(extra: Partial<RunRequest> = {}): HomeScheduleState {
  let state = initialHomeSchedule({ homeId: 'h1', ackTimeoutMs: 10 * MIN });
  state = homeScheduleStep(state, { type: 'request', request: request('r1', extra) }, at(T0)).state;
  state = homeScheduleStep(state, { type: 'request', request: request('r2') }, at(T0)).state;
  const asked = homeScheduleStep(state, { type: 'replan' }, at(T0));
  return homeScheduleStep(asked.state, { type: 'planned', plan: planFor(asked.effects[0]) }, at(T0)).state;
}

/** Applies an override and runs the re-plan it asks for with the fake planner; returns each step's state. */
function override(state: HomeScheduleState, input: OverrideRunsInput, nowMs: number) {
  const overridden = homeScheduleStep(state, { type: 'override', input }, at(nowMs)).state;
  const waiting = overrideOutcome(overridden, input.overrideId);
  const asked = homeScheduleStep(overridden, { type: 'replan' }, at(nowMs));
  const plannedEffect = asked.effects.find((e) => e.type === 'planHome');
  const after = plannedEffect
    ? homeScheduleStep(asked.state, { type: 'planned', plan: planFor(plannedEffect) }, at(nowMs))
    : asked;
  return { overridden, waiting, asked, after: after.state };
}

const pin = (requestId: string, fromMs: number, toMs: number): OverrideRunsInput['overrides'][number] => ({
  requestId,
  action: 'pin',
  window: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
});

describe('overrides: what is refused, with a reason', () => {
  const state = planned();
  const refuse = (input: Partial<OverrideRunsInput>, nowMs = T0) =>
    overrideErrors(state, { overrideId: 'o1', overrides: [], ...input }, at(nowMs)).map((r) => r.code);

  it('accepts start-now, cancel and a pin that fits', () => {
    expect(refuse({ overrides: [{ requestId: 'r1', action: 'start-now' }] })).toEqual([]);
    expect(refuse({ overrides: [{ requestId: 'r1', action: 'cancel' }] })).toEqual([]);
    expect(refuse({ overrides: [pin('r1', T0 + 3 * HOUR, T0 + 5 * HOUR)] })).toEqual([]);
  });

  it('refuses unknown runs, empty and repeated lists, and windows on the wrong action', () => {
    expect(refuse({ overrides: [{ requestId: 'nope', action: 'cancel' }] })).toEqual(['unknown_run']);
    expect(refuse({ overrides: [] })).toEqual(['no_overrides']);
    expect(refuse({ overrideId: '', overrides: [{ requestId: 'r1', action: 'cancel' }] })).toEqual(['no_overrides']);
    expect(
      refuse({
        overrides: [
          { requestId: 'r1', action: 'cancel' },
          { requestId: 'r1', action: 'start-now' },
        ],
      }),
    ).toEqual(['duplicate_run']);
    expect(refuse({ overrides: [{ requestId: 'r1', action: 'pin' }] })).toEqual(['window_missing']);
    expect(refuse({ overrides: [{ ...pin('r1', T0, T0 + 3 * HOUR), action: 'cancel' }] })).toEqual([
      'window_unexpected',
    ]);
  });

  it('refuses windows in the past, shorter than the cycle, inverted, unparseable or too far ahead', () => {
    const codes = (o: OverrideRunsInput['overrides'][number], nowMs = T0) => refuse({ overrides: [o] }, nowMs);
    expect(codes(pin('r1', T0 - 3 * HOUR, T0 - HOUR))).toEqual(['window_in_past']);
    // 120 min cycle: a 119 min window, and a 3 h window of which only 1 h is left from now.
    expect(codes(pin('r1', T0 + HOUR, T0 + HOUR + 119 * MIN))).toEqual(['window_too_short']);
    expect(codes(pin('r1', T0 - 2 * HOUR, T0 + HOUR))).toEqual(['window_too_short']);
    expect(codes(pin('r1', T0 + 5 * HOUR, T0 + 2 * HOUR))).toEqual(['window_invalid']);
    expect(codes({ requestId: 'r1', action: 'pin', window: { from: 'soon', to: 'later' } })).toEqual([
      'window_invalid',
    ]);
    expect(codes(pin('r1', T0 + 8 * 24 * HOUR, T0 + 8 * 24 * HOUR + 3 * HOUR))).toEqual(['window_too_far']);
    const message = overrideErrors(state, { overrideId: 'x', overrides: [pin('r1', T0, T0 + HOUR)] }, at(T0))[0]!
      .message;
    expect(message).toBe('run r1: the 120 min cycle does not fit: 60 min left in the window');
  });

  it('refuses runs that already started, were cancelled or refused, and start-now before a plan', () => {
    const started = override(
      state,
      { overrideId: 's', overrides: [{ requestId: 'r1', action: 'start-now' }] },
      T0,
    ).after;
    expect(
      overrideErrors(started, { overrideId: 'o2', overrides: [{ requestId: 'r1', action: 'cancel' }] }, at(T0)),
    ).toEqual([{ requestId: 'r1', code: 'already_started', message: 'run r1 has already started (dispatched)' }]);
    const cancelled = override(
      state,
      { overrideId: 'c', overrides: [{ requestId: 'r2', action: 'cancel' }] },
      T0,
    ).after;
    expect(
      overrideErrors(
        cancelled,
        { overrideId: 'o3', overrides: [{ requestId: 'r2', action: 'start-now' }] },
        at(T0),
      ).map((r) => r.code),
    ).toEqual(['already_cancelled']);
    const fresh = homeScheduleStep(state, { type: 'request', request: request('r3') }, at(T0)).state;
    expect(
      overrideErrors(fresh, { overrideId: 'o4', overrides: [{ requestId: 'r3', action: 'start-now' }] }, at(T0)).map(
        (r) => r.code,
      ),
    ).toEqual(['not_planned_yet']);
    // A repeated override id is not checked again: its first answer stands.
    expect(
      overrideErrors(cancelled, { overrideId: 'c', overrides: [{ requestId: 'r2', action: 'cancel' }] }, at(T0)),
    ).toEqual([]);
  });
});

describe('overrides: what the home becomes', () => {
  it('a pin is a constraint of the re-plan, survives later re-plans and is answered with the new start', () => {
    const state = planned();
    const from = T0 + 5 * HOUR;
    const { overridden, waiting, asked, after } = override(
      state,
      { overrideId: 'p1', overrides: [pin('r1', from, from + 3 * HOUR)] },
      T0 + MIN,
    );
    expect(overridden.replanNeeded).toBe(true);
    expect(waiting).toBeUndefined();
    const sent = asked.effects.find((e) => e.type === 'planHome');
    expect(sent?.type === 'planHome' && sent.requests.find((r) => r.requestId === 'r1')).toMatchObject({
      earliestStart: new Date(from).toISOString(),
      readyBy: new Date(from + 3 * HOUR).toISOString(),
      pinned: true,
    });
    const outcome = overrideOutcome(after, 'p1');
    expect(outcome).toEqual({
      applied: {
        overrideId: 'p1',
        planVersion: 2,
        runs: [
          {
            requestId: 'r1',
            action: 'pin',
            status: 'planned',
            startAt: new Date(from).toISOString(),
            endAt: new Date(from + 2 * HOUR).toISOString(),
            pin: {
              from: new Date(from).toISOString(),
              to: new Date(from + 3 * HOUR).toISOString(),
              pinnedAt: new Date(T0 + MIN).toISOString(),
            },
          },
        ],
      },
    });
    // The start command moved with the plan.
    expect(after.home.commands.find((c) => c.requestId === 'r1' && c.status === 'pending')?.at).toBe(
      new Date(from).toISOString(),
    );
    // A re-plan on new forecasts keeps the pin (it is on the request, carried by continue-as-new).
    const changed = homeScheduleStep(after, { type: 'forecastsChanged', issuedAt: 'x', modelVersion: 'v2' }, at(T0));
    const again = homeScheduleStep(changed.state, { type: 'replan' }, at(T0 + 2 * MIN));
    const ask = again.effects.find((e) => e.type === 'planHome');
    expect(ask?.type === 'planHome' && ask.requests.find((r) => r.requestId === 'r1')?.pinned).toBe(true);
    const replanned = homeScheduleStep(again.state, { type: 'planned', plan: planFor(ask) }, at(T0 + 2 * MIN)).state;
    expect(planView(replanned).plan?.runs.find((r) => r.requestId === 'r1')?.startAt).toBe(
      new Date(from).toISOString(),
    );
    const compacted = homeScheduleStep(replanned, { type: 'compact' }, at(T0)).state;
    expect(effectiveRequest(compacted.home.requests.find((r) => r.request.requestId === 'r1')!).pinned).toBe(true);
  });

  it("a pinned request keeps its own earliest start as the baseline's (a pin to a cleaner window avoids CO2)", () => {
    const request = { requestId: 'r9', earliestStart: new Date(T0).toISOString() } as RunRequest;
    const pinFrom = new Date(T0 + 5 * HOUR).toISOString();
    const pinTo = new Date(T0 + 8 * HOUR).toISOString();
    const entry = { request, pin: { from: pinFrom, to: pinTo, pinnedAt: pinFrom } } as Parameters<
      typeof effectiveRequest
    >[0];
    expect(effectiveRequest(entry)).toMatchObject({
      earliestStart: pinFrom,
      readyBy: pinTo,
      pinned: true,
      baselineStart: new Date(T0).toISOString(),
    });
    // Asked with no earliest start (now): no baseline start, the planner takes now.
    const { earliestStart: _omit, ...asNow } = request;
    expect(effectiveRequest({ ...entry, request: asNow as RunRequest })).not.toHaveProperty('baselineStart');
  });

  it('a pin the planner refuses is undone and its update refused; the plan is made again without it', () => {
    const state = planned();
    const overridden = homeScheduleStep(
      state,
      { type: 'override', input: { overrideId: 'p2', overrides: [pin('r1', T0 + HOUR, T0 + 4 * HOUR)] } },
      at(T0),
    ).state;
    const asked = homeScheduleStep(overridden, { type: 'replan' }, at(T0)).state;
    const failed = homeScheduleStep(
      asked,
      { type: 'planFailed', refused: true, reason: 'the fuse is full', error: 'Infeasible' },
      at(T0),
    ).state;
    expect(overrideOutcome(failed, 'p2')).toEqual({
      refused: [
        { requestId: 'r1', code: 'replan_failed', message: 'the planner cannot honour the pin: the fuse is full' },
      ],
    });
    expect(failed.home.requests.find((r) => r.request.requestId === 'r1')?.pin).toBeUndefined();
    expect(failed.home.requests.map((r) => r.status)).toEqual(['planned', 'planned']);
    expect(failed.replanNeeded).toBe(true);
  });

  it('cancel drops the run, its pending commands and its avoided emissions', () => {
    const { after } = override(planned(), { overrideId: 'c1', overrides: [{ requestId: 'r1', action: 'cancel' }] }, T0);
    expect(after.home.requests.find((r) => r.request.requestId === 'r1')?.status).toBe('cancelled');
    expect(after.home.commands.filter((c) => c.requestId === 'r1').map((c) => c.status)).toEqual(['cancelled']);
    expect(after.home.plan?.runs.map((r) => r.requestId)).toEqual(['r2']);
    expect(after.home.plan?.avoidedEmissionsG).toBe(150);
    expect(overrideOutcome(after, 'c1')).toEqual({
      applied: { overrideId: 'c1', planVersion: 2, runs: [{ requestId: 'r1', action: 'cancel', status: 'cancelled' }] },
    });
  });

  it('a cancel while the planner is working keeps the cancelled run out of the plan that comes back', () => {
    const state = planned();
    const asking = homeScheduleStep(state, { type: 'forecastsChanged', issuedAt: 'x', modelVersion: 'v2' }, at(T0));
    const asked = homeScheduleStep(asking.state, { type: 'replan' }, at(T0));
    const cancelled = homeScheduleStep(
      asked.state,
      { type: 'override', input: { overrideId: 'c2', overrides: [{ requestId: 'r2', action: 'cancel' }] } },
      at(T0),
    ).state;
    const answered = homeScheduleStep(cancelled, { type: 'planned', plan: planFor(asked.effects[0]) }, at(T0)).state;
    expect(answered.home.plan?.runs.map((r) => r.requestId)).toEqual(['r1']);
    expect(answered.home.requests.find((r) => r.request.requestId === 'r2')?.status).toBe('cancelled');
    expect(answered.home.commands.filter((c) => c.requestId === 'r2' && c.status === 'pending')).toEqual([]);
    // That plan did not include the cancel's re-plan request, so the update still waits for the next one.
    expect(overrideOutcome(answered, 'c2')).toBeUndefined();
    expect(answered.replanNeeded).toBe(true);
  });

  it('start-now moves the start (and stop) to now, sends it at once and answers once it has left', () => {
    const now = T0 + 10 * MIN;
    const { after } = override(
      planned({ stopAtEnd: true }),
      { overrideId: 's1', overrides: [{ requestId: 'r1', action: 'start-now' }] },
      now,
    );
    const r1 = after.home.commands.filter((c) => c.requestId === 'r1');
    expect(r1.map((c) => [c.action, c.at, c.status])).toEqual([
      ['start', new Date(now).toISOString(), 'pending'],
      ['stop', new Date(now + 2 * HOUR).toISOString(), 'pending'],
    ]);
    expect(after.home.plan?.runs.find((r) => r.requestId === 'r1')).toMatchObject({
      startAt: new Date(now).toISOString(),
      avoidedEmissionsG: 0,
    });
    // Not answered until the start command has been sent.
    expect(overrideOutcome(after, 's1')).toBeUndefined();
    const due = homeScheduleStep(after, { type: 'due' }, at(now));
    const command = due.effects.find((e) => e.type === 'dispatchCommand');
    expect(command?.type === 'dispatchCommand' && command.command).toMatchObject({
      idempotencyKey: 'h1/r1/start',
      action: 'start',
      at: new Date(now).toISOString(),
    });
    const sent = homeScheduleStep(due.state, { type: 'sent', idempotencyKey: 'h1/r1/start' }, at(now)).state;
    expect(overrideOutcome(sent, 's1')).toEqual({
      applied: {
        overrideId: 's1',
        planVersion: 2,
        runs: [
          {
            requestId: 'r1',
            action: 'start-now',
            status: 'dispatched',
            startAt: new Date(now).toISOString(),
            endAt: new Date(now + 2 * HOUR).toISOString(),
            command: { idempotencyKey: 'h1/r1/start', status: 'sent' },
          },
        ],
      },
    });
    // The other run was re-planned; r1 was not handed to the planner again.
    expect(sent.home.plan?.runs.map((r) => r.requestId).sort()).toEqual(['r1', 'r2']);
  });

  it('several pins at once (a Pareto point) are one change and one re-plan', () => {
    const a = T0 + 2 * HOUR;
    const b = T0 + 6 * HOUR;
    const { asked, after } = override(
      planned(),
      { overrideId: 'pareto', overrides: [pin('r1', a, a + 2 * HOUR), pin('r2', b, b + 2 * HOUR)] },
      T0,
    );
    expect(asked.effects.filter((e) => e.type === 'planHome')).toHaveLength(1);
    const outcome = overrideOutcome(after, 'pareto');
    expect(outcome && 'applied' in outcome && outcome.applied.runs.map((r) => r.startAt)).toEqual([
      new Date(a).toISOString(),
      new Date(b).toISOString(),
    ]);
  });
});
