import { SourceHttpError, SourceResponseError } from '../errors';
import { FakeFetch, instantHttp, ok } from '../testing/fakeFetch';
import type { IntensityRegion } from '../types';
import { lbsPerMWhToGPerKWh, WattTimeSource } from './wattTime';

const BASE = 'https://api.watttime.org';
const REGION: IntensityRegion = { id: 'CAISO_NORTH', wattTimeRegion: 'CAISO_NORTH' };
const ms = (iso: string) => Date.parse(iso);
const FORECAST_URL = `${BASE}/v3/forecast?region=CAISO_NORTH&signal_type=co2_moer&horizon_hours=1`;
const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.recorded-fixture-token';
const creds = { username: 'carbonreducer', password: 'hunter2' };
const forecastRequest = { nowMs: ms('2023-03-01T00:00Z'), horizonMin: 20, region: REGION };

describe('WattTimeSource', () => {
  it('converts lbs/MWh to g/kWh', () => {
    expect(lbsPerMWhToGPerKWh(1000)).toBeCloseTo(453.592, 9);
    expect(lbsPerMWhToGPerKWh(0)).toBe(0);
  });

  it('logs in with basic auth, then reads the forecast with the bearer token, converted and stamped with generated_at', async () => {
    const fake = new FakeFetch()
      .on(`${BASE}/login`, ok('watttime/login.json'))
      .on(FORECAST_URL, ok('watttime/forecast-CAISO_NORTH.json'));
    const points = await new WattTimeSource({ ...instantHttp(fake), ...creds }).fetchForecast(forecastRequest);
    expect(fake.calls[0]?.headers.Authorization).toBe(
      'Basic ' + Buffer.from('carbonreducer:hunter2').toString('base64'),
    );
    expect(fake.calls[1]?.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    // 20 minutes of 5-minute points: 1010, 1003.5, 998.2, 1021.7 lbs/MWh.
    expect(points.map((p) => p.intensityGPerKWh)).toEqual([1010, 1003.5, 998.2, 1021.7].map((v) => v * 0.453592));
    expect(points[0]?.toMs).toBe(ms('2023-03-01T00:05Z'));
    expect(points.every((p) => p.issuedAtMs === ms('2023-03-01T00:00Z') && p.source === 'watttime')).toBe(true);
  });

  it('reads historical MOER as actuals and reuses the token', async () => {
    const url = `${BASE}/v3/historical?region=CAISO_NORTH&start=2023-02-28T23%3A40%3A00.000Z&end=2023-03-01T00%3A00%3A00.000Z&signal_type=co2_moer`;
    const fake = new FakeFetch()
      .on(`${BASE}/login`, ok('watttime/login.json'))
      .on(url, ok('watttime/historical-CAISO_NORTH.json'), ok('watttime/historical-CAISO_NORTH.json'));
    const source = new WattTimeSource({ ...instantHttp(fake), ...creds });
    const req = { fromMs: ms('2023-02-28T23:40Z'), toMs: ms('2023-03-01T00:00Z'), region: REGION };
    const points = await source.fetchActuals(req);
    await source.fetchActuals(req);
    expect(points.map((p) => Math.round(p.intensityGPerKWh * 1000) / 1000)).toEqual([
      430.912, 430.051, 435.584, 433.18,
    ]);
    expect(points.every((p) => p.kind === 'actual' && p.issuedAtMs === null)).toBe(true);
    expect(fake.calls.filter((c) => c.url.endsWith('/login'))).toHaveLength(1);
  });

  it('logs in again once when the token is refused with 401', async () => {
    const fake = new FakeFetch()
      .on(`${BASE}/login`, ok('watttime/login.json'), ok('watttime/login.json'))
      .on(
        FORECAST_URL,
        ok('watttime/forecast-CAISO_NORTH.json'),
        { status: 401, body: 'token expired' },
        ok('watttime/forecast-CAISO_NORTH.json'),
      );
    const source = new WattTimeSource({ ...instantHttp(fake), ...creds });
    await source.fetchForecast(forecastRequest);
    expect(await source.fetchForecast(forecastRequest)).toHaveLength(4);
    expect(fake.calls.filter((c) => c.url.endsWith('/login'))).toHaveLength(2);
  });

  it('reports a failed login without the password', async () => {
    const fake = new FakeFetch().on(`${BASE}/login`, { status: 403, body: 'invalid credentials' });
    const err = await new WattTimeSource({ ...instantHttp(fake), ...creds })
      .fetchForecast(forecastRequest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as Error).message).toBe(
      `watttime: HTTP 403 from GET ${BASE}/login after 1 attempt(s): invalid credentials`,
    );
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('retries 500/429 on the data call and fails after the last attempt', async () => {
    const sleeps: number[] = [];
    const fake = new FakeFetch()
      .on(`${BASE}/login`, ok('watttime/login.json'))
      .on(
        FORECAST_URL,
        { status: 429, body: '', headers: { 'Retry-After': '2' } },
        { status: 500, body: '' },
        { status: 500, body: 'boom' },
      );
    const err = await new WattTimeSource({ ...instantHttp(fake, sleeps), ...creds })
      .fetchForecast(forecastRequest)
      .catch((e: unknown) => e);
    expect((err as SourceHttpError).status).toBe(500);
    expect(sleeps).toEqual([2000, 200]);
  });

  it('refuses units it does not know instead of converting by guess', async () => {
    const fake = new FakeFetch()
      .on(`${BASE}/login`, ok('watttime/login.json'))
      .on(FORECAST_URL, ok('watttime/forecast-CAISO_NORTH-wrong-units.json'));
    const err = await new WattTimeSource({ ...instantHttp(fake), ...creds })
      .fetchForecast(forecastRequest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceResponseError);
    expect((err as Error).message).toContain('meta.units is "kg_co2_per_mwh", expected "lbs_co2_per_mwh"');
  });
});
