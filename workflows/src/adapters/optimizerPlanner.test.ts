import { readApplianceTrace, sharedDataPath } from '@carbonreducer/datasets';
import { createHighsSolver, resampleProfileW, type MilpSolver } from '@carbonreducer/optimizer';
import { bootstrapRequests, summariseCycle, type CycleSummary } from '../domain/bootstrap';
import type { IntensityForecast } from '../ports';
import type { RunRequest } from '../types';
import { createOptimizerPlanner, slotProfileW } from './optimizerPlanner';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2026, 10, 27, 19, 30);

let solver: MilpSolver;
let dishwasher: CycleSummary;

beforeAll(async () => {
  solver = await createHighsSolver();
  const trace = await readApplianceTrace(sharedDataPath('appliances/devicescope-example-dishwasher.csv.gz'));
  dishwasher = summariseCycle('dishwasher', trace.timeMs, trace.powerW);
});

/** Intensity per half-hour from NOW (g/kWh): dirty, with one clean two-hour window starting 6 h ahead. */
function forecast(): IntensityForecast {
  return {
    region: 'GB',
    issuedAt: new Date(NOW).toISOString(),
    modelVersion: 'test',
    points: Array.from({ length: 48 }, (_, i) => ({
      time: new Date(NOW + i * 30 * MIN).toISOString(),
      intensityGPerKWh: i >= 12 && i < 16 ? 50 : 250 + 10 * (i % 3),
    })),
  };
}

function bootstrappedRequest(): RunRequest {
  const [request] = bootstrapRequests({
    nowMs: NOW,
    timeZone: 'Europe/London',
    minFlexMs: 8 * HOUR,
    cycles: [{ cycle: dishwasher, deviceId: 'dishwasher', readyBy: { hh: 7, mm: 0 } }],
  });
  return request!;
}

describe('createOptimizerPlanner with a bootstrapped dishwasher run', () => {
  it('plans the real recorded profile end to end, not its mean held flat', async () => {
    const request = bootstrappedRequest();
    const planner = createOptimizerPlanner({ solver, slotMin: 30 });
    const plan = await planner.plan({
      homeId: 'h1',
      requests: [request],
      forecast: forecast(),
      loadForecast: null,
      importLimitW: null,
      now: new Date(NOW),
      planVersion: 1,
    });
    const run = plan.runs[0]!;
    const startSlot = (Date.parse(run.startAt) - NOW) / (30 * MIN);
    expect(Number.isInteger(startSlot)).toBe(true);

    // With no base load the home's import is the dishwasher: slot by slot the recorded cycle, 1-min means resampled to
    // the 30-min grid (about 1.9 kW, then the 100 W wash and the second heat), not 1460 W held for 51 min.
    const realW = resampleProfileW(dishwasher.profileW, 1, 30);
    const flatW = resampleProfileW([dishwasher.powerW], dishwasher.durationMin, 30);
    const importW = plan.slots.map((s) => s.powerW);
    const planned = importW.slice(startSlot, startSlot + realW.length);
    planned.forEach((w, k) => expect(w).toBeCloseTo(realW[k]!, 3));
    expect(importW.filter((w, s) => (s < startSlot || s >= startSlot + realW.length) && w !== 0)).toEqual([]);
    expect(Math.abs(planned[0]! - flatW[0]!)).toBeGreaterThan(50);

    // Energy and emissions are those of the real cycle on the planned slots.
    const intensity = forecast().points.map((p) => p.intensityGPerKWh);
    const realWh = dishwasher.profileW.reduce((s, p) => s + p, 0) / 60;
    expect(run.energyWh).toBeCloseTo(realWh, 3);
    const emissionsG = realW.reduce((g, w, k) => g + ((w * 0.5) / 1000) * intensity[startSlot + k]!, 0);
    expect(run.emissionsG).toBeCloseTo(emissionsG, 3);
  });

  it('still holds the mean power flat for a request without a profile (older payloads, the CLI)', () => {
    const { profileW: _profileW, ...old } = bootstrappedRequest();
    expect(slotProfileW(old, 30)).toEqual(resampleProfileW([old.powerW], old.durationMin, 30));
    expect(slotProfileW(old, 30)).toEqual([1460, (1460 * 21) / 30]);
  });
});

describe('createOptimizerPlanner: pins and the cost vs CO2 curve (real HiGHS)', () => {
  const request = (extra: Partial<RunRequest> = {}): RunRequest => ({
    requestId: 'dw',
    deviceId: 'dishwasher',
    appliance: 'dishwasher',
    durationMin: 120,
    powerW: 1000,
    readyBy: new Date(NOW + 22 * HOUR).toISOString(),
    ...extra,
  });
  /** From 19:30 UTC: night (cheap) at 250 g/kWh, the next day's 12:30–15:30 UTC clean (60 g/kWh) at the day rate. */
  const tradeOff = (): IntensityForecast => ({
    region: 'GB',
    issuedAt: new Date(NOW).toISOString(),
    modelVersion: 'test',
    points: Array.from({ length: 48 }, (_, i) => ({
      time: new Date(NOW + i * 30 * MIN).toISOString(),
      intensityGPerKWh: i >= 34 && i < 40 ? 60 : 250,
    })),
  });

  it('a cost-only plan runs in the cheap night, a CO2-priced one in the clean day; the curve trades one for the other', async () => {
    const planner = createOptimizerPlanner({ solver });
    const curve = await planner.pareto({
      homeId: 'h1',
      requests: [request()],
      forecast: tradeOff(),
      loadForecast: null,
      importLimitW: null,
      now: new Date(NOW),
      co2PricesPerKg: [0, 0.01, 10],
    });
    expect(curve.tariff).toEqual({ name: 'example two-rate (night 00:30-07:30)', currency: 'GBP' });
    const [cheap, , clean] = curve.points;
    const hourOf = (p: typeof cheap) => new Date(p!.runs[0]!.startAt).getUTCHours();
    expect(hourOf(cheap)).toBeGreaterThanOrEqual(0);
    expect(hourOf(cheap)).toBeLessThan(6); // night rate, 00:30–07:30 London (= UTC in November)
    expect(hourOf(clean)).toBeGreaterThanOrEqual(12);
    expect(hourOf(clean)).toBeLessThan(14);
    // 2 kWh: 0.30 instead of 0.60 GBP; 0.5 kg instead of 0.12 kg.
    expect(cheap!.costExpected).toBeCloseTo(0.3, 6);
    expect(clean!.costExpected).toBeCloseTo(0.6, 6);
    expect(cheap!.kgCO2Expected).toBeCloseTo(0.5, 6);
    expect(clean!.kgCO2Expected).toBeCloseTo(0.12, 6);
    expect(curve.points.map((p) => p.dominated)).toEqual([false, false, false]);
  });

  it('honours a pinned window that lies off the planning grid, starting on its first slot boundary', async () => {
    const planner = createOptimizerPlanner({ solver });
    const from = NOW + 3 * HOUR + 10 * MIN;
    const plan = await planner.plan({
      homeId: 'h1',
      requests: [
        request({
          earliestStart: new Date(from).toISOString(),
          readyBy: new Date(from + 2 * HOUR).toISOString(),
          pinned: true,
        }),
      ],
      forecast: tradeOff(),
      loadForecast: null,
      importLimitW: null,
      now: new Date(NOW),
      planVersion: 1,
    });
    expect(plan.runs[0]!.startAt).toBe(new Date(from).toISOString());
    const second = request({ requestId: 'other', earliestStart: new Date(NOW).toISOString() });
    const both = await planner.plan({
      homeId: 'h1',
      requests: [
        second,
        request({
          earliestStart: new Date(from).toISOString(),
          readyBy: new Date(from + 2 * HOUR).toISOString(),
          pinned: true,
        }),
      ],
      forecast: tradeOff(),
      loadForecast: null,
      importLimitW: null,
      now: new Date(NOW),
      planVersion: 1,
    });
    // The grid starts at NOW, so the pinned run starts on the first boundary at or after `from`: 20 min later.
    expect(both.runs.find((r) => r.requestId === 'dw')!.startAt).toBe(new Date(NOW + 3.5 * HOUR).toISOString());
  });
});
