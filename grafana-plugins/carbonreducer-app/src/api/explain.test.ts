import type { ApiIntensityForecast, ApiPlannedRun } from '@carbonreducer/grafana-shared';
import { explainRun } from './explain';

const NOW = Date.parse('2026-12-03T06:00:00Z');
const forecast = (values: number[]): ApiIntensityForecast => ({
  region: 'GB',
  issuedAt: '2026-12-03T05:30:00Z',
  modelVersion: 'm1',
  servedBy: 'influxdb:forecasts',
  coverage: 0.8,
  points: values.map((g, i) => ({
    time: new Date(NOW + i * 1_800_000).toISOString(),
    intensityGPerKWh: g,
    lowerGPerKWh: g - 10,
    upperGPerKWh: g + 10,
  })),
});
const run = (start: string, end: string, avoidedG = 120, baselineG = 400): ApiPlannedRun => ({
  requestId: 'r1',
  deviceId: 'dw-1',
  appliance: 'dishwasher',
  startAt: start,
  endAt: end,
  powerW: 1400,
  energyWh: 1400,
  emissionsG: baselineG - avoidedG,
  baselineEmissionsG: baselineG,
  avoidedEmissionsG: avoidedG,
});

describe('explainRun', () => {
  it('says a run in the cleanest window is there, with avoided kg and share', () => {
    const e = explainRun(
      run('2026-12-03T07:00:00Z', '2026-12-03T08:00:00Z'),
      forecast([300, 250, 100, 100, 200, 300]),
      NOW
    );
    expect(e.meanIntensityGPerKWh).toBe(100);
    expect(e.words).toBe(
      'Runs 07:00–08:00 at 100 gCO2/kWh forecast; this is the cleanest window the forecast shows for it. Avoids 0.12 kg CO2 (30 %) against running when requested.'
    );
  });

  it('names the cleaner window a constraint kept the run out of', () => {
    const e = explainRun(
      run('2026-12-03T06:00:00Z', '2026-12-03T07:00:00Z', 0),
      forecast([300, 250, 100, 100, 200, 300]),
      NOW
    );
    expect(e.words).toContain(
      'the cleanest window (07:00, 100 gCO2/kWh) is outside what its deadline, earliest start or the fuse allow'
    );
    expect(e.words).toContain('Running when requested is as clean as any later start.');
  });

  it('names the pin, not a constraint of the request, when a pinned run is kept out of the cleanest window', () => {
    const pin = { from: '2026-12-03T06:00:00Z', to: '2026-12-03T07:30:00Z' };
    const e = explainRun(
      run('2026-12-03T06:00:00Z', '2026-12-03T07:00:00Z', 0),
      forecast([300, 250, 100, 100, 200, 300]),
      NOW,
      'UTC',
      pin
    );
    expect(e.words).toContain('; the cleanest window (07:00, 100 gCO2/kWh) is outside your pin (06:00–07:30).');
    expect(e.words).not.toContain('deadline');
    // A pin that holds the cleanest window changes nothing in the words.
    const inside = explainRun(
      run('2026-12-03T07:00:00Z', '2026-12-03T08:00:00Z'),
      forecast([300, 250, 100, 100, 200, 300]),
      NOW,
      'UTC',
      { from: '2026-12-03T06:30:00Z', to: '2026-12-03T09:00:00Z' }
    );
    expect(inside.words).toContain('this is the cleanest window the forecast shows for it');
  });

  it('explains without a forecast from the plan alone', () => {
    const e = explainRun(run('2026-12-03T07:00:00Z', '2026-12-03T08:00:00Z'), null, NOW);
    expect(e.meanIntensityGPerKWh).toBeNull();
    expect(e.words).toBe('Runs 07:00–08:00. Avoids 0.12 kg CO2 (30 %) against running when requested.');
  });
});
