import { HOUR_MS } from '@carbonreducer/common';
import { BUCKETS, INFLUX_ORG } from '@carbonreducer/influx';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { FallbackChain } from './chain';
import { InfluxIntensityQuery, InfluxIntensityWriter } from './influx';
import { ingestCarbonIntensity } from './ingest';
import { FileIntensitySource } from './sources/file';
import type { IntensityPoint, IntensityRegion } from './types';

// Real InfluxDB from `scripts/stack up influxdb`: write the replayed NESO file's actuals and benchmark forecast,
// read them back, write them again and check nothing is duplicated.
const HOW_TO_START = 'start it with `scripts/stack up influxdb` (credentials land in .stack/secrets.env)';
const stack = loadStackEnv();
const url = `http://127.0.0.1:${stack.port('INFLUXDB_PORT')}`;
const nowMs = Date.parse('2026-11-20T12:00:00Z');
// A region tag of its own per run keeps this test's series apart from real data and from earlier runs.
const region: IntensityRegion = { id: `GB-itest-${process.pid}-${Date.now()}`, fileRegion: 'GB' };

let token: string;
let writer: InfluxIntensityWriter;
let query: InfluxIntensityQuery;

beforeAll(async () => {
  try {
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
    if (!health.ok) throw new Error(`HTTP ${health.status}`);
  } catch (err) {
    throw new Error(`InfluxDB is not reachable at ${url}: ${HOW_TO_START}`, { cause: err });
  }
  token = stack.get('INFLUXDB_APP_TOKEN');
  writer = new InfluxIntensityWriter({ url, token, org: INFLUX_ORG });
  query = new InfluxIntensityQuery({ url, token, org: INFLUX_ORG });
});

afterAll(async () => {
  if (!token) return;
  // Remove this run's series (the app token may write, hence delete, in every bucket).
  const res = await fetch(
    `${url}/api/v2/delete?org=${encodeURIComponent(INFLUX_ORG)}&bucket=${encodeURIComponent(BUCKETS.carbonIntensity)}`,
    {
      method: 'POST',
      headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        start: new Date(nowMs - 30 * 24 * HOUR_MS).toISOString(),
        stop: new Date(nowMs + 30 * 24 * HOUR_MS).toISOString(),
        predicate: `region="${region.id}"`,
      }),
    },
  );
  if (!res.ok) throw new Error(`cleaning up region ${region.id} failed: HTTP ${res.status} ${await res.text()}`);
});

const slots = (points: IntensityPoint[]) =>
  points.map((p) => [p.fromMs, p.toMs, p.intensityGPerKWh, p.source, p.issuedAtMs]);

describe('carbon intensity in InfluxDB', () => {
  it('stores actuals and forecasts from the replayed file, reads them back, and rewrites without duplicates', async () => {
    const file = await FileIntensitySource.fromSharedData({ replay: true });
    const chain = new FallbackChain([file]);
    const first = await ingestCarbonIntensity({ chain, writer, nowMs, region, actualsHours: 24, forecastHours: 48 });
    expect(first.source).toEqual({ actuals: 'file', forecast: 'file' });
    expect(first.actualPoints).toBeGreaterThan(40);
    expect(first.forecastPoints).toBeGreaterThan(90);

    const expectedActuals = (await file.fetchActuals({ fromMs: nowMs - 24 * HOUR_MS, toMs: nowMs, region })).filter(
      (p) => p.toMs <= nowMs,
    );
    const expectedForecast = await file.fetchForecast({ nowMs, horizonMin: 48 * 60, region });

    const readActuals = async () =>
      query.recentActuals({ regionId: region.id, sinceMs: nowMs - 24 * HOUR_MS, untilMs: nowMs });
    const readForecast = async () => query.latestForecast({ regionId: region.id, nowMs });

    const actuals = await readActuals();
    expect(actuals).toHaveLength(first.actualPoints);
    expect(slots(actuals)).toEqual(slots(expectedActuals));
    expect(actuals.every((p) => p.kind === 'actual' && p.region === region.id)).toBe(true);
    const forecast = await readForecast();
    expect(forecast).toHaveLength(first.forecastPoints);
    expect(slots(forecast)).toEqual(slots(expectedForecast));

    // Same points again: same series and timestamps, so InfluxDB overwrites in place.
    const second = await ingestCarbonIntensity({ chain, writer, nowMs, region, actualsHours: 24, forecastHours: 48 });
    expect(second.actualPoints).toBe(first.actualPoints);
    expect(await readActuals()).toHaveLength(first.actualPoints);
    expect(await readForecast()).toHaveLength(first.forecastPoints);
  });

  it('keeps each forecast issue as its own series and returns the latest issued at or before now', async () => {
    const slot = (i: number, value: number, issuedAtMs: number): IntensityPoint => ({
      fromMs: nowMs + i * 1_800_000,
      toMs: nowMs + (i + 1) * 1_800_000,
      intensityGPerKWh: value,
      kind: 'forecast',
      issuedAtMs,
      source: 'neso',
    });
    const earlier = nowMs - 2 * HOUR_MS;
    const later = nowMs - HOUR_MS;
    const future = nowMs + HOUR_MS;
    await writer.write([slot(0, 150, earlier), slot(1, 151, earlier)], region);
    await writer.write([slot(0, 160, later), slot(1, 161, later)], region);
    await writer.write([slot(0, 170, future), slot(1, 171, future)], region);

    const latest = await query.latestForecast({ regionId: region.id, nowMs, source: 'neso' });
    expect(latest.map((p) => [p.intensityGPerKWh, p.issuedAtMs])).toEqual([
      [160, later],
      [161, later],
    ]);
    // With a known issue time in store, it wins over the file's benchmark forecast (issue time unknown).
    const any = await query.latestForecast({ regionId: region.id, nowMs });
    expect(any.every((p) => p.source === 'neso' && p.issuedAtMs === later)).toBe(true);
    // The earlier issue is still there.
    const before = await query.latestForecast({ regionId: region.id, nowMs: later - 1, source: 'neso' });
    expect(before.map((p) => p.intensityGPerKWh)).toEqual([150, 151]);
  });
});
