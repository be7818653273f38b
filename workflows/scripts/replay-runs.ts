/**
 * Expected vs verified avoided emissions of replayed real runs, without servers: each evening of a replayed week a
 * dishwasher and a washing-machine run (the recorded DeviceScope cycles) are requested at 18:00 UTC, ready by 07:00;
 * the champion forecasts from the shared NESO file as the served path does (parity-tested), the planner (HiGHS)
 * places them; then the recorded cycle "runs" at the planned start and verifyRun computes realised vs counterfactual
 * with NESO's actuals. `npx tsx workflows/scripts/replay-runs.ts [FIRST_DAY] [DAYS]` (default 2023-05-15, 7).
 */
import { DAY_MS, HOUR_MS } from '@carbonreducer/common';
import { readApplianceTrace, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { loadChampion, loadIntensity } from '@carbonreducer/models';
import { createWasmHighsSolver } from '@carbonreducer/optimizer';
import { createOptimizerPlanner } from '../src/adapters/optimizerPlanner';
import { summariseCycle } from '../src/domain/bootstrap';
import { verifyRun } from '../src/domain/verify';

async function main(): Promise<void> {
  const firstMs = Date.parse(process.argv[2] ?? '2023-05-15T00:00:00Z');
  const days = Number(process.argv[3] ?? '7');
  const file = sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv');
  const series = (await loadIntensity([file])).actual;
  const nes = await readIntensityFiles([file]);
  const actual = new Map(
    nes.points.filter((p) => p.actualGPerKWh !== null).map((p) => [p.fromMs, p.actualGPerKWh as number]),
  );
  const champion = await loadChampion('intensity');
  const planner = createOptimizerPlanner({ solver: await createWasmHighsSolver(), slotMin: 30 });
  const traces = await Promise.all(
    (['dishwasher', 'washingmachine'] as const).map(async (a) => ({
      appliance: a,
      trace: await readApplianceTrace(sharedDataPath(`appliances/devicescope-example-${a}.csv.gz`)),
    })),
  );
  let expectedG = 0;
  let verifiedG = 0;
  const lines = [
    'day | appliance | planned start | expected avoided g | verified avoided g | realised g | counterfactual g',
  ];
  for (let d = 0; d < days; d++) {
    const requestMs = firstMs + d * DAY_MS + 18 * HOUR_MS;
    const points = await champion.forecast(series, requestMs, 48 * HOUR_MS);
    const forecast = {
      region: 'GB',
      issuedAt: new Date(requestMs).toISOString(),
      modelVersion: champion.meta.version,
      points: points.map((p) => ({ time: new Date(p.fromMs).toISOString(), intensityGPerKWh: p.point })),
    };
    for (const { appliance, trace } of traces) {
      const cycle = summariseCycle(appliance, trace.timeMs, trace.powerW);
      const plan = await planner.plan({
        homeId: 'replay',
        requests: [
          {
            requestId: `${appliance}-${d}`,
            deviceId: appliance,
            appliance,
            durationMin: cycle.durationMin,
            powerW: cycle.powerW,
            ...(cycle.profileW ? { profileW: cycle.profileW } : {}),
            earliestStart: new Date(requestMs).toISOString(),
            readyBy: new Date(requestMs + 13 * HOUR_MS).toISOString(),
          },
        ],
        forecast,
        loadForecast: null,
        importLimitW: null,
        now: new Date(requestMs),
        planVersion: 1,
      });
      const run = plan.runs[0];
      if (!run) throw new Error(`no run planned for ${appliance} on day ${d}`);
      const firstOn = trace.timeMs.findIndex((_, i) => (trace.powerW[i] ?? 0) > 15);
      const shift = Date.parse(run.startAt) - (trace.timeMs[firstOn] as number);
      const telemetry = Array.from(trace.timeMs, (t, i) => ({ timeMs: t + shift, powerW: trace.powerW[i] as number }));
      const v = verifyRun({
        plannedStartMs: Date.parse(run.startAt),
        earliestStartMs: requestMs,
        plannedEnergyWh: run.energyWh,
        startAcked: true,
        telemetry,
        actualIntensity: actual,
      });
      if (!v.verified) throw new Error(`${appliance} day ${d}: ${v.reason}`);
      expectedG += run.avoidedEmissionsG;
      verifiedG += v.avoidedG;
      lines.push(
        `${new Date(requestMs).toISOString().slice(0, 10)} | ${appliance} | ${run.startAt.slice(11, 16)} | ${run.avoidedEmissionsG.toFixed(1)} | ${v.avoidedG.toFixed(1)} | ${v.realisedG.toFixed(1)} | ${v.counterfactualG.toFixed(1)}`,
      );
    }
  }
  lines.push(`total | | | ${expectedG.toFixed(1)} | ${verifiedG.toFixed(1)} | |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`replay-runs: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
