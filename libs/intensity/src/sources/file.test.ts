import { WEEK_MS } from '@carbonreducer/common';
import { parseIntensityCsv, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { NoDataError, UnsupportedRegionError } from '../errors';
import type { IntensityRegion } from '../types';
import { FileIntensitySource, ReplayClock } from './file';

const GB: IntensityRegion = { id: 'GB', fileRegion: 'GB' };
const ms = (iso: string) => Date.parse(iso);

const NESO_CSV = [
  'from,to,forecast,actual,index',
  '2023-01-02 00:00:00+00:00,2023-01-02 00:30:00+00:00,100,90.0,low',
  '2023-01-02 00:30:00+00:00,2023-01-02 01:00:00+00:00,110,,low',
  '2023-01-02 01:00:00+00:00,2023-01-02 01:30:00+00:00,,95.0,low',
  '2023-01-02 01:30:00+00:00,2023-01-02 02:00:00+00:00,120,97.0,low',
].join('\n');

describe('FileIntensitySource', () => {
  const series = parseIntensityCsv(NESO_CSV, 'tiny.csv');
  const source = new FileIntensitySource({ series, fileRegion: 'GB', replay: false });

  it('serves the file actuals of a period, leaving out empty fields', async () => {
    const points = await source.fetchActuals({
      fromMs: ms('2023-01-02T00:00Z'),
      toMs: ms('2023-01-02T02:00Z'),
      region: GB,
    });
    expect(points.map((p) => [new Date(p.fromMs).toISOString(), p.intensityGPerKWh])).toEqual([
      ['2023-01-02T00:00:00.000Z', 90],
      ['2023-01-02T01:00:00.000Z', 95],
      ['2023-01-02T01:30:00.000Z', 97],
    ]);
    expect(points.every((p) => p.kind === 'actual' && p.source === 'file' && p.toMs - p.fromMs === 1_800_000)).toBe(
      true,
    );
  });

  it('exposes the NESO forecast column as forecasts with an unknown issue time', async () => {
    const points = await source.fetchForecast({ nowMs: ms('2023-01-02T00:10Z'), horizonMin: 90, region: GB });
    expect(points.map((p) => p.intensityGPerKWh)).toEqual([100, 110, 120]);
    expect(points.every((p) => p.kind === 'forecast' && p.issuedAtMs === null)).toBe(true);
  });

  it('refuses another region', async () => {
    await expect(
      source.fetchActuals({ fromMs: 0, toMs: 1, region: { id: 'FR', fileRegion: 'FR' } }),
    ).rejects.toBeInstanceOf(UnsupportedRegionError);
  });

  it('has no forecast for Electricity Maps files', async () => {
    const em = parseIntensityCsv(
      'Datetime (UTC),Zone id,Carbon intensity gCO₂eq/kWh (direct)\n2023-01-01 00:00:00,GB,62.4\n',
      'em.csv',
    );
    const emSource = new FileIntensitySource({ series: em, fileRegion: 'GB', replay: false });
    await expect(
      emSource.fetchForecast({ nowMs: ms('2023-01-01T00:00Z'), horizonMin: 60, region: GB }),
    ).rejects.toBeInstanceOf(NoDataError);
    expect(
      (await emSource.fetchActuals({ fromMs: ms('2023-01-01T00:00Z'), toMs: ms('2023-01-01T01:00Z'), region: GB }))[0],
    ).toMatchObject({ intensityGPerKWh: 62.4, toMs: ms('2023-01-01T01:00Z') });
  });
});

describe('ReplayClock', () => {
  it('maps live time onto the file by whole weeks, keeping weekday and time of day', () => {
    const clock = new ReplayClock(ms('2023-01-01T00:00Z'), ms('2023-07-01T00:00Z'));
    expect(clock.cycleMs).toBe(25 * WEEK_MS);
    const live = ms('2026-11-27T16:30Z');
    const file = clock.toFileMs(live);
    expect(file).toBeGreaterThanOrEqual(ms('2023-01-01T00:00Z'));
    expect(file).toBeLessThan(ms('2023-07-01T00:00Z'));
    expect((live - file) % WEEK_MS).toBe(0);
    expect(new Date(file).getUTCDay()).toBe(new Date(live).getUTCDay());
    expect(clock.toFileMs(live + clock.cycleMs)).toBe(file);
    // Times before the file wrap too.
    expect(clock.toFileMs(ms('2022-12-31T23:30Z'))).toBe(ms('2022-12-31T23:30Z') + clock.cycleMs);
  });
});

describe('FileIntensitySource replaying the shared NESO file', () => {
  it('plays the file value of the mapped slot, at live timestamps', async () => {
    const files = [sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')];
    const series = await readIntensityFiles(files);
    const replay = new FileIntensitySource({ series, fileRegion: 'GB', replay: true, files });
    const nowMs = ms('2026-11-27T16:00Z');
    const actuals = await replay.fetchActuals({ fromMs: nowMs - 24 * 3_600_000, toMs: nowMs, region: GB });
    expect(actuals.length).toBeGreaterThan(40);
    expect(actuals.length).toBeLessThanOrEqual(48);
    const clock = new ReplayClock(series.points[0]!.fromMs, series.points[series.points.length - 1]!.toMs);
    const byFrom = new Map(series.points.map((p) => [p.fromMs, p]));
    for (const p of actuals) {
      expect(p.fromMs).toBeGreaterThanOrEqual(nowMs - 24 * 3_600_000);
      expect(p.intensityGPerKWh).toBe(byFrom.get(clock.toFileMs(p.fromMs))?.actualGPerKWh);
    }
    const forecast = await replay.fetchForecast({ nowMs, horizonMin: 48 * 60, region: GB });
    expect(forecast.length).toBeGreaterThan(90);
    expect(forecast[0]?.fromMs).toBe(nowMs);
    expect(forecast.every((p) => p.issuedAtMs === null && p.fromMs < nowMs + 48 * 3_600_000)).toBe(true);
    expect(forecast[0]?.intensityGPerKWh).toBe(byFrom.get(clock.toFileMs(nowMs))?.forecastGPerKWh);
  });
});
