import type { RunVerification } from '../types';
import { MAX_VERIFIED_RUNS, homeScheduleStep, initialHomeSchedule, planView } from './homeSchedule';

// Issue #13: the plan's query shows expected and, once known, verified figures (verifyHomeRuns signals them).
const now = new Date('2026-12-03T12:00:00Z');
const run = (requestId: string, status: string, avoidedG?: number): RunVerification => ({
  homeId: 'h1',
  requestId,
  deviceId: 'dw',
  status,
  expectedAvoidedG: 100,
  ...(avoidedG === undefined ? {} : { realisedG: 400 - avoidedG, counterfactualG: 400, avoidedG }),
});

describe('verified runs in currentPlan', () => {
  it('starts with none', () => {
    const view = planView(initialHomeSchedule({ homeId: 'h1', ackTimeoutMs: 60_000 }));
    expect(view).toMatchObject({ verifiedAvoidedEmissionsG: 0, verifiedRuns: [] });
  });

  it('sums the verified runs; a later finding of a run replaces its earlier one', () => {
    let state = initialHomeSchedule({ homeId: 'h1', ackTimeoutMs: 60_000 });
    state = homeScheduleStep(
      state,
      { type: 'runsVerified', runs: [run('r1', 'no_actuals'), run('r2', 'verified', 80)] },
      now,
    ).state;
    expect(planView(state).verifiedAvoidedEmissionsG).toBe(80);
    state = homeScheduleStep(
      state,
      { type: 'runsVerified', runs: [run('r1', 'verified', 30), run('r2', 'verified', 80)] },
      now,
    ).state;
    const view = planView(state);
    expect(view.verifiedAvoidedEmissionsG).toBe(110);
    expect(view.verifiedRuns.map((r) => `${r.requestId}:${r.status}`)).toEqual(['r1:verified', 'r2:verified']);
  });

  it('keeps the latest runs only, and keeps them across continue-as-new (compact)', () => {
    let state = initialHomeSchedule({ homeId: 'h1', ackTimeoutMs: 60_000 });
    const many = Array.from({ length: MAX_VERIFIED_RUNS + 5 }, (_, i) => run(`r${i}`, 'verified', 1));
    state = homeScheduleStep(state, { type: 'runsVerified', runs: many }, now).state;
    state = homeScheduleStep(state, { type: 'compact' }, now).state;
    const view = planView(initialHomeSchedule({ homeId: 'h1', ackTimeoutMs: 60_000, carried: state.home }));
    expect(view.verifiedRuns).toHaveLength(MAX_VERIFIED_RUNS);
    expect(view.verifiedRuns[0]?.requestId).toBe('r5');
    expect(view.verifiedAvoidedEmissionsG).toBe(MAX_VERIFIED_RUNS);
  });
});
