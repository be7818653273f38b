/**
 * Verified avoided emissions of a finished run: what the run really emitted (the device's metered power in the slots
 * it really ran in, times the actual intensity of those slots) against its counterfactual (the same measured energy
 * profile started at the request's earliest start, also with actual intensity). Pure: plain data in, figures out.
 */
import { HALF_HOUR_MS } from '@carbonreducer/common';

export interface VerifyRunInput {
  /** Planned start (ms) and the earliest start the homeowner allowed (the counterfactual's start), ms. */
  plannedStartMs: number;
  earliestStartMs: number;
  /** Planned energy (Wh). */
  plannedEnergyWh: number;
  /** Whether the device acknowledged the start command. */
  startAcked: boolean;
  /** The device's metered power around the run, oldest first (each sample held until the next). */
  telemetry: readonly { timeMs: number; powerW: number }[];
  /** Actual intensity per half-hour slot (slot start → gCO2/kWh). */
  actualIntensity: ReadonlyMap<number, number>;
  /** Power above which the appliance counts as running (W). */
  onThresholdW?: number;
}

export type VerifyRunResult =
  | {
      verified: true;
      startedAtMs: number;
      endedAtMs: number;
      energyWh: number;
      realisedG: number;
      counterfactualG: number;
      avoidedG: number;
    }
  | { verified: false; reason: 'not_acked' | 'no_telemetry' | 'did_not_run' | 'too_little_energy' | 'no_actuals' };

const slotOf = (ms: number): number => Math.floor(ms / HALF_HOUR_MS) * HALF_HOUR_MS;

/** Emissions (g) of an energy profile given as held samples, shifted by `shiftMs`, with actual intensity. */
function emissionsG(
  samples: readonly { timeMs: number; powerW: number }[],
  endMs: number,
  shiftMs: number,
  intensity: ReadonlyMap<number, number>,
): number | null {
  let g = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as { timeMs: number; powerW: number };
    const until = Math.min(samples[i + 1]?.timeMs ?? endMs, endMs);
    // Split the held interval at slot boundaries: each part takes its own slot's intensity.
    for (let t = s.timeMs; t < until;) {
      const slot = slotOf(t + shiftMs);
      const partEnd = Math.min(until, slot + HALF_HOUR_MS - shiftMs);
      const gPerKWh = intensity.get(slot);
      if (gPerKWh === undefined) return null;
      g += ((s.powerW * (partEnd - t)) / 3_600_000 / 1000) * gPerKWh;
      t = partEnd;
    }
  }
  return g;
}

export function verifyRun(input: VerifyRunInput): VerifyRunResult {
  if (!input.startAcked) return { verified: false, reason: 'not_acked' };
  if (input.telemetry.length === 0) return { verified: false, reason: 'no_telemetry' };
  const threshold = input.onThresholdW ?? 15;
  const on = input.telemetry.filter((s) => s.powerW > threshold);
  const first = on[0];
  const last = on[on.length - 1];
  // Running means power near the planned start (the device's own clock may be a few minutes off).
  if (first === undefined || last === undefined || Math.abs(first.timeMs - input.plannedStartMs) > 15 * 60_000) {
    return { verified: false, reason: 'did_not_run' };
  }
  const run = input.telemetry.filter((s) => s.timeMs >= first.timeMs && s.timeMs <= last.timeMs);
  const next = input.telemetry.find((s) => s.timeMs > last.timeMs);
  const endMs = next?.timeMs ?? last.timeMs + 60_000;
  let energyWh = 0;
  for (let i = 0; i < run.length; i++) {
    const s = run[i] as { timeMs: number; powerW: number };
    energyWh += (s.powerW * ((run[i + 1]?.timeMs ?? endMs) - s.timeMs)) / 3_600_000;
  }
  if (energyWh < 0.5 * input.plannedEnergyWh) return { verified: false, reason: 'too_little_energy' };
  const realisedG = emissionsG(run, endMs, 0, input.actualIntensity);
  const counterfactualG = emissionsG(run, endMs, input.earliestStartMs - first.timeMs, input.actualIntensity);
  if (realisedG === null || counterfactualG === null) return { verified: false, reason: 'no_actuals' };
  return {
    verified: true,
    startedAtMs: first.timeMs,
    endedAtMs: endMs,
    energyWh,
    realisedG,
    counterfactualG,
    avoidedG: counterfactualG - realisedG,
  };
}
