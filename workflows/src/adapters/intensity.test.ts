import { join } from 'node:path';
import { silentLogger } from '@carbonreducer/common';
import type { IntensityPoint, IntensityWriter } from '@carbonreducer/intensity';
import { createIntensityIngestor } from './intensity';

const DATA = process.env.CARBONREDUCER_DATA ?? join(__dirname, '..', '..', '..', '..', 'shared', 'data');

/** Keeps what the ingestor would have written to InfluxDB. */
function recordingWriter(): IntensityWriter & { points: IntensityPoint[] } {
  const points: IntensityPoint[] = [];
  return {
    points,
    write: (p) => {
      points.push(...p);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

describe('createIntensityIngestor', () => {
  it('ingests the window INTENSITY_ACTUALS_HOURS and INTENSITY_FORECAST_HOURS ask for', async () => {
    const writer = recordingWriter();
    const ingestor = await createIntensityIngestor({
      env: {
        CARBONREDUCER_DATA: DATA,
        INTENSITY_SOURCES: 'file',
        INTENSITY_FILE_REPLAY: 'false',
        INTENSITY_ACTUALS_HOURS: '3',
        INTENSITY_FORECAST_HOURS: '2',
      },
      logger: silentLogger,
      writer,
    });
    const now = new Date('2023-03-01T12:00:00Z');
    await ingestor.ingest({ region: 'GB', now });
    const actuals = writer.points.filter((p) => p.kind === 'actual');
    const forecasts = writer.points.filter((p) => p.kind === 'forecast');
    // Half-hour slots: 3 h of actuals and 2 h of forecast, not the 24 h / 48 h defaults.
    expect(actuals).toHaveLength(6);
    expect(Math.min(...actuals.map((p) => p.fromMs))).toBe(now.getTime() - 3 * 3_600_000);
    expect(forecasts.length).toBeGreaterThan(0);
    expect(Math.max(...forecasts.map((p) => p.toMs))).toBeLessThanOrEqual(now.getTime() + 2 * 3_600_000);
  });
});
