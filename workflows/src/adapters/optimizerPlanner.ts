import { MINUTE_MS } from '@carbonreducer/common';
import {
  InvalidRequestError,
  NoPlanError,
  resampleProfileW,
  solveHome,
  type CycleRequest,
  type HomeRequest,
  type MilpSolver,
} from '@carbonreducer/optimizer';
import { RUN_PROFILE_STEP_MIN } from '../domain/requests';
import { BadInputError, InfeasibleError } from '../errors';
import type { IntensityForecast, LoadForecast, Planner } from '../ports';
import { plannedRun } from '../plannedRun';
import type { PublishedPlan, PlannedRun, RunRequest } from '../types';

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
    points.map((p) => ({ t: Date.parse(p.time), v: p.intensityGPerKWh })),
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
    forecast.points.map((p) => ({ t: Date.parse(p.time), v: Math.max(0, p.powerW) })),
    gridStartMs,
    slotMs,
    slotCount,
  );
}

function meanPerSlot(
  points: { t: number; v: number }[],
  gridStartMs: number,
  slotMs: number,
  slotCount: number,
): number[] {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const mean = sorted.reduce((s, p) => s + p.v, 0) / sorted.length;
  const defaultStepMs = sorted.length > 1 ? (sorted.at(-1)!.t - sorted[0]!.t) / (sorted.length - 1) : 30 * MINUTE_MS;
  const out: number[] = [];
  for (let s = 0; s < slotCount; s++) {
    const a = gridStartMs + s * slotMs;
    const b = a + slotMs;
    let weighted = 0;
    let covered = 0;
    sorted.forEach((p, i) => {
      const end = sorted[i + 1]?.t ?? p.t + defaultStepMs;
      const overlap = Math.min(b, end) - Math.max(a, p.t);
      if (overlap > 0) {
        weighted += overlap * p.v;
        covered += overlap;
      }
    });
    out.push((weighted + (slotMs - covered) * mean) / slotMs);
  }
  return out;
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
 * Plans runs with the HiGHS MILP of @carbonreducer/optimizer, minimising expected CO2 only (no tariff). The grid
 * starts at the earliest moment any request may start, so a run can be sent exactly at its earliest start.
 */
export function createOptimizerPlanner(options: {
  solver: MilpSolver;
  slotMin?: 15 | 30 | 60;
  timeLimitSec?: number;
}): Planner {
  const slotMin = options.slotMin ?? 30;
  const slotMs = slotMin * MINUTE_MS;
  return {
    async plan({ homeId, requests, forecast, loadForecast, importLimitW, now, planVersion }): Promise<PublishedPlan> {
      if (requests.length === 0) throw new BadInputError('nothing to plan: no requests');
      const nowMs = now.getTime();
      const earliestOf = (r: RunRequest): number =>
        Math.max(nowMs, r.earliestStart === undefined ? nowMs : Date.parse(r.earliestStart));
      const originMs = Math.min(...requests.map(earliestOf));
      const endMs = Math.max(...requests.map((r) => Date.parse(r.readyBy)));
      const slotCount = Math.max(1, Math.ceil((endMs - originMs) / slotMs - 1e-9));
      const devices: CycleRequest[] = requests.map((r) => ({
        kind: 'cycle',
        id: r.requestId,
        label: r.appliance,
        appliance: r.appliance,
        profileW: slotProfileW(r, slotMin),
        earliestStartMs: earliestOf(r),
        deadlineMs: Date.parse(r.readyBy),
      }));
      const zeros = new Array<number>(slotCount).fill(0);
      const request: HomeRequest = {
        homeId,
        startMs: originMs,
        slotMin,
        slotCount,
        intensityGPerKWh: intensityPerSlot(forecast.points, originMs, slotMs, slotCount),
        pricePerKWh: zeros,
        co2PricePerKg: 1,
        baseLoadW: baseLoadPerSlot(loadForecast, originMs, slotMs, slotCount),
        importLimitW,
        devices,
      };
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
  };
}
