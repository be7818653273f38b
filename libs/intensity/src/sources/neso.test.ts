import { SourceHttpError, SourceNetworkError, SourceResponseError, UnsupportedRegionError } from '../errors';
import { FakeFetch, fixture, instantHttp, ok } from '../testing/fakeFetch';
import type { IntensityRegion } from '../types';
import { NesoCarbonIntensitySource, nesoTime } from './neso';

const BASE = 'https://api.carbonintensity.org.uk';
const GB: IntensityRegion = { id: 'GB', neso: 'national' };
const LONDON: IntensityRegion = { id: 'GB-13', neso: { regionId: 13 } };
const ms = (iso: string) => Date.parse(iso);
const ACTUALS_URL = `${BASE}/intensity/2023-03-01T00:00Z/2023-03-01T03:00Z`;
const actualsRequest = { fromMs: ms('2023-03-01T00:00Z'), toMs: ms('2023-03-01T03:00Z'), region: GB };

describe('NesoCarbonIntensitySource', () => {
  it('formats times the way the API paths take them', () => {
    expect(nesoTime(ms('2023-03-01T02:30:00.000Z'))).toBe('2023-03-01T02:30Z');
  });

  it('returns measured half-hours as actuals and leaves out slots not yet measured', async () => {
    const fake = new FakeFetch().on(ACTUALS_URL, ok('neso/intensity-2023-03-01T00:00Z-2023-03-01T03:00Z.json'));
    const points = await new NesoCarbonIntensitySource(instantHttp(fake)).fetchActuals(actualsRequest);
    expect(points.map((p) => p.intensityGPerKWh)).toEqual([176, 181, 168, 163]);
    expect(points[0]).toEqual({
      fromMs: ms('2023-03-01T00:00Z'),
      toMs: ms('2023-03-01T00:30Z'),
      intensityGPerKWh: 176,
      kind: 'actual',
      issuedAtMs: null,
      source: 'neso',
    });
    expect(fake.calls).toHaveLength(1);
  });

  it('retries a 429 after the Retry-After delay, then succeeds', async () => {
    const sleeps: number[] = [];
    const fake = new FakeFetch().on(
      ACTUALS_URL,
      { status: 429, body: 'Too Many Requests', headers: { 'Retry-After': '7' } },
      ok('neso/intensity-2023-03-01T00:00Z-2023-03-01T03:00Z.json'),
    );
    const points = await new NesoCarbonIntensitySource(instantHttp(fake, sleeps)).fetchActuals(actualsRequest);
    expect(points).toHaveLength(4);
    expect(sleeps).toEqual([7000]);
    expect(fake.calls).toHaveLength(2);
  });

  it('gives up after the retries on repeated 500s with an error naming source, status and URL', async () => {
    const sleeps: number[] = [];
    const fake = new FakeFetch().on(
      ACTUALS_URL,
      { status: 500, body: 'upstream error' },
      { status: 502, body: 'bad gateway' },
      { status: 500, body: 'upstream error' },
    );
    const err = await new NesoCarbonIntensitySource(instantHttp(fake, sleeps))
      .fetchActuals(actualsRequest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as SourceHttpError).status).toBe(500);
    expect((err as SourceHttpError).attempts).toBe(3);
    expect((err as Error).message).toBe(`neso: HTTP 500 from GET ${ACTUALS_URL} after 3 attempt(s): upstream error`);
    // Exponential backoff without Retry-After: 100 ms, then 200 ms.
    expect(sleeps).toEqual([100, 200]);
  });

  it('does not retry a 400 and reports the API message', async () => {
    const fake = new FakeFetch().on(ACTUALS_URL, { status: 400, body: fixture('neso/error-400.json') });
    const err = await new NesoCarbonIntensitySource(instantHttp(fake))
      .fetchActuals(actualsRequest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as Error).message).toContain('Please enter a valid ISO 8601 date');
    expect(fake.calls).toHaveLength(1);
  });

  it('rejects a malformed body with the path of the bad value', async () => {
    const fake = new FakeFetch().on(ACTUALS_URL, ok('neso/intensity-malformed-actual.json'));
    const err = await new NesoCarbonIntensitySource(instantHttp(fake))
      .fetchActuals(actualsRequest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceResponseError);
    expect((err as Error).message).toBe(
      `neso: unexpected response from ${ACTUALS_URL}: data[2].intensity.actual is not a finite number ("168")`,
    );
  });

  it('rejects a body that is not JSON', async () => {
    const fake = new FakeFetch().on(ACTUALS_URL, { status: 200, body: '<html>maintenance</html>' });
    await expect(new NesoCarbonIntensitySource(instantHttp(fake)).fetchActuals(actualsRequest)).rejects.toThrow(
      /neso: unexpected response .*: body is not JSON/,
    );
  });

  it('times out each attempt with AbortController and reports the timeout', async () => {
    const fake = new FakeFetch().on(ACTUALS_URL, { hang: true }, { hang: true }, { hang: true });
    const err = await new NesoCarbonIntensitySource(instantHttp(fake))
      .fetchActuals(actualsRequest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceNetworkError);
    expect((err as Error).message).toBe(`neso: GET ${ACTUALS_URL} failed after 3 attempt(s): timed out after 50 ms`);
  });

  it('returns the national forecast within the horizon, stamped with the retrieval time', async () => {
    const nowMs = ms('2023-03-01T02:10Z');
    const fake = new FakeFetch().on(
      `${BASE}/intensity/2023-03-01T02:00Z/fw24h`,
      ok('neso/intensity-2023-03-01T02:00Z-fw24h.json'),
    );
    const points = await new NesoCarbonIntensitySource(instantHttp(fake)).fetchForecast({
      nowMs,
      horizonMin: 120,
      region: GB,
    });
    expect(points.map((p) => [new Date(p.fromMs).toISOString(), p.intensityGPerKWh])).toEqual([
      ['2023-03-01T02:00:00.000Z', 155],
      ['2023-03-01T02:30:00.000Z', 150],
      ['2023-03-01T03:00:00.000Z', 146],
      ['2023-03-01T03:30:00.000Z', 141],
      ['2023-03-01T04:00:00.000Z', 139],
    ]);
    expect(points.every((p) => p.kind === 'forecast' && p.issuedAtMs === nowMs)).toBe(true);
  });

  it('reads regional forecasts and refuses regional actuals', async () => {
    const nowMs = ms('2023-03-01T02:00Z');
    const fake = new FakeFetch().on(
      `${BASE}/regional/intensity/2023-03-01T02:00Z/fw48h/regionid/13`,
      ok('neso/regional-2023-03-01T02:00Z-fw24h-regionid-13.json'),
    );
    const source = new NesoCarbonIntensitySource(instantHttp(fake));
    const points = await source.fetchForecast({ nowMs, horizonMin: 36 * 60, region: LONDON });
    expect(points.map((p) => p.intensityGPerKWh)).toEqual([121, 117, 112, 110]);
    await expect(source.fetchActuals({ ...actualsRequest, region: LONDON })).rejects.toBeInstanceOf(
      UnsupportedRegionError,
    );
  });

  it('checks that the regional answer is for the region asked', async () => {
    const fake = new FakeFetch().on(
      `${BASE}/regional/intensity/2023-03-01T02:00Z/fw24h/regionid/12`,
      ok('neso/regional-2023-03-01T02:00Z-fw24h-regionid-13.json'),
    );
    await expect(
      new NesoCarbonIntensitySource(instantHttp(fake)).fetchForecast({
        nowMs: ms('2023-03-01T02:00Z'),
        horizonMin: 60,
        region: { id: 'GB-12', neso: { regionId: 12 } },
      }),
    ).rejects.toThrow('data.regionid is 13, expected 12');
  });

  it('refuses a region without a NESO id before any request', async () => {
    const fake = new FakeFetch();
    await expect(
      new NesoCarbonIntensitySource(instantHttp(fake)).fetchActuals({ ...actualsRequest, region: { id: 'DE' } }),
    ).rejects.toBeInstanceOf(UnsupportedRegionError);
    expect(fake.calls).toHaveLength(0);
  });
});
