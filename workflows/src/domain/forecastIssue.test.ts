import type { ServedBy } from '../types';
import { chooseForecastIssue, type ForecastIssueRow } from './forecastIssue';

const H = 3_600_000;
const T0 = Date.parse('2026-12-03T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** One issue: `slots` half-hour slots from `fromH` hours after T0, each served by `servedBy` (or untagged). */
function issue(issuedH: number, servedBy: ServedBy | undefined, slots = 48, modelVersion = 'v1', fromH = 0) {
  return Array.from({ length: slots }, (_, i): ForecastIssueRow => ({
    issuedAt: iso(T0 + issuedH * H),
    modelVersion,
    ...(servedBy ? { servedBy } : {}),
    slotMs: T0 + fromH * H + i * 1_800_000,
  }));
}

describe('chooseForecastIssue', () => {
  it('takes the latest issue when the champion served it', () => {
    expect(chooseForecastIssue([...issue(10, 'champion'), ...issue(12, 'champion')])).toEqual({
      issuedAt: iso(T0 + 12 * H),
      modelVersion: 'v1',
    });
  });

  it('prefers a champion issue of the last hours over a newer fallback one that covers no more', () => {
    const chosen = chooseForecastIssue([...issue(10, 'champion'), ...issue(12, 'seasonal_naive')]);
    expect(chosen).toEqual({ issuedAt: iso(T0 + 10 * H), modelVersion: 'v1', preferredOver: iso(T0 + 12 * H) });
  });

  it('takes the newer fallback when the champion issue is too old or covers too little of the window', () => {
    expect(chooseForecastIssue([...issue(2, 'champion'), ...issue(12, 'source_forecast')])?.issuedAt).toBe(
      iso(T0 + 12 * H),
    );
    expect(chooseForecastIssue([...issue(10, 'champion', 30), ...issue(12, 'source_forecast', 48)])?.issuedAt).toBe(
      iso(T0 + 12 * H),
    );
  });

  it('takes the latest fallback when no champion issue exists', () => {
    expect(chooseForecastIssue([...issue(10, 'flat'), ...issue(12, 'seasonal_naive')])?.issuedAt).toBe(
      iso(T0 + 12 * H),
    );
    expect(chooseForecastIssue([])).toBeUndefined();
  });

  it('reads the same hour issued twice as one issue, the champion’s version', () => {
    const rows = [...issue(12, 'champion', 48, 'a-champion'), ...issue(12, 'seasonal_naive', 48, 'z-fallback')];
    expect(chooseForecastIssue(rows)).toEqual({ issuedAt: iso(T0 + 12 * H), modelVersion: 'a-champion' });
  });

  it('takes untagged (older) forecasts as the champion’s, the greatest version of an hour', () => {
    const rows = [...issue(11, 'flat'), ...issue(10, undefined, 48, 'a'), ...issue(10, undefined, 48, 'b')];
    expect(chooseForecastIssue(rows)).toEqual({
      issuedAt: iso(T0 + 10 * H),
      modelVersion: 'b',
      preferredOver: iso(T0 + 11 * H),
    });
  });
});
