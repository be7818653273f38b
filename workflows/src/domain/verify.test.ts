import { HALF_HOUR_MS } from '@carbonreducer/common';
import { readApplianceTrace, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { verifyRun } from './verify';

// Real data: a recorded dishwasher cycle (REFIT/UK-DALE via DeviceScope) replayed as the device's telemetry, and
// NESO's actual GB intensity (CC BY 4.0) for the night it is moved into.
describe('verifyRun on a replayed real cycle', () => {
  it('computes realised and counterfactual emissions with actual intensity; refuses what did not run', async () => {
    const trace = await readApplianceTrace(sharedDataPath('appliances/devicescope-example-dishwasher.csv.gz'));
    const nes = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
    const actualIntensity = new Map(
      nes.points.filter((p) => p.actualGPerKWh !== null).map((p) => [p.fromMs, p.actualGPerKWh as number]),
    );
    // The request at 18:00 (evening peak); the plan moved the cycle to 02:00 the next night.
    const earliestStartMs = Date.parse('2023-05-10T18:00:00Z');
    const plannedStartMs = Date.parse('2023-05-11T02:00:00Z');
    const firstOn = trace.timeMs.findIndex((_, i) => (trace.powerW[i] ?? 0) > 15);
    const shift = plannedStartMs - (trace.timeMs[firstOn] as number);
    const telemetry = Array.from(trace.timeMs, (t, i) => ({ timeMs: t + shift, powerW: trace.powerW[i] as number }));
    const r = verifyRun({
      plannedStartMs,
      earliestStartMs,
      plannedEnergyWh: 1000,
      startAcked: true,
      telemetry,
      actualIntensity,
    });
    if (!r.verified) throw new Error(`not verified: ${r.reason}`);
    expect(r.startedAtMs).toBe(plannedStartMs);
    expect(r.energyWh).toBeGreaterThan(500);
    // Independent check: energy per half-hour slot (1-second steps) × that slot's actual intensity.
    const run = telemetry.filter((x) => x.timeMs >= r.startedAtMs && x.timeMs < r.endedAtMs);
    const independent = (shiftMs: number): number => {
      let g = 0;
      run.forEach((x, i) => {
        const until = run[i + 1]?.timeMs ?? r.endedAtMs;
        for (let t = x.timeMs; t < until; t += 1000) {
          const slot = Math.floor((t + shiftMs) / HALF_HOUR_MS) * HALF_HOUR_MS;
          g += ((x.powerW * Math.min(1000, until - t)) / 3_600_000 / 1000) * (actualIntensity.get(slot) as number);
        }
      });
      return g;
    };
    expect(r.realisedG).toBeCloseTo(independent(0), 1);
    expect(r.counterfactualG).toBeCloseTo(independent(earliestStartMs - plannedStartMs), 1);
    expect(Math.abs(r.counterfactualG - r.realisedG)).toBeGreaterThan(1);
    expect(r.avoidedG).toBeCloseTo(r.counterfactualG - r.realisedG, 9);

    expect(
      verifyRun({
        plannedStartMs,
        earliestStartMs,
        plannedEnergyWh: 1000,
        startAcked: false,
        telemetry,
        actualIntensity,
      }),
    ).toEqual({ verified: false, reason: 'not_acked' });
    // The device was acked but stayed off (telemetry flat at standby).
    const off = telemetry.map((s) => ({ ...s, powerW: 1 }));
    expect(
      verifyRun({
        plannedStartMs,
        earliestStartMs,
        plannedEnergyWh: 1000,
        startAcked: true,
        telemetry: off,
        actualIntensity,
      }).verified,
    ).toBe(false);
    // Intensity not known yet for the counterfactual slots.
    expect(
      verifyRun({
        plannedStartMs,
        earliestStartMs,
        plannedEnergyWh: 1000,
        startAcked: true,
        telemetry,
        actualIntensity: new Map(),
      }),
    ).toEqual({ verified: false, reason: 'no_actuals' });
  });
});
