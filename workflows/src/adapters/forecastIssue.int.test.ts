/**
 * On the real InfluxDB (`scripts/stack up influxdb`): the forecast a plan reads is the champion's issue of the last
 * hours rather than a newer fallback one (domain/forecastIssue.ts), and the newer fallback when the champion's is
 * too old. Each case writes a region of its own.
 */
import { randomUUID } from 'node:crypto';
import { BUCKETS } from '@carbonreducer/influx';
import { assertReachable, loadStackEnv } from '@carbonreducer/stack-env';
import type { ServedBy } from '../types';
import { stackSettings } from '../testing/workerProcess';
import { InfluxForecastStore } from './influx';

jest.setTimeout(60_000);

const H = 3_600_000;
const SLOT = 1_800_000;

describe('InfluxForecastStore.latestIntensityForecast: champion over a newer fallback', () => {
  const store = new InfluxForecastStore(stackSettings().influx, BUCKETS.forecasts);
  const now = Math.floor(Date.now() / H) * H;
  const window = { from: new Date(now + H), to: new Date(now + 20 * H) };

  beforeAll(async () => {
    await assertReachable('InfluxDB (scripts/stack up influxdb)', '127.0.0.1', loadStackEnv().port('INFLUXDB_PORT'));
  });

  /** An issue of 48 h of half-hour slots from its issue hour, all served by `servedBy`, `g` gCO2/kWh each. */
  async function write(region: string, issuedMs: number, servedBy: ServedBy, g: number): Promise<void> {
    await store.writeIntensityForecast({
      region,
      issuedAt: new Date(issuedMs).toISOString(),
      modelVersion: servedBy === 'champion' ? 'it-champion' : 'it-fallback',
      servedBy,
      fallbackReason: servedBy === 'champion' ? 'none' : 'incomplete_history',
      detail: '',
      points: Array.from({ length: 96 }, (_, i) => ({
        time: new Date(issuedMs + i * SLOT).toISOString(),
        intensityGPerKWh: g,
        servedBy,
        fallbackReason: servedBy === 'champion' ? 'none' : 'incomplete_history',
      })),
    });
  }

  it('reads the champion issued 2 h ago, not the seasonal-naive issue of this hour', async () => {
    const region = `IT-FI-${randomUUID().slice(0, 8)}`;
    await write(region, now - 2 * H, 'champion', 111);
    await write(region, now, 'seasonal_naive', 999);
    const f = await store.latestIntensityForecast({ region, ...window });
    expect(f?.issuedAt).toBe(new Date(now - 2 * H).toISOString());
    expect(f?.servedBy).toBe('champion');
    expect(new Set(f?.points.map((p) => p.intensityGPerKWh))).toEqual(new Set([111]));
  });

  it('reads the newer fallback when the champion’s issue is 8 h old', async () => {
    const region = `IT-FI-${randomUUID().slice(0, 8)}`;
    await write(region, now - 8 * H, 'champion', 111);
    await write(region, now, 'seasonal_naive', 999);
    const f = await store.latestIntensityForecast({ region, ...window });
    expect(f?.issuedAt).toBe(new Date(now).toISOString());
    expect(f?.servedBy).toBe('seasonal_naive');
  });
});
