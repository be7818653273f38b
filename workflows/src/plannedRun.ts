import { MINUTE_MS } from '@carbonreducer/common';
import type { PlannedRun, RunRequest } from './types';

/** A request's run starting at `startMs` (ends after its duration), with the planner's energy and emissions in g. */
export function plannedRun(
  request: RunRequest,
  startMs: number,
  figures: { energyWh: number; emissionsG: number; baselineEmissionsG: number },
): PlannedRun {
  return {
    requestId: request.requestId,
    deviceId: request.deviceId,
    appliance: request.appliance,
    startAt: new Date(startMs).toISOString(),
    endAt: new Date(startMs + request.durationMin * MINUTE_MS).toISOString(),
    powerW: request.powerW,
    ...figures,
    avoidedEmissionsG: figures.baselineEmissionsG - figures.emissionsG,
  };
}
