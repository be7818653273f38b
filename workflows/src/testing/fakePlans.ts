import type { HomePlan, PlanHomeInput, RunRequest } from '../types';

const MIN = 60_000;

/**
 * A plan as the fake planners of tests and history recordings make it: each run starts where `startMs` puts it and
 * every run claims the same emissions (g), so tests can check the sums that the workflow reports.
 */
export function fakePlan(
  input: PlanHomeInput,
  startMs: (request: RunRequest) => number,
  perRun: { emissionsG: number; baselineEmissionsG: number },
  forecastModelVersion: string,
): HomePlan {
  const avoidedEmissionsG = perRun.baselineEmissionsG - perRun.emissionsG;
  const runs = input.requests.map((r) => {
    const start = startMs(r);
    return {
      requestId: r.requestId,
      deviceId: r.deviceId,
      appliance: r.appliance,
      startAt: new Date(start).toISOString(),
      endAt: new Date(start + r.durationMin * MIN).toISOString(),
      powerW: r.powerW,
      energyWh: (r.powerW * r.durationMin) / 60,
      ...perRun,
      avoidedEmissionsG,
    };
  });
  return {
    homeId: input.homeId,
    version: input.planVersion,
    plannedAt: input.now,
    forecastIssuedAt: null,
    forecastModelVersion,
    runs,
    slots: [],
    avoidedEmissionsG: runs.length * avoidedEmissionsG,
  };
}
