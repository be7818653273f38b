import { parseIntensityCsv } from '@carbonreducer/datasets';
import type { PointSettings } from '@influxdata/influxdb-client';
import { FallbackChain } from './chain';
import { ingestCarbonIntensity } from './ingest';
import { toInfluxPoints } from './influx';
import { FileIntensitySource } from './sources/file';
import { NesoCarbonIntensitySource } from './sources/neso';
import { FakeFetch, instantHttp } from './testing/fakeFetch';
import type { IntensityPoint, IntensityRegion, IntensityWriter } from './types';

const GB: IntensityRegion = { id: 'GB', neso: 'national', fileRegion: 'GB' };
const ms = (iso: string) => Date.parse(iso);

/** Keeps what it is given: the unit under test is the ingest logic, the InfluxDB writer has its own integration test. */
class MemoryWriter implements IntensityWriter {
  readonly written: IntensityPoint[] = [];
  write(points: IntensityPoint[]): Promise<void> {
    this.written.push(...points);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const csv = ['from,to,forecast,actual,index'];
for (let i = 0; i < 8; i++) {
  const from = new Date(ms('2023-01-02T00:00Z') + i * 1_800_000)
    .toISOString()
    .replace('T', ' ')
    .replace('.000Z', '+00:00');
  const to = new Date(ms('2023-01-02T00:30Z') + i * 1_800_000)
    .toISOString()
    .replace('T', ' ')
    .replace('.000Z', '+00:00');
  csv.push(`${from},${to},${200 + i},${100 + i}.0,low`);
}
const file = new FileIntensitySource({ series: parseIntensityCsv(csv.join('\n')), fileRegion: 'GB', replay: false });

describe('ingestCarbonIntensity', () => {
  it('falls back to the file when NESO is down, writes ended actuals and the forecast, and reports both', async () => {
    const fake = new FakeFetch(); // every URL answers 599: NESO is unreachable
    const chain = new FallbackChain([new NesoCarbonIntensitySource({ ...instantHttp(fake), retries: 0 }), file]);
    const writer = new MemoryWriter();
    const result = await ingestCarbonIntensity({
      chain,
      writer,
      nowMs: ms('2023-01-02T02:10Z'),
      region: GB,
      actualsHours: 2,
      forecastHours: 1,
    });
    // Actuals: slots ending by 02:10 within the last 2 h (00:00 starts before the window but overlaps it): 00:00–01:30.
    // The 02:00 slot is still running at 02:10, so it is not an actual yet.
    expect(result).toEqual({
      source: { actuals: 'file', forecast: 'file' },
      actualPoints: 4,
      forecastPoints: 3,
      rejected: expect.objectContaining({ absurd: 0, duplicate: 0 }),
      skipped: [
        expect.objectContaining({ source: 'neso', kind: 'actual', reason: expect.stringContaining('HTTP 599') }),
        expect.objectContaining({ source: 'neso', kind: 'forecast', reason: expect.stringContaining('HTTP 599') }),
      ],
    });
    expect(writer.written.filter((p) => p.kind === 'actual').map((p) => p.intensityGPerKWh)).toEqual([
      100, 101, 102, 103,
    ]);
    expect(writer.written.filter((p) => p.kind === 'forecast').map((p) => p.intensityGPerKWh)).toEqual([204, 205, 206]);
  });
});

// What the write API does at precision 's': Date timestamps become whole seconds.
const secondPrecision: Partial<PointSettings> = {
  convertTime: (value) => (value instanceof Date ? String(Math.floor(value.getTime() / 1000)) : undefined),
};

describe('toInfluxPoints', () => {
  it('writes forecasts with an issued_at tag, actuals without, at second precision', () => {
    const lines = toInfluxPoints(
      [
        {
          fromMs: ms('2023-01-02T00:00Z'),
          toMs: ms('2023-01-02T00:30Z'),
          intensityGPerKWh: 100.5,
          kind: 'actual',
          issuedAtMs: null,
          source: 'neso',
        },
        {
          fromMs: ms('2023-01-02T01:00Z'),
          toMs: ms('2023-01-02T01:30Z'),
          intensityGPerKWh: 120,
          kind: 'forecast',
          issuedAtMs: ms('2023-01-02T00:10Z'),
          source: 'neso',
        },
        {
          fromMs: ms('2023-01-02T01:00Z'),
          toMs: ms('2023-01-02T01:30Z'),
          intensityGPerKWh: 121,
          kind: 'forecast',
          issuedAtMs: null,
          source: 'file',
        },
      ],
      GB,
    ).map((p) => p.toLineProtocol(secondPrecision));
    expect(lines).toEqual([
      'carbon_intensity,kind=actual,region=GB,source=neso duration_s=1800i,intensity_g_per_kwh=100.5 1672617600',
      'carbon_intensity,issued_at=2023-01-02T00:10:00.000Z,kind=forecast,region=GB,source=neso duration_s=1800i,intensity_g_per_kwh=120 1672621200',
      'carbon_intensity,issued_at=unknown,kind=forecast,region=GB,source=file duration_s=1800i,intensity_g_per_kwh=121 1672621200',
    ]);
  });
});
