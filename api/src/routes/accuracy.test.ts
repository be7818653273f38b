import { horizonLabel, INTENSITY_HORIZONS_MIN } from '@carbonreducer/forecast';
import type { IntensityIssuePoint } from '../ports';
import { ACCURACY_HORIZONS } from '../schemas';
import { forecastVsActual, HORIZON_MIN } from './accuracy';

const T0 = Date.UTC(2026, 11, 1, 0, 0);
const SLOT = 30 * 60_000;
const H = 3_600_000;
const issue = (issuedAtMs: number, slotMs: number, value: number, band?: [number, number]): IntensityIssuePoint => ({
  issuedAtMs,
  slotMs,
  servedBy: 'champion',
  value,
  lower: band?.[0] ?? null,
  upper: band?.[1] ?? null,
});

describe('forecast vs actual', () => {
  it("uses the live scoring's horizons", () => {
    expect([...ACCURACY_HORIZONS]).toEqual(INTENSITY_HORIZONS_MIN.map(horizonLabel));
    for (const h of ACCURACY_HORIZONS) expect(horizonLabel(HORIZON_MIN[h])).toBe(h);
  });

  it('takes for each slot the latest issue at least the lead before the slot ends, and scores it', () => {
    const actuals = [
      { timeMs: T0, value: 100 },
      { timeMs: T0 + SLOT, value: 200 },
      { timeMs: T0 + 2 * SLOT, value: 300 },
    ];
    const forecasts = [
      // Slot T0 ends at T0 + 30 min: with a 1 h lead, issues up to T0 − 30 min count.
      issue(T0 - 2 * H, T0, 90, [80, 120]),
      issue(T0 - SLOT, T0, 110, [105, 115]),
      issue(T0 - 10 * 60_000, T0, 100), // too late for a 1 h lead
      issue(T0 - SLOT, T0 + SLOT, 150, [100, 180]),
      // Nothing early enough for the third slot.
      issue(T0 + 2 * SLOT, T0 + 2 * SLOT, 299),
    ];
    const r = forecastVsActual({ actuals, forecasts, leadMin: 60 });
    expect(r.slots.map((s) => [s.forecastGPerKWh, s.absErrorGPerKWh, s.issuedAt])).toEqual([
      [110, 10, new Date(T0 - SLOT).toISOString()],
      [150, 50, new Date(T0 - SLOT).toISOString()],
      [null, null, null],
    ]);
    expect(r.scored).toBe(2);
    expect(r.maeGPerKWh).toBe(30);
    // 100 is outside the chosen [105, 115], 200 outside [100, 180].
    expect(r.coverage80).toBe(0);
  });

  it('counts coverage only over banded forecasts, and is null without any', () => {
    const actuals = [
      { timeMs: T0, value: 100 },
      { timeMs: T0 + SLOT, value: 200 },
    ];
    const banded = forecastVsActual({
      actuals,
      forecasts: [issue(T0 - 2 * H, T0, 90, [80, 120]), issue(T0 - 2 * H, T0 + SLOT, 150, [100, 180])],
      leadMin: 60,
    });
    expect(banded.coverage80).toBe(0.5);
    const plain = forecastVsActual({ actuals, forecasts: [issue(T0 - 2 * H, T0, 90)], leadMin: 60 });
    expect(plain.coverage80).toBeNull();
    expect(plain.maeGPerKWh).toBe(10);
  });

  it('keeps one row per slot, in time order, and has no MAE without forecasts', () => {
    const r = forecastVsActual({
      actuals: [
        { timeMs: T0 + SLOT, value: 2 },
        { timeMs: T0, value: 1 },
        { timeMs: T0, value: 5 },
      ],
      forecasts: [],
      leadMin: 30,
    });
    expect(r.slots.map((s) => [s.time, s.actualGPerKWh])).toEqual([
      [new Date(T0).toISOString(), 1],
      [new Date(T0 + SLOT).toISOString(), 2],
    ]);
    expect(r.maeGPerKWh).toBeNull();
    expect(r.coverage80).toBeNull();
  });
});
