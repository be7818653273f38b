import { fakePlan } from '../testing/fakePlans';
import type { PublishedPlan, RunRequest } from '../types';
import {
  homeScheduleStep,
  initialHomeSchedule,
  msUntilWake,
  planView,
  REPLAN_RETRY_MS,
  replanDue,
  requestErrors,
  requestOutcome,
  SETTLED_KEPT,
  type HomeScheduleEffect,
  type HomeScheduleEvent,
  type HomeScheduleState,
} from './homeSchedule';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-01-01T20:00:00Z');
const ACK_TIMEOUT_MS = 10 * MIN;

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

/** The planner's answer: every requested run starts `offsetMin` after T0 and avoids 150 g. */
function planFor(effect: HomeScheduleEffect | undefined, offsetMin = 60): PublishedPlan {
  if (effect?.type !== 'planHome') throw new Error(`expected a planHome effect, got ${JSON.stringify(effect)}`);
  const input = {
    homeId: 'h1',
    region: 'GB',
    requests: effect.requests,
    planVersion: effect.planVersion,
    now: effect.now,
  };
  const plan = fakePlan(input, () => T0 + offsetMin * MIN, { emissionsG: 100, baselineEmissionsG: 250 }, 'v1');
  return { ...plan, forecastIssuedAt: '2026-01-01T19:00:00.000Z' };
}

/** Runs events in order, each at its own time, collecting every effect. */
function run(state: HomeScheduleState, events: [HomeScheduleEvent, number][]) {
  const effects: HomeScheduleEffect[] = [];
  for (const [event, atMs] of events) {
    const t = homeScheduleStep(state, event, new Date(atMs));
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const fresh = (): HomeScheduleState => initialHomeSchedule({ homeId: 'h1', ackTimeoutMs: ACK_TIMEOUT_MS });

/** A home with request r1 planned to start at T0 + 60 min (plan version 1). */
function planned(extra: Partial<RunRequest> = {}): HomeScheduleState {
  let state = homeScheduleStep(fresh(), { type: 'request', request: request('r1', extra) }, new Date(T0)).state;
  const asked = homeScheduleStep(state, { type: 'replan' }, new Date(T0));
  state = homeScheduleStep(asked.state, { type: 'planned', plan: planFor(asked.effects[0]) }, new Date(T0)).state;
  return state;
}

describe('home schedule: requests and plans', () => {
  it('starts empty, or re-plans what continue-as-new carried when it holds new requests', () => {
    const empty = fresh();
    expect(empty.home).toEqual({ requests: [], commands: [], plan: null, planVersion: 0, replans: 0 });
    expect(replanDue(empty, T0)).toBe(false);
    expect(msUntilWake(empty, T0)).toBeUndefined();
    const carried = initialHomeSchedule({
      homeId: 'h1',
      ackTimeoutMs: ACK_TIMEOUT_MS,
      carried: { ...empty.home, requests: [{ request: request('r1'), status: 'new' }] },
    });
    expect(replanDue(carried, T0)).toBe(true);
  });

  it('takes a request, indexes its appliance, plans it, publishes the plan and answers the update', () => {
    const requested = homeScheduleStep(fresh(), { type: 'request', request: request('r1') }, new Date(T0));
    expect(requested.effects).toEqual([{ type: 'indexAppliance', appliance: 'dishwasher' }]);
    expect(replanDue(requested.state, T0)).toBe(true);
    expect(requestOutcome(requested.state, 'r1')).toBeUndefined(); // the update waits

    const asked = homeScheduleStep(requested.state, { type: 'replan' }, new Date(T0));
    expect(asked.effects).toEqual([
      { type: 'planHome', requests: [request('r1')], planVersion: 1, now: new Date(T0).toISOString() },
    ]);
    expect(replanDue(asked.state, T0)).toBe(false);

    const plan = planFor(asked.effects[0]);
    const done = homeScheduleStep(asked.state, { type: 'planned', plan }, new Date(T0 + 1000));
    expect(done.effects).toEqual([{ type: 'publishSchedule', plan }]);
    expect(done.state.home.planVersion).toBe(1);
    expect(done.state.home.replans).toBe(1);
    expect(done.state.home.requests.map((r) => r.status)).toEqual(['planned']);
    expect(done.state.home.commands).toEqual([
      expect.objectContaining({ idempotencyKey: 'h1/r1/start', action: 'start', status: 'pending', planVersion: 1 }),
    ]);
    expect(requestOutcome(done.state, 'r1')).toEqual({
      planned: {
        requestId: 'r1',
        startAt: new Date(T0 + HOUR).toISOString(),
        endAt: new Date(T0 + 3 * HOUR).toISOString(),
        avoidedEmissionsG: 150,
        planVersion: 1,
      },
    });
    expect(planView(done.state)).toMatchObject({ homeId: 'h1', expectedAvoidedEmissionsG: 150, replans: 1 });
    // The start falls due in an hour.
    expect(msUntilWake(done.state, T0)).toBe(HOUR);
  });

  it('is idempotent for a repeated request: the validator refuses it and the machine ignores it', () => {
    const state = planned();
    expect(requestErrors(state, request('r1'), new Date(T0))).toEqual(['requestId r1 was already used in this home']);
    const again = homeScheduleStep(state, { type: 'request', request: request('r1', { powerW: 2 }) }, new Date(T0));
    expect(again.state).toBe(state);
    expect(again.effects).toEqual([]);
  });

  it('takes a request with its real power profile, and names what is wrong with a bad one', () => {
    const profiled = request('p1', { durationMin: 3, profileW: [2000, 100, 1900] });
    expect(requestErrors(fresh(), profiled, new Date(T0))).toEqual([]);
    expect(requestErrors(fresh(), { ...profiled, profileW: [2000, 100] }, new Date(T0))).toEqual([
      'profileW must have one value per minute of the 3 min run (3), got 2',
    ]);
    expect(requestErrors(fresh(), { ...profiled, profileW: [2000, -1, Number.NaN] }, new Date(T0))).toEqual([
      'profileW[1] must be in [0, 50000] W, got -1',
    ]);
    expect(requestErrors(fresh(), { ...profiled, profileW: 'flat' as unknown as number[] }, new Date(T0))).toEqual([
      'profileW must be an array of powers (W), got string',
    ]);
    // The profile goes to the planner as it came.
    const asked = run(fresh(), [
      [{ type: 'request', request: profiled }, T0],
      [{ type: 'replan' }, T0],
    ]).effects;
    expect(asked[1]).toMatchObject({ type: 'planHome', requests: [{ profileW: [2000, 100, 1900] }] });
  });

  it('publishes an empty plan without asking the planner when nothing is left to plan', () => {
    let state = planned();
    state = homeScheduleStep(state, { type: 'manualStart', deviceId: 'dev-r1', at: 'x' }, new Date(T0)).state;
    const t = homeScheduleStep(state, { type: 'replan' }, new Date(T0 + MIN));
    expect(t.effects).toEqual([
      {
        type: 'publishSchedule',
        plan: {
          homeId: 'h1',
          version: 2,
          plannedAt: new Date(T0 + MIN).toISOString(),
          forecastIssuedAt: '2026-01-01T19:00:00.000Z',
          forecastModelVersion: 'v1',
          runs: [],
          slots: [],
          avoidedEmissionsG: 0,
        },
      },
    ]);
    expect(t.state.home.planVersion).toBe(2);
  });

  it('moves a pending command on a re-plan after new forecasts, keeping its idempotency key', () => {
    let state = planned();
    const changed = homeScheduleStep(
      state,
      { type: 'forecastsChanged', issuedAt: 'i', modelVersion: 'v2' },
      new Date(T0),
    );
    expect(changed.effects).toEqual([
      {
        type: 'log',
        level: 'info',
        message: 'forecasts changed',
        fields: { homeId: 'h1', issuedAt: 'i', modelVersion: 'v2' },
      },
    ]);
    expect(replanDue(changed.state, T0)).toBe(true);
    const asked = homeScheduleStep(changed.state, { type: 'replan' }, new Date(T0));
    state = homeScheduleStep(
      asked.state,
      { type: 'planned', plan: planFor(asked.effects[0], 300) },
      new Date(T0),
    ).state;
    expect(state.home.commands).toEqual([
      expect.objectContaining({
        idempotencyKey: 'h1/r1/start',
        at: new Date(T0 + 300 * MIN).toISOString(),
        planVersion: 2,
      }),
    ]);
  });

  it('does not re-plan on new forecasts when nothing is planned', () => {
    const t = homeScheduleStep(fresh(), { type: 'forecastsChanged', issuedAt: 'i', modelVersion: 'v2' }, new Date(T0));
    expect(replanDue(t.state, T0)).toBe(false);
  });

  it('refuses the new requests when the planner finds them infeasible, and keeps the plan of the others', () => {
    let state = planned();
    state = homeScheduleStep(state, { type: 'request', request: request('sauna') }, new Date(T0)).state;
    const asked = homeScheduleStep(state, { type: 'replan' }, new Date(T0));
    const failed = homeScheduleStep(
      asked.state,
      {
        type: 'planFailed',
        refused: true,
        reason: 'the sauna cannot run',
        error: 'ApplicationFailure: the sauna cannot run',
      },
      new Date(T0),
    );
    expect(failed.effects).toEqual([]);
    expect(failed.state.home.requests.map((r) => [r.request.requestId, r.status])).toEqual([
      ['r1', 'planned'],
      ['sauna', 'rejected'],
    ]);
    expect(requestOutcome(failed.state, 'sauna')).toEqual({ refused: 'the sauna cannot run' });
    expect(failed.state.home.plan?.runs.map((r) => r.requestId)).toEqual(['r1']);
    // Re-planned at once without the refused request.
    expect(replanDue(failed.state, T0)).toBe(true);
    const again = homeScheduleStep(failed.state, { type: 'replan' }, new Date(T0));
    expect(again.effects[0]).toMatchObject({ type: 'planHome', requests: [request('r1')], planVersion: 2 });
  });

  it('keeps the previous plan and retries later when planning fails for another reason', () => {
    const state = planned();
    const asked = homeScheduleStep({ ...state, replanNeeded: true }, { type: 'replan' }, new Date(T0));
    const failed = homeScheduleStep(
      asked.state,
      { type: 'planFailed', refused: false, reason: 'timeout', error: 'TimeoutFailure: timeout' },
      new Date(T0 + MIN),
    );
    expect(failed.effects).toEqual([
      {
        type: 'log',
        level: 'error',
        message: 'planning failed; keeping the previous plan',
        fields: { homeId: 'h1', error: 'TimeoutFailure: timeout' },
      },
    ]);
    expect(failed.state.home).toEqual(state.home);
    expect(replanDue(failed.state, T0 + MIN + REPLAN_RETRY_MS - 1)).toBe(false);
    expect(replanDue(failed.state, T0 + MIN + REPLAN_RETRY_MS)).toBe(true);
    // The retry (T0 + 11 min) comes before the planned start (T0 + 60 min).
    expect(msUntilWake(failed.state, T0 + MIN)).toBe(REPLAN_RETRY_MS);
    // A successful plan clears the retry.
    const asked2 = homeScheduleStep(failed.state, { type: 'replan' }, new Date(T0 + MIN + REPLAN_RETRY_MS));
    const ok = homeScheduleStep(asked2.state, { type: 'planned', plan: planFor(asked2.effects[0]) }, new Date(T0));
    expect(ok.state.replanRetryAtMs).toBeUndefined();
  });

  it('ignores a planner answer nobody asked for', () => {
    const state = planned();
    const stray = homeScheduleStep(state, { type: 'planned', plan: state.home.plan! }, new Date(T0));
    expect(stray).toEqual({ state, effects: [] });
    expect(
      homeScheduleStep(state, { type: 'planFailed', refused: true, reason: 'x', error: 'x' }, new Date(T0)).state,
    ).toBe(state);
  });

  it('a manual start drops the earliest planned run of that device and cancels its pending commands', () => {
    let state = planned({ deviceId: 'dw1' });
    state = run(state, [
      [
        {
          type: 'request',
          request: request('r2', { deviceId: 'dw1', readyBy: new Date(T0 + 20 * HOUR).toISOString() }),
        },
        T0,
      ],
    ]).state;
    const t = homeScheduleStep(
      state,
      { type: 'manualStart', deviceId: 'dw1', at: '2026-01-01T20:05:00Z' },
      new Date(T0),
    );
    expect(t.state.home.requests.map((r) => [r.request.requestId, r.status])).toEqual([
      ['r1', 'started-manually'],
      ['r2', 'new'],
    ]);
    expect(t.state.home.requests[0]?.reason).toBe('device dw1 started by hand at 2026-01-01T20:05:00Z');
    expect(t.state.home.commands.map((c) => c.status)).toEqual(['cancelled']);
    expect(replanDue(t.state, T0)).toBe(true);
    expect(t.effects[0]).toMatchObject({ type: 'log', message: 'manual start reported', fields: { requestId: 'r1' } });
  });
});

describe('home schedule: a request started by hand before it was planned', () => {
  it('answers the waiting update with why it has no run', () => {
    const state = run(fresh(), [
      [{ type: 'request', request: request('r1', { deviceId: 'dw1' }) }, T0],
      [{ type: 'manualStart', deviceId: 'dw1', at: 'x' }, T0],
    ]).state;
    expect(requestOutcome(state, 'r1')).toEqual({ refused: 'device dw1 started by hand at x' });
  });
});

describe('home schedule: commands, acks and expiry', () => {
  const due = T0 + HOUR;

  it('sends the due command once, marks its request dispatched and then waits for the ack', () => {
    let state = planned();
    expect(homeScheduleStep(state, { type: 'due' }, new Date(due - 1)).effects).toEqual([]);
    const sending = homeScheduleStep(state, { type: 'due' }, new Date(due));
    expect(sending.effects).toEqual([
      {
        type: 'dispatchCommand',
        command: {
          idempotencyKey: 'h1/r1/start',
          homeId: 'h1',
          deviceId: 'dev-r1',
          appliance: 'dishwasher',
          requestId: 'r1',
          action: 'start',
          at: new Date(due).toISOString(),
          planVersion: 1,
        },
      },
    ]);
    const sent = homeScheduleStep(sending.state, { type: 'sent', idempotencyKey: 'h1/r1/start' }, new Date(due + 500));
    expect(sent.effects).toEqual([]);
    state = sent.state;
    expect(state.home.commands[0]).toMatchObject({ status: 'sent', sentAt: new Date(due + 500).toISOString() });
    expect(state.home.requests[0]?.status).toBe('dispatched');
    // A second `due` and a repeated result send nothing more.
    expect(homeScheduleStep(state, { type: 'due' }, new Date(due + HOUR)).effects).toEqual([]);
    expect(homeScheduleStep(state, { type: 'sent', idempotencyKey: 'h1/r1/start' }, new Date(due)).state).toBe(state);
    // The next wake is the ack deadline.
    expect(msUntilWake(state, due + 500)).toBe(ACK_TIMEOUT_MS);
  });

  it('sends the due commands one after another, skipping one cancelled while another was being sent', () => {
    let state = planned({ deviceId: 'dw1', stopAtEnd: true });
    state = run(state, [[{ type: 'request', request: request('r2', { deviceId: 'wm1' }) }, T0]]).state;
    const asked = homeScheduleStep(state, { type: 'replan' }, new Date(T0));
    state = homeScheduleStep(asked.state, { type: 'planned', plan: planFor(asked.effects[0], 0) }, new Date(T0)).state;
    expect(state.home.commands.map((c) => c.idempotencyKey)).toEqual(['h1/r1/start', 'h1/r2/start', 'h1/r1/stop']);

    const first = homeScheduleStep(state, { type: 'due' }, new Date(T0));
    expect(first.effects).toEqual([
      { type: 'dispatchCommand', command: expect.objectContaining({ idempotencyKey: 'h1/r1/start' }) },
    ]);
    // While r1's start is sent, wm1 is started by hand: its pending start is cancelled and must not be sent.
    const manual = homeScheduleStep(first.state, { type: 'manualStart', deviceId: 'wm1', at: 'x' }, new Date(T0));
    const after = homeScheduleStep(manual.state, { type: 'sent', idempotencyKey: 'h1/r1/start' }, new Date(T0));
    expect(after.effects).toEqual([]);
    expect(after.state.sending).toEqual([]);
    // r1's stop is not due yet.
    expect(after.state.home.commands.map((c) => [c.idempotencyKey, c.status])).toEqual([
      ['h1/r1/start', 'sent'],
      ['h1/r2/start', 'cancelled'],
      ['h1/r1/stop', 'pending'],
    ]);
  });

  it('records a command that could not be sent as failed, and its run as dispatched all the same', () => {
    const sending = homeScheduleStep(planned(), { type: 'due' }, new Date(due));
    const t = homeScheduleStep(
      sending.state,
      { type: 'sendFailed', idempotencyKey: 'h1/r1/start', error: 'broker down' },
      new Date(due),
    );
    expect(t.state.home.commands[0]).toMatchObject({ status: 'failed', error: 'broker down' });
    expect(t.state.home.requests[0]?.status).toBe('dispatched');
    expect(t.effects[0]).toMatchObject({ type: 'log', level: 'error', message: 'command not sent' });
    // A dispatched run is kept as it is by later plans and not planned again.
    const asked = homeScheduleStep({ ...t.state, replanNeeded: true }, { type: 'replan' }, new Date(due));
    expect(asked.effects[0]?.type).toBe('publishSchedule');
    expect(asked.state.home.plan?.runs.map((r) => r.requestId)).toEqual(['r1']);
  });

  it('keeps an ack that arrived while the command was being sent', () => {
    const sending = homeScheduleStep(planned(), { type: 'due' }, new Date(due));
    const ack: HomeScheduleEvent = { type: 'ack', idempotencyKey: 'h1/r1/start', ok: true, at: 'a' };
    const acked = homeScheduleStep(sending.state, ack, new Date(due));
    const sent = homeScheduleStep(acked.state, { type: 'sent', idempotencyKey: 'h1/r1/start' }, new Date(due));
    expect(sent.state.home.commands[0]).toMatchObject({ status: 'acked', ackedAt: 'a' });
    expect(sent.state.home.commands[0]?.sentAt).toBeDefined();
  });

  it('handles acks idempotently: a repeat, a late refusal or an unknown key change nothing', () => {
    let state = run(planned(), [
      [{ type: 'due' }, due],
      [{ type: 'sent', idempotencyKey: 'h1/r1/start' }, due],
      [{ type: 'ack', idempotencyKey: 'h1/r1/start', ok: true, at: 'first' }, due],
    ]).state;
    expect(state.home.commands[0]).toMatchObject({ status: 'acked', ackedAt: 'first' });
    for (const event of [
      { type: 'ack', idempotencyKey: 'h1/r1/start', ok: true, at: 'second' },
      { type: 'ack', idempotencyKey: 'h1/r1/start', ok: false, at: 'third', error: 'late' },
      { type: 'ack', idempotencyKey: 'h1/nope/start', ok: true, at: 'x' },
    ] as HomeScheduleEvent[]) {
      const t = homeScheduleStep(state, event, new Date(due));
      expect(t.state).toBe(state);
      expect(t.effects).toEqual([]);
    }
    // A refusal from the device is recorded with its reason.
    state = run(planned(), [
      [{ type: 'due' }, due],
      [{ type: 'sent', idempotencyKey: 'h1/r1/start' }, due],
      [{ type: 'ack', idempotencyKey: 'h1/r1/start', ok: false, at: 'x' }, due],
    ]).state;
    expect(state.home.commands[0]).toMatchObject({ status: 'failed', error: 'device refused: no reason given' });
  });

  it('gives up on an ack exactly at the ack timeout', () => {
    const state = run(planned(), [
      [{ type: 'due' }, due],
      [{ type: 'sent', idempotencyKey: 'h1/r1/start' }, due],
    ]).state;
    const early = homeScheduleStep(state, { type: 'expire' }, new Date(due + ACK_TIMEOUT_MS - 1));
    expect(early).toEqual({ state, effects: [] });
    const late = homeScheduleStep(state, { type: 'expire' }, new Date(due + ACK_TIMEOUT_MS));
    expect(late.state.home.commands[0]?.status).toBe('unacknowledged');
    expect(late.effects).toEqual([
      {
        type: 'log',
        level: 'warn',
        message: 'no ack from device',
        fields: { homeId: 'h1', idempotencyKey: 'h1/r1/start', deviceId: 'dev-r1' },
      },
    ]);
    expect(msUntilWake(late.state, due + ACK_TIMEOUT_MS)).toBeUndefined();
    // An ack after the timeout still counts.
    const acked = homeScheduleStep(
      late.state,
      { type: 'ack', idempotencyKey: 'h1/r1/start', ok: true, at: 'x' },
      new Date(0),
    );
    expect(acked.state.home.commands[0]?.status).toBe('acked');
  });
});

describe('home schedule: compaction', () => {
  it(`keeps the ${SETTLED_KEPT} most recent settled requests and commands and everything still open`, () => {
    const settled = Array.from({ length: 30 }, (_, i) => ({
      request: request(`s${i}`),
      status: 'dispatched' as const,
    }));
    const commands = Array.from({ length: 30 }, (_, i) => ({
      idempotencyKey: `h1/s${i}/start`,
      homeId: 'h1',
      deviceId: 'd',
      appliance: 'dishwasher',
      requestId: `s${i}`,
      action: 'start' as const,
      at: new Date(T0 + i * MIN).toISOString(),
      planVersion: 1,
      status: (i % 2 === 0 ? 'acked' : 'unacknowledged') as 'acked' | 'unacknowledged',
    }));
    const open = { ...commands[0]!, idempotencyKey: 'h1/open/start', requestId: 'open', status: 'pending' as const };
    const state: HomeScheduleState = {
      ...fresh(),
      home: {
        requests: [{ request: request('open'), status: 'planned' }, ...settled],
        commands: [open, ...commands],
        plan: null,
        planVersion: 7,
        replans: 9,
      },
    };
    const { home } = homeScheduleStep(state, { type: 'compact' }, new Date(T0)).state;
    expect(home.requests.map((r) => r.request.requestId)).toEqual([
      'open',
      ...Array.from({ length: SETTLED_KEPT }, (_, i) => `s${i + 10}`),
    ]);
    expect(home.commands.map((c) => c.requestId)).toEqual([
      'open',
      ...Array.from({ length: SETTLED_KEPT }, (_, i) => `s${i + 10}`),
    ]);
    expect([home.planVersion, home.replans]).toEqual([7, 9]);
    // Compacting again changes nothing.
    const twice = homeScheduleStep({ ...state, home }, { type: 'compact' }, new Date(T0)).state.home;
    expect(twice).toEqual(home);
  });
});
