import { SourceHttpError, SourceResponseError, UnsupportedRegionError } from '../errors';
import { FakeFetch, instantHttp, ok } from '../testing/fakeFetch';
import type { IntensityRegion } from '../types';
import { ElectricityMapsSource } from './electricityMaps';

const BASE = 'https://api.electricitymaps.com/v3/carbon-intensity';
const GB: IntensityRegion = { id: 'GB', electricityMapsZone: 'GB' };
const ms = (iso: string) => Date.parse(iso);
const HISTORY_URL = `${BASE}/history?zone=GB&emissionFactorType=direct`;
// instantHttp's clock reads 2023-03-01T03:00Z, so this window is within the last 24 h: `/history`.
const request = { fromMs: ms('2023-03-01T00:00Z'), toMs: ms('2023-03-01T05:00Z'), region: GB };
const KEY = 'em-secret-key';

describe('ElectricityMapsSource', () => {
  it('reads history with the key in the auth-token header, skipping slots with no value', async () => {
    const fake = new FakeFetch().on(HISTORY_URL, ok('electricitymaps/history-GB.json'));
    const points = await new ElectricityMapsSource({ ...instantHttp(fake), apiKey: KEY }).fetchActuals(request);
    expect(points.map((p) => [new Date(p.fromMs).toISOString(), p.intensityGPerKWh])).toEqual([
      ['2023-03-01T00:00:00.000Z', 143],
      ['2023-03-01T01:00:00.000Z', 139.5],
      ['2023-03-01T03:00:00.000Z', 131.2],
      ['2023-03-01T04:00:00.000Z', 128.9],
    ]);
    expect(points[0]?.toMs).toBe(ms('2023-03-01T01:00Z'));
    expect(fake.calls[0]?.headers['auth-token']).toBe(KEY);
    expect(fake.calls[0]?.url).not.toContain(KEY);
  });

  it('uses past-range for periods older than 24 hours', async () => {
    const url = `${BASE}/past-range?zone=GB&emissionFactorType=direct&start=2023-02-20T00%3A00%3A00.000Z&end=2023-02-20T02%3A00%3A00.000Z`;
    const fake = new FakeFetch().on(url, {
      status: 200,
      body: JSON.stringify({
        zone: 'GB',
        data: [
          { zone: 'GB', carbonIntensity: 201, datetime: '2023-02-20T00:00:00.000Z', emissionFactorType: 'direct' },
          { zone: 'GB', carbonIntensity: 199, datetime: '2023-02-20T01:00:00.000Z', emissionFactorType: 'direct' },
        ],
      }),
    });
    const points = await new ElectricityMapsSource({ ...instantHttp(fake), apiKey: KEY }).fetchActuals({
      fromMs: ms('2023-02-20T00:00Z'),
      toMs: ms('2023-02-20T02:00Z'),
      region: GB,
    });
    expect(points.map((p) => p.intensityGPerKWh)).toEqual([201, 199]);
  });

  it('reads the forecast with updatedAt as the issue time', async () => {
    const fake = new FakeFetch().on(
      `${BASE}/forecast?zone=GB&emissionFactorType=direct`,
      ok('electricitymaps/forecast-GB.json'),
    );
    const points = await new ElectricityMapsSource({ ...instantHttp(fake), apiKey: KEY }).fetchForecast({
      nowMs: ms('2023-03-01T05:10Z'),
      horizonMin: 3 * 60,
      region: GB,
    });
    expect(points.map((p) => p.intensityGPerKWh)).toEqual([126, 124, 121, 119]);
    expect(new Set(points.map((p) => p.issuedAtMs))).toEqual(new Set([ms('2023-03-01T04:47:03.104Z')]));
  });

  it('retries a 503 then succeeds; reports an exhausted 429 with status and a URL free of the key', async () => {
    const fake = new FakeFetch().on(HISTORY_URL, { status: 503, body: '' }, ok('electricitymaps/history-GB.json'));
    const source = new ElectricityMapsSource({ ...instantHttp(fake), apiKey: KEY });
    expect(await source.fetchActuals(request)).toHaveLength(4);
    fake.on(
      HISTORY_URL,
      ...Array.from({ length: 3 }, () => ({ status: 429, body: 'rate limited', headers: { 'retry-after': '1' } })),
    );
    const err = await source.fetchActuals(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as Error).message).toBe(
      `electricitymaps: HTTP 429 from GET ${HISTORY_URL} after 3 attempt(s): rate limited`,
    );
    expect((err as Error).message).not.toContain(KEY);
  });

  it('rejects a string intensity with the path', async () => {
    const fake = new FakeFetch().on(HISTORY_URL, ok('electricitymaps/history-GB-malformed.json'));
    const err = await new ElectricityMapsSource({ ...instantHttp(fake), apiKey: KEY })
      .fetchActuals(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceResponseError);
    expect((err as Error).message).toContain('history[1].carbonIntensity is not a finite number ("139.5")');
  });

  it('rejects an answer for another zone', async () => {
    const fake = new FakeFetch().on(
      `${BASE}/history?zone=FR&emissionFactorType=direct`,
      ok('electricitymaps/history-GB.json'),
    );
    await expect(
      new ElectricityMapsSource({ ...instantHttp(fake), apiKey: KEY }).fetchActuals({
        ...request,
        region: { id: 'FR', electricityMapsZone: 'FR' },
      }),
    ).rejects.toThrow('zone is "GB", expected "FR"');
  });

  it('refuses regions without a zone', async () => {
    await expect(
      new ElectricityMapsSource({ ...instantHttp(new FakeFetch()), apiKey: KEY }).fetchActuals({
        ...request,
        region: { id: 'X' },
      }),
    ).rejects.toBeInstanceOf(UnsupportedRegionError);
  });
});
