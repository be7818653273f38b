import { createDataFrame, FieldType } from '@grafana/data';
import { bestWindow, readIntensity, shapeSchedule } from './viewModel';
import { intensityFrame, NOW_MS, runsFrame, TWO_RUNS } from './fixtures';

const H = 3_600_000;
const opts = { horizonHours: 24, appliances: [], kioskSize: 'desk' as const };

describe('shapeSchedule', () => {
  it('says no-data for no frames and for empty frames', () => {
    expect(shapeSchedule([], opts, NOW_MS)).toEqual({ ok: false, reason: 'no-data' });
    expect(shapeSchedule([createDataFrame({ fields: [] })], opts, NOW_MS)).toEqual({ ok: false, reason: 'no-data' });
  });

  it('says no-intensity when only a plan is there', () => {
    expect(shapeSchedule([runsFrame(TWO_RUNS)], opts, NOW_MS)).toEqual({ ok: false, reason: 'no-intensity' });
  });

  it('keeps the point holding at now, the horizon, the band and the runs in lanes by first start', () => {
    const shape = shapeSchedule([intensityFrame(), runsFrame(TWO_RUNS)], opts, NOW_MS);
    if (!shape.ok) throw new Error('expected a view');
    const v = shape.view;
    expect(v.fromMs).toBe(NOW_MS);
    expect(v.toMs).toBe(NOW_MS + 24 * H);
    expect(v.intensity[0]?.timeMs).toBe(NOW_MS - H / 2); // 05:30 holds at 06:00
    expect(v.intensity.every((p) => p.timeMs <= v.toMs)).toBe(true);
    expect(v.hasBand).toBe(true);
    expect(v.lanes).toEqual(['washing_machine', 'dishwasher']);
    expect(v.runs.map((r) => [r.requestId, r.lane])).toEqual([
      ['wm-1', 0],
      ['dw-1', 1],
    ]);
    expect(v.runs.find((r) => r.requestId === 'dw-1')?.avoidedKg).toBe(0.21);
    // highest upper edge: the last point, 04:30 next day, is 14 h from 14:30 → 240 + 30 = 270 → ×1.05 → 300
    expect(v.yMaxGPerKWh).toBe(300);
  });

  it('finds the cleanest window as long as the longest run (2 h) around the minimum', () => {
    const shape = shapeSchedule([intensityFrame(), runsFrame(TWO_RUNS)], opts, NOW_MS);
    if (!shape.ok) throw new Error('expected a view');
    expect(shape.view.best).toEqual({
      startMs: Date.parse('2026-12-03T13:30:00Z'),
      endMs: Date.parse('2026-12-03T15:30:00Z'),
      meanIntensityGPerKWh: 105,
    });
  });

  it('filters appliances and drops runs that ended before now or start after the horizon', () => {
    const runs = [
      ...TWO_RUNS,
      { requestId: 'old', appliance: 'dishwasher', startAt: '2026-12-03T03:00:00Z', endAt: '2026-12-03T05:00:00Z' },
      { requestId: 'late', appliance: 'dishwasher', startAt: '2026-12-04T07:00:00Z', endAt: '2026-12-04T08:00:00Z' },
    ];
    const shape = shapeSchedule([intensityFrame(), runsFrame(runs)], { ...opts, appliances: ['dishwasher'] }, NOW_MS);
    if (!shape.ok) throw new Error('expected a view');
    expect(shape.view.runs.map((r) => r.requestId)).toEqual(['dw-1']);
    expect(shape.view.lanes).toEqual(['dishwasher']);
  });

  it('has no band when the forecast has none', () => {
    const shape = shapeSchedule([intensityFrame(24, false)], opts, NOW_MS);
    if (!shape.ok) throw new Error('expected a view');
    expect(shape.view.hasBand).toBe(false);
    expect(shape.view.best?.endMs).toBe((shape.view.best?.startMs ?? 0) + 2 * H); // 2 h without runs
  });
});

describe('readIntensity', () => {
  it('reads ISO strings as times, skips rows without a number and sorts', () => {
    const frame = createDataFrame({
      name: 'intensity_forecast',
      fields: [
        { name: 'time', type: FieldType.time, values: ['2026-12-03T07:00:00Z', '2026-12-03T06:00:00Z', 'x'] },
        { name: 'intensity', type: FieldType.number, values: [120, null, 5] },
      ],
    });
    expect(readIntensity([frame])).toEqual([
      { timeMs: Date.parse('2026-12-03T07:00:00Z'), intensityGPerKWh: 120, lowerGPerKWh: null, upperGPerKWh: null },
    ]);
  });
});

describe('bestWindow', () => {
  const pts = [300, 200, 100, 100, 200].map((g, i) => ({
    timeMs: NOW_MS + i * (H / 2),
    intensityGPerKWh: g,
    lowerGPerKWh: null,
    upperGPerKWh: null,
  }));
  it('takes the earliest of equal windows and is null when the range is shorter than the window', () => {
    expect(bestWindow(pts, NOW_MS, NOW_MS + 3 * H, H / 2)).toEqual({
      startMs: NOW_MS + H,
      endMs: NOW_MS + 1.5 * H,
      meanIntensityGPerKWh: 100,
    });
    expect(bestWindow(pts, NOW_MS, NOW_MS + 3 * H, 4 * H)).toBeNull();
  });
});
