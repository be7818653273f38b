import { plannedRun } from '../plannedRun';
import type { PublishedPlan, PlanHomeInput, RunRequest } from '../types';

/**
 * A plan as the fake planners of tests and history recordings make it: each run starts where `startMs` puts it and
 * every run claims the same emissions (g), so tests can check the sums that the workflow reports.
 */
export function fakePlan(
  input: PlanHomeInput,
  startMs: (request: RunRequest) => number,
  perRun: { emissionsG: number; baselineEmissionsG: number },
  forecastModelVersion: string,
): PublishedPlan {
  const runs = input.requests.map((r) =>
    plannedRun(r, startMs(r), { energyWh: (r.powerW * r.durationMin) / 60, ...perRun }),
  );
  return {
    homeId: input.homeId,
    version: input.planVersion,
    plannedAt: input.now,
    forecastIssuedAt: null,
    forecastModelVersion,
    runs,
    slots: [],
    avoidedEmissionsG: runs.length * (perRun.baselineEmissionsG - perRun.emissionsG),
  };
}
