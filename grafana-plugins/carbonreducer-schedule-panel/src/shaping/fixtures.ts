import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { FRAMES } from '@carbonreducer/grafana-shared';

/** Pinned clock for every test: 2026-12-03T06:00:00Z. */
export const NOW_MS = Date.parse('2026-12-03T06:00:00Z');
const H = 3_600_000;

/** 24 h of half-hourly forecast from 05:00 (one point before now): a V with its minimum at 14:00-15:00. */
export function intensityFrame(hours = 24, band = true): DataFrame {
  const time: number[] = [];
  const intensity: number[] = [];
  const lower: (number | null)[] = [];
  const upper: (number | null)[] = [];
  for (let i = 0; i < hours * 2; i++) {
    const t = NOW_MS - H + i * (H / 2);
    time.push(t);
    const fromMin = Math.abs(t - (NOW_MS + 8.5 * H)) / H; // distance from 14:30 in hours
    const v = 100 + 10 * fromMin;
    intensity.push(v);
    lower.push(band ? v - 20 : null);
    upper.push(band ? v + 30 : null);
  }
  return createDataFrame({
    name: FRAMES.intensityForecast.name,
    fields: [
      { name: 'time', type: FieldType.time, values: time },
      { name: 'intensity', type: FieldType.number, values: intensity, config: { unit: 'suffix: gCO2/kWh' } },
      { name: 'lower', type: FieldType.number, values: lower },
      { name: 'upper', type: FieldType.number, values: upper },
    ],
  });
}

export interface RunFixture {
  requestId: string;
  appliance: string;
  startAt: string;
  endAt: string;
  avoidedKg?: number;
}

export function runsFrame(runs: RunFixture[]): DataFrame {
  return createDataFrame({
    name: FRAMES.planRuns.name,
    fields: [
      { name: 'requestId', type: FieldType.string, values: runs.map((r) => r.requestId) },
      { name: 'deviceId', type: FieldType.string, values: runs.map((r) => `${r.appliance}-1`) },
      { name: 'appliance', type: FieldType.string, values: runs.map((r) => r.appliance) },
      { name: 'startAt', type: FieldType.time, values: runs.map((r) => Date.parse(r.startAt)) },
      { name: 'endAt', type: FieldType.time, values: runs.map((r) => Date.parse(r.endAt)) },
      { name: 'power', type: FieldType.number, values: runs.map(() => 2000) },
      { name: 'avoided', type: FieldType.number, values: runs.map((r) => r.avoidedKg ?? 0.1) },
    ],
  });
}

export const TWO_RUNS: RunFixture[] = [
  {
    requestId: 'dw-1',
    appliance: 'dishwasher',
    startAt: '2026-12-03T14:00:00Z',
    endAt: '2026-12-03T16:00:00Z',
    avoidedKg: 0.21,
  },
  { requestId: 'wm-1', appliance: 'washing_machine', startAt: '2026-12-03T13:30:00Z', endAt: '2026-12-03T14:30:00Z' },
];
