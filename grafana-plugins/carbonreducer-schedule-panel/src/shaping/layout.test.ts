import { layoutSchedule, KIOSK_SCALE } from './layout';
import { shapeSchedule } from './viewModel';
import { intensityFrame, NOW_MS, runsFrame, TWO_RUNS } from './fixtures';

const H = 3_600_000;

function view(kiosk: 'desk' | 'room' = 'desk') {
  const shape = shapeSchedule(
    [intensityFrame(), runsFrame(TWO_RUNS)],
    { horizonHours: 24, appliances: [], kioskSize: kiosk },
    NOW_MS
  );
  if (!shape.ok) throw new Error('expected a view');
  return shape.view;
}

describe('layoutSchedule', () => {
  it('puts now at the left edge of the plot and runs where their times are', () => {
    const l = layoutSchedule(view(), 1000, 400, 'desk');
    expect(l.nowX).toBeCloseTo(l.plot.x, 1);
    const perMs = l.plot.width / (24 * H);
    const dw = l.runs.find((r) => r.requestId === 'dw-1');
    expect(dw?.x).toBeCloseTo(l.plot.x + 8 * H * perMs, 0);
    expect(dw?.width).toBeCloseTo(2 * H * perMs, 0);
    // lanes stack under the plot, one per appliance
    const wm = l.runs.find((r) => r.requestId === 'wm-1');
    expect(wm?.y).toBeGreaterThan(l.plot.y + l.plot.height);
    expect((dw?.y ?? 0) - (wm?.y ?? 0)).toBe(KIOSK_SCALE.desk.laneHeightPx + 4);
  });

  it('draws the line and a closed band inside the plot', () => {
    const l = layoutSchedule(view(), 1000, 400, 'desk');
    expect(l.linePath.startsWith('M')).toBe(true);
    expect(l.bandPath.endsWith('Z')).toBe(true);
    const xs = [...l.linePath.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(l.plot.x - 0.1);
    expect(Math.max(...xs)).toBeLessThanOrEqual(l.plot.x + l.plot.width + 0.1);
    expect(l.best?.width).toBeGreaterThan(0);
  });

  it('uses the larger sizes for a room kiosk and ticks every 4 h over 24 h', () => {
    const l = layoutSchedule(view('room'), 1920, 1080, 'room');
    expect(l.fontPx).toBe(KIOSK_SCALE.room.fontPx);
    expect(l.runs[0]?.height).toBe(KIOSK_SCALE.room.laneHeightPx);
    const steps = l.xTicks.slice(1).map((t, i) => t.timeMs - (l.xTicks[i]?.timeMs ?? 0));
    expect(new Set(steps)).toEqual(new Set([4 * H]));
  });
});
