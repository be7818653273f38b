import { MINUTE_MS } from '@carbonreducer/common';
import {
  buildCycleHomeRequest,
  dominated,
  EXAMPLE_TWO_RATE_TARIFF,
  InvalidRequestError,
  meanPerSlot,
  NoPlanError,
  paretoSweep,
  resampleProfileW,
  solveHome,
  type HomeRequest,
  type MilpSolver,
  type TimeOfUseTariff,
} from '@carbonreducer/optimizer';
import { RUN_PROFILE_STEP_MIN } from '../domain/requests';
import { BadInputError, InfeasibleError } from '../errors';
import type { IntensityForecast, LoadForecast, Planner } from '../ports';
import { plannedRun } from '../plannedRun';
import type { ParetoPointView, PublishedPlan, PlannedRun, RunRequest } from '../types';

/**
 * Mean intensity (gCO2/kWh) of each slot of a grid, time-weighted over the forecast points it overlaps (each point
 * lasts until the next, the last one as long as the one before). Slots the forecast does not reach get the
 * forecast's mean: with no information, no hour is preferred over another.
 */
export function intensityPerSlot(
  points: IntensityForecast['points'],
  gridStartMs: number,
  slotMs: number,
  slotCount: number,
): number[] {
  if (points.length === 0) throw new BadInputError('the intensity forecast has no points');
  return meanPerSlot(
    points.map((p) => ({ timeMs: Date.parse(p.time), value: p.intensityGPerKWh })),
    gridStartMs,
    slotMs,
    slotCount,
  );
}

/** Base load (W) per slot from a load forecast, time-weighted like {@link intensityPerSlot}; 0 W without one. */
export function baseLoadPerSlot(
  forecast: LoadForecast | null,
  gridStartMs: number,
  slotMs: number,
  slotCount: number,
): number[] {
  if (!forecast || forecast.points.length === 0) return new Array<number>(slotCount).fill(0);
  return meanPerSlot(
    forecast.points.map((p) => ({ timeMs: Date.parse(p.time), value: Math.max(0, p.powerW) })),
    gridStartMs,
    slotMs,
    slotCount,
  );
}

/**
 * A request's power in each slot of `slotMin` (W): its real profile when it carries one, else its mean power held for
 * its duration (requests from before profiles, or from the CLI's `--power-w`).
 */
export function slotProfileW(request: RunRequest, slotMin: number): number[] {
  if (request.profileW !== undefined) return resampleProfileW(request.profileW, RUN_PROFILE_STEP_MIN, slotMin);
  return resampleProfileW([request.powerW], request.durationMin, slotMin);
}

/**
 * The requests and forecasts as the optimizer's request; with a tariff, energy has a price (else CO2 only). Exported
 * for the plan check (src/planCheck.ts), which hands the same request to `carbonreducer optimizer solve`.
 */
export function homeRequest(args: {
  homeId: string;
  requests: RunRequest[];
  forecast: IntensityForecast;
  loadForecast: LoadForecast | null;
  importLimitW: number | null;
  now: Date;
  slotMin: 15 | 30 | 60;
  tariff?: TimeOfUseTariff;
}): HomeRequest {
  const { homeId, requests, forecast, loadForecast, importLimitW, now, slotMin } = args;
  if (requests.length === 0) throw new BadInputError('nothing to plan: no requests');
  if (forecast.points.length === 0) throw new BadInputError('the intensity forecast has no points');
  const nowMs = now.getTime();
  try {
    return buildCycleHomeRequest({
      homeId,
      nowMs,
      slotMin,
      runs: requests.map((r) => ({
        id: r.requestId,
        appliance: r.appliance,
        profileW: slotProfileW(r, slotMin),
        earliestStartMs: r.earliestStart === undefined ? nowMs : Date.parse(r.earliestStart),
        deadlineMs: Date.parse(r.readyBy),
        ...(r.pinned
          ? { pinned: true, baselineStartMs: r.baselineStart === undefined ? nowMs : Date.parse(r.baselineStart) }
          : {}),
      })),
      intensity: forecast.points.map((p) => ({ timeMs: Date.parse(p.time), value: p.intensityGPerKWh })),
      baseLoad: loadForecast?.points.map((p) => ({ timeMs: Date.parse(p.time), value: p.powerW })) ?? null,
      importLimitW,
      co2PricePerKg: 1,
      ...(args.tariff ? { tariff: args.tariff } : {}),
    });
  } catch (err) {
    if (err instanceof InvalidRequestError) throw new BadInputError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Plans runs with the HiGHS MILP of @carbonreducer/optimizer, minimising expected CO2 only (no tariff). The grid
 * starts at the earliest moment any request may start, so a run can be sent exactly at its earliest start.
 */
export function createOptimizerPlanner(options: {
  solver: MilpSolver;
  slotMin?: 15 | 30 | 60;
  timeLimitSec?: number;
  /** The tariff of the Pareto curve's cost axis (default: {@link EXAMPLE_TWO_RATE_TARIFF}). */
  tariff?: TimeOfUseTariff;
}): Planner {
  const slotMin = options.slotMin ?? 30;
  const slotMs = slotMin * MINUTE_MS;
  return {
    async plan({ homeId, requests, forecast, loadForecast, importLimitW, now, planVersion }): Promise<PublishedPlan> {
      if (requests.length === 0) throw new BadInputError('nothing to plan: no requests');
      if (forecast.points.length === 0) throw new BadInputError('the intensity forecast has no points');
      const request = homeRequest({ homeId, requests, forecast, loadForecast, importLimitW, now, slotMin });
      const originMs = request.startMs;
      let solved;
      try {
        solved = solveHome(request, originMs, options.solver, { timeLimitSec: options.timeLimitSec ?? 10 });
      } catch (err) {
        if (err instanceof InvalidRequestError) throw new BadInputError(err.message, { cause: err });
        if (err instanceof NoPlanError) throw new InfeasibleError(err.message, { cause: err });
        throw err;
      }
      const blocking = solved.explanations.filter(
        (e) => e.constraint === 'deadline' || e.constraint === 'not_scheduled',
      );
      if (solved.status === 'infeasible' || blocking.length > 0) {
        throw new InfeasibleError(blocking.map((e) => e.message).join('; ') || `solver status ${solved.status}`);
      }
      const byId = new Map(requests.map((r) => [r.requestId, r]));
      const runs: PlannedRun[] = solved.devices.map((d) => {
        const r = byId.get(d.id);
        const startMs = d.startsMs[0];
        if (!r || startMs === undefined) throw new InfeasibleError(`the solver gave no start for ${d.id}`);
        return plannedRun(r, startMs, {
          energyWh: d.energyWh,
          emissionsG: d.kgCO2Expected * 1000,
          baselineEmissionsG: d.baselineKgCO2 * 1000,
        });
      });
      return {
        homeId,
        version: planVersion,
        plannedAt: now.toISOString(),
        forecastIssuedAt: forecast.issuedAt,
        forecastModelVersion: forecast.modelVersion,
        runs,
        slots: solved.importW.map((powerW, s) => ({ time: new Date(originMs + s * slotMs).toISOString(), powerW })),
        avoidedEmissionsG: runs.reduce((sum, r) => sum + r.avoidedEmissionsG, 0),
      };
    },

    async pareto({ homeId, requests, forecast, loadForecast, importLimitW, now, co2PricesPerKg }) {
      const tariff = options.tariff ?? EXAMPLE_TWO_RATE_TARIFF;
      const request = homeRequest({ homeId, requests, forecast, loadForecast, importLimitW, now, slotMin, tariff });
      let swept;
      try {
        swept = paretoSweep(request, request.startMs, options.solver, co2PricesPerKg, {
          timeLimitSec: options.timeLimitSec ?? 10,
        });
      } catch (err) {
        if (err instanceof InvalidRequestError) throw new BadInputError(err.message, { cause: err });
        if (err instanceof NoPlanError) throw new InfeasibleError(err.message, { cause: err });
        throw err;
      }
      const byId = new Map(requests.map((r) => [r.requestId, r]));
      const flags = dominated(swept);
      const points: ParetoPointView[] = swept.map((p, i) => ({
        co2PricePerKg: p.co2PricePerKg,
        costExpected: p.costExpected,
        kgCO2Expected: p.kgCO2Expected,
        dominated: flags[i] ?? false,
        runs: p.plan.devices.flatMap((d) => {
          const r = byId.get(d.id);
          const startMs = d.startsMs[0];
          if (!r || startMs === undefined) return [];
          const run = plannedRun(r, startMs, { energyWh: 0, emissionsG: 0, baselineEmissionsG: 0 });
          return [
            {
              requestId: r.requestId,
              deviceId: r.deviceId,
              appliance: r.appliance,
              startAt: run.startAt,
              endAt: run.endAt,
            },
          ];
        }),
      }));
      return {
        tariff: { name: tariff.name, currency: tariff.currency },
        forecastIssuedAt: forecast.issuedAt,
        forecastModelVersion: forecast.modelVersion,
        points,
      };
    },
  };
}
