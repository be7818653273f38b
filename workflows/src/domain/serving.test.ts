import { DAY_MS, HALF_HOUR_MS } from '@carbonreducer/common';
import { checkHistory, fallbackForecast, servingSummary, type Sample } from './serving';

const ORIGIN = Date.parse('2023-05-10T12:00:00Z');
const req = { stepMs: HALF_HOUR_MS, lookbackSteps: 385, maxStaleMs: 3_600_000, maxMissingShare: 0.02, maxGapSteps: 4 };
/** `n` half-hours of actuals ending at `endMs`, value = slot index from the end (so each slot is identifiable). */
function history(n: number, endMs = ORIGIN, skip: (i: number) => boolean = () => false): Sample[] {
  const out: Sample[] = [];
  for (let i = n; i >= 1; i--) if (!skip(i)) out.push({ timeMs: endMs - i * HALF_HOUR_MS, value: 100 + i });
  return out;
}

describe('checkHistory', () => {
  it('accepts a complete, fresh lookback and names what is wrong otherwise', () => {
    expect(checkHistory(history(385), ORIGIN, req)).toMatchObject({ ok: true, reason: 'none', missingSlots: 0 });
    // The cold start of the bug report: 24 h of actuals for a model that reads 8 days.
    const cold = checkHistory(history(48), ORIGIN, req);
    expect(cold).toMatchObject({ ok: false, reason: 'incomplete_history', missingSlots: 337 });
    expect(cold.detail).toMatch(/337 of 385 slots missing/);
    expect(checkHistory([], ORIGIN, req)).toMatchObject({ ok: false, reason: 'no_history', newestEndMs: null });
    // Ingest stopped 3 h ago.
    expect(checkHistory(history(385, ORIGIN - 3 * 3_600_000), ORIGIN, req)).toMatchObject({
      ok: false,
      reason: 'stale_history',
    });
    // A few scattered holes are tolerated; a 3-hour gap is not.
    expect(
      checkHistory(
        history(385, ORIGIN, (i) => i % 100 === 0),
        ORIGIN,
        req,
      ).ok,
    ).toBe(true);
    expect(
      checkHistory(
        history(385, ORIGIN, (i) => i > 100 && i <= 106),
        ORIGIN,
        req,
      ),
    ).toMatchObject({
      ok: false,
      reason: 'incomplete_history',
      longestGapSteps: 6,
    });
    // Values at or after the origin are not history.
    expect(checkHistory([{ timeMs: ORIGIN, value: 1 }], ORIGIN, req).reason).toBe('no_history');
  });
});

describe('fallbackForecast', () => {
  it('serves the source forecast where it has slots, then seasonal naive, then persistence, then flat', () => {
    const actuals = history(40); // 20 h
    const source = [0, 1, 2].map((i) => ({ timeMs: ORIGIN + i * HALF_HOUR_MS, value: 60 + i }));
    const points = fallbackForecast({
      originMs: ORIGIN,
      stepMs: HALF_HOUR_MS,
      steps: 96,
      actuals,
      sourceForecast: source,
      reason: 'incomplete_history',
      flatValue: 200,
    });
    expect(points).toHaveLength(96);
    expect(points.slice(0, 3).map((p) => [p.servedBy, p.value])).toEqual([
      ['source_forecast', 60],
      ['source_forecast', 61],
      ['source_forecast', 62],
    ]);
    // Slots 3–7 (13:30–15:30): no actual a day (or more) earlier within the 20 h of history: persistence.
    expect(points[3]).toMatchObject({ servedBy: 'persistence', value: 101, fallbackReason: 'incomplete_history' });
    // Slot 8 (16:00) takes yesterday's 16:00, 40 slots before the origin → value 100 + 40.
    expect(points[8]).toMatchObject({ servedBy: 'seasonal_naive', value: 140 });
    // More than 24 h ahead: the same slot two days back.
    expect(points[56]).toMatchObject({ servedBy: 'seasonal_naive', value: 140 });
    expect(points[55]).toMatchObject({ servedBy: 'persistence' });
    expect(servingSummary(points)).toEqual({
      servedBy: 'seasonal_naive',
      counts: { source_forecast: 3, persistence: 13, seasonal_naive: 80 },
    });
  });

  it('with no history at all serves a flat forecast, never nothing', () => {
    const points = fallbackForecast({
      originMs: ORIGIN,
      stepMs: HALF_HOUR_MS,
      steps: 4,
      actuals: [],
      reason: 'no_history',
      flatValue: 200,
    });
    expect(points.map((p) => [p.servedBy, p.value, p.fallbackReason])).toEqual(
      Array.from({ length: 4 }, () => ['flat', 200, 'no_history']),
    );
  });

  it('seasonal naive looks back whole days up to a week', () => {
    const threeDaysAgo = [{ timeMs: ORIGIN - 3 * DAY_MS, value: 77 }];
    const [p] = fallbackForecast({
      originMs: ORIGIN,
      stepMs: HALF_HOUR_MS,
      steps: 1,
      actuals: [...threeDaysAgo, { timeMs: ORIGIN - HALF_HOUR_MS, value: 90 }],
      reason: 'stale_history',
      flatValue: 0,
    });
    expect(p).toMatchObject({ servedBy: 'seasonal_naive', value: 77 });
  });
});
