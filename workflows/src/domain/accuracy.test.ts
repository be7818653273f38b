import { HALF_HOUR_MS, HOUR_MS } from '@carbonreducer/common';
import { scoreForecasts, type StoredForecastPoint } from './accuracy';

const NOW = Date.parse('2023-05-10T12:00:00Z');

describe('scoreForecasts', () => {
  it('scores each issue by its lead time per served model, with band coverage, only slots that have ended', () => {
    const actuals = Array.from({ length: 200 }, (_, i) => ({ timeMs: NOW - (i + 1) * HALF_HOUR_MS, value: 100 }));
    const forecasts: StoredForecastPoint[] = [];
    // Hourly issues over the last day; each forecasts 96 slots; champion errs by +10, the fallback by −20.
    for (let h = 1; h <= 24; h++) {
      const issuedAtMs = NOW - h * HOUR_MS;
      for (let k = 0; k < 96; k++) {
        forecasts.push({
          issuedAtMs,
          slotMs: issuedAtMs + k * HALF_HOUR_MS,
          servedBy: h % 2 === 0 ? 'champion' : 'seasonal_naive',
          value: h % 2 === 0 ? 110 : 80,
          ...(h % 2 === 0 ? { lower: 95, upper: 120 } : {}),
        });
      }
    }
    const scores = scoreForecasts({ forecasts, actuals, nowMs: NOW, windows: [{ label: '24h', ms: 24 * HOUR_MS }] });
    const champion30 = scores.find((s) => s.servedBy === 'champion' && s.horizon === '30m');
    expect(champion30).toEqual({
      window: '24h',
      servedBy: 'champion',
      horizon: '30m',
      maeGPerKWh: 10,
      coverage80: 1,
      points: 12,
    });
    const naive2h = scores.find((s) => s.servedBy === 'seasonal_naive' && s.horizon === '2h');
    expect(naive2h).toMatchObject({ maeGPerKWh: 20, coverage80: null });
    // 48 h ahead has not ended for any issue of the last day: not scored.
    expect(scores.some((s) => s.horizon === '48h')).toBe(false);
    // 12 h ahead: issues 12…24 h ago have ended → 13 issues, 7 champion (even h) and 6 naive.
    expect(scores.filter((s) => s.horizon === '12h').map((s) => [s.servedBy, s.points])).toEqual([
      ['champion', 7],
      ['seasonal_naive', 6],
    ]);
  });
});
