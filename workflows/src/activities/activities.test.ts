import { silentLogger } from '@carbonreducer/common';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { InfeasibleError } from '../errors';
import type { ModelLifecycle, Planner } from '../ports';
import type { DispatchResult, SearchSummary, TrialResult } from '../types';
import { createComputeActivities, createIoActivities, type ComputeActivityDeps, type IoActivityDeps } from '.';

function lifecycle(runTrial: (i: number) => TrialResult): ModelLifecycle & { ran: number[] } {
  const ran: number[] = [];
  return {
    ran,
    async searchHyperparameters({ target, trials }, progress) {
      const done = [...progress.completed];
      for (let i = done.length; i < trials; i++) {
        if (progress.signal.aborted) throw new Error('cancelled');
        ran.push(i);
        done.push(runTrial(i));
        progress.onTrial(done);
      }
      const best = done.reduce((a, b) => (b.validationMae < a.validationMae ? b : a));
      return { target, trials: done, best };
    },
    async trainAndRegister() {
      throw new Error('unused');
    },
    async backtest() {
      throw new Error('unused');
    },
    async promote() {},
  };
}

function computeDeps(overrides: Partial<ComputeActivityDeps>): ComputeActivityDeps {
  const unused = async (): Promise<never> => {
    throw new Error('unused');
  };
  return {
    intensityForecaster: { forecast: unused, historyNeeds: unused },
    loadForecaster: { forecast: unused },
    forecasts: {
      writeIntensityForecast: unused,
      writeLoadForecasts: unused,
      writeServing: unused,
      latestIntensityForecast: unused,
      latestLoadForecast: async () => null,
    },
    homeRecords: { get: async () => null },
    planner: { plan: unused, pareto: unused },
    models: lifecycle(() => ({ trial: 0, params: {}, validationMae: 0 })),
    logger: silentLogger,
    ...overrides,
  };
}

describe('searchHyperparameters', () => {
  it('heartbeats every finished trial and resumes from the last heartbeat after a crash', async () => {
    const models = lifecycle((i) => ({ trial: i, params: { depth: i }, validationMae: 10 - i }));
    const activities = createComputeActivities(computeDeps({ models }));

    const first = new MockActivityEnvironment();
    const beats: unknown[] = [];
    first.on('heartbeat', (d: unknown) => beats.push(d));
    await first.run(activities.searchHyperparameters, { target: 'intensity' as const, trials: 3, seed: 1 });
    expect(beats).toHaveLength(3);
    expect((beats[2] as { completed: TrialResult[] }).completed.map((t) => t.trial)).toEqual([0, 1, 2]);

    // A retry after a crash gets the last heartbeat's details: only the trials not finished yet run.
    models.ran.length = 0;
    const retry = new MockActivityEnvironment({ heartbeatDetails: beats[1], attempt: 2 });
    const result: SearchSummary = await retry.run(activities.searchHyperparameters, {
      target: 'intensity' as const,
      trials: 4,
      seed: 1,
    });
    expect(models.ran).toEqual([2, 3]);
    expect(result.trials.map((t) => t.trial)).toEqual([0, 1, 2, 3]);
    expect(result.best.trial).toBe(3);
  });

  it('stops when the activity is cancelled', async () => {
    const env = new MockActivityEnvironment();
    const models = lifecycle((i) => {
      if (i === 1) env.cancel();
      return { trial: i, params: {}, validationMae: 1 };
    });
    const activities = createComputeActivities(computeDeps({ models }));
    await expect(
      env.run(activities.searchHyperparameters, { target: 'load' as const, trials: 5, seed: 1 }),
    ).rejects.toThrow();
    expect(models.ran).toEqual([0, 1]);
  });
});

describe('planHome', () => {
  const input = { homeId: 'h', region: 'GB', requests: [], planVersion: 1, now: '2026-01-01T00:00:00Z' };

  it('fails non-retryably when there is no forecast to plan against', async () => {
    const activities = createComputeActivities(
      computeDeps({ forecasts: { ...computeDeps({}).forecasts, latestIntensityForecast: async () => null } }),
    );
    const err = await new MockActivityEnvironment().run(activities.planHome, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('NoForecast');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });

  it("plans with the home's registered fuse and its latest load forecast", async () => {
    const forecast = {
      region: 'GB',
      issuedAt: 'i',
      modelVersion: 'v',
      points: [{ time: '2026-01-01T00:00:00Z', intensityGPerKWh: 1 }],
    };
    const load = {
      homeId: 'h',
      issuedAt: 'i',
      modelVersion: 'l',
      points: [{ time: '2026-01-01T00:00:00Z', powerW: 350 }],
    };
    const seen: Parameters<Planner['plan']>[0][] = [];
    const activities = createComputeActivities(
      computeDeps({
        planner: {
          async plan(args) {
            seen.push(args);
            throw new InfeasibleError('stop here');
          },
          pareto: async () => {
            throw new Error('not used');
          },
        },
        homeRecords: {
          get: async (homeId) =>
            homeId === 'h'
              ? { homeId, region: 'GB', timeZone: 'Europe/London', importLimitW: 13_800, active: true }
              : null,
        },
        forecasts: {
          ...computeDeps({}).forecasts,
          latestIntensityForecast: async () => forecast,
          latestLoadForecast: async ({ homeId }) => (homeId === 'h' ? load : null),
        },
      }),
    );
    await new MockActivityEnvironment().run(activities.planHome, input).catch(() => undefined);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.importLimitW).toBe(13_800);
    expect(seen[0]?.loadForecast).toBe(load);
  });

  it('turns an infeasible plan into a non-retryable Infeasible failure and a broken store into a retryable error', async () => {
    const forecast = {
      region: 'GB',
      issuedAt: 'x',
      modelVersion: 'v',
      points: [{ time: '2026-01-01T00:00:00Z', intensityGPerKWh: 1 }],
    };
    const planner: Planner = {
      async plan() {
        throw new InfeasibleError('the dishwasher cannot finish by 07:00');
      },
      pareto: async () => {
        throw new Error('not used');
      },
    };
    const ok = createComputeActivities(
      computeDeps({
        planner,
        forecasts: { ...computeDeps({}).forecasts, latestIntensityForecast: async () => forecast },
      }),
    );
    const infeasible = await new MockActivityEnvironment().run(ok.planHome, input).catch((e: unknown) => e);
    expect((infeasible as ApplicationFailure).type).toBe('Infeasible');
    expect((infeasible as ApplicationFailure).message).toMatch(/cannot finish by 07:00/);

    const broken = createComputeActivities(
      computeDeps({
        forecasts: {
          ...computeDeps({}).forecasts,
          latestIntensityForecast: async () => Promise.reject(new Error('ECONNREFUSED')),
        },
      }),
    );
    const transient = await new MockActivityEnvironment().run(broken.planHome, input).catch((e: unknown) => e);
    expect(transient).not.toBeInstanceOf(ApplicationFailure);
    expect((transient as Error).message).toMatch(/plan home h failed: ECONNREFUSED/);
  });
});

describe('dispatchCommand', () => {
  it('passes the command to the publisher and reports whether it was published', async () => {
    const published: string[] = [];
    const deps: IoActivityDeps = {
      ingestor: {
        ingest: async () => Promise.reject(new Error('unused')),
        backfill: { enabled: false, chunkMs: 1 },
        missingActuals: async () => Promise.reject(new Error('unused')),
        backfillChunk: async () => Promise.reject(new Error('unused')),
      },
      intensityForecaster: { historyNeeds: async () => Promise.reject(new Error('unused')) },
      accuracy: {
        scoringData: async () => Promise.reject(new Error('unused')),
        writeScores: async () => Promise.reject(new Error('unused')),
      },
      plans: { currentPlan: async () => null },
      verification: {
        devicePower: async () => Promise.reject(new Error('unused')),
        actualIntensity: async () => Promise.reject(new Error('unused')),
        writeVerified: async () => Promise.reject(new Error('unused')),
      },
      homes: { listHomes: async () => [] },
      notifier: {
        forecastsChanged: async () => Promise.reject(new Error('unused')),
        runsVerified: async () => Promise.reject(new Error('unused')),
      },
      schedules: { writePlan: async () => undefined },
      commands: {
        async publishOnce(c) {
          const first = !published.includes(c.idempotencyKey);
          published.push(c.idempotencyKey);
          return { idempotencyKey: c.idempotencyKey, published: first, topic: 't' };
        },
      },
      models: { promote: async () => undefined },
      logger: silentLogger,
    };
    const io = createIoActivities(deps);
    const cmd = {
      idempotencyKey: 'h/r/start',
      homeId: 'h',
      deviceId: 'd',
      appliance: 'dw',
      requestId: 'r',
      action: 'start' as const,
      at: 'x',
      planVersion: 1,
    };
    const env = new MockActivityEnvironment();
    const first: DispatchResult = await env.run(io.dispatchCommand, cmd);
    const second: DispatchResult = await env.run(io.dispatchCommand, cmd);
    expect(first.published).toBe(true);
    expect(second.published).toBe(false);
  });
});
