import type { KioskSize } from '../types';
import type { IntensityPoint, ScheduleView } from './viewModel';

/** Text and stroke sizes per kiosk size (px): `room` is readable from a few metres on a 1080p wall screen. */
export const KIOSK_SCALE: Record<KioskSize, { fontPx: number; strokePx: number; laneHeightPx: number }> = {
  desk: { fontPx: 12, strokePx: 2, laneHeightPx: 18 },
  wall: { fontPx: 20, strokePx: 3, laneHeightPx: 28 },
  room: { fontPx: 32, strokePx: 5, laneHeightPx: 44 },
};

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ScheduleLayout {
  plot: Rect;
  /** SVG path of the forecast line (step-after: each point holds until the next). */
  linePath: string;
  /** SVG path of the 80 % band (closed), empty without a band. */
  bandPath: string;
  nowX: number;
  best: Rect | null;
  runs: (Rect & { requestId: string; label: string })[];
  yTicks: { y: number; value: number }[];
  xTicks: { x: number; timeMs: number }[];
  fontPx: number;
  strokePx: number;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Pure geometry: the view model and the panel's size → coordinates of everything the SVG draws. */
export function layoutSchedule(view: ScheduleView, width: number, height: number, size: KioskSize): ScheduleLayout {
  const k = KIOSK_SCALE[size];
  const left = k.fontPx * 3.2;
  const bottom = k.fontPx * 1.8;
  const lanesH = Math.max(1, view.lanes.length) * (k.laneHeightPx + 4);
  const plot: Rect = { x: left, y: k.fontPx * 0.8, width: Math.max(10, width - left - 8), height: 0 };
  plot.height = Math.max(10, height - plot.y - bottom - lanesH);
  const x = (t: number) => plot.x + ((t - view.fromMs) / (view.toMs - view.fromMs)) * plot.width;
  const clampX = (t: number) => Math.min(plot.x + plot.width, Math.max(plot.x, x(t)));
  const y = (g: number) => plot.y + plot.height - (g / view.yMaxGPerKWh) * plot.height;

  const pts = view.intensity;
  /** Step-after vertices of one series: each point holds its value until the next point (or 30 min at the end). */
  const steps = (series: readonly IntensityPoint[], value: (p: IntensityPoint) => number): [number, number][] =>
    series.flatMap((p, i): [number, number][] => {
      const next = series[i + 1];
      const x1 = next ? clampX(next.timeMs) : clampX(Math.min(view.toMs, p.timeMs + 1_800_000));
      return [
        [r1(clampX(p.timeMs)), r1(y(value(p)))],
        [r1(x1), r1(y(value(p)))],
      ];
    });
  const toPath = (v: [number, number][]) => v.map(([vx, vy], i) => `${i === 0 ? 'M' : 'L'}${vx},${vy}`).join('');
  const linePath = toPath(steps(pts, (p) => p.intensityGPerKWh));
  const banded = pts.filter((p) => p.lowerGPerKWh !== null && p.upperGPerKWh !== null);
  const bandPath = view.hasBand
    ? `${toPath([
        ...steps(banded, (p) => p.upperGPerKWh as number),
        ...steps(banded, (p) => p.lowerGPerKWh as number).reverse(),
      ])}Z`
    : '';

  const laneTop = plot.y + plot.height + 4;
  const runs = view.runs.map((r) => ({
    requestId: r.requestId,
    label: r.appliance,
    x: r1(clampX(r.startMs)),
    width: r1(Math.max(2, clampX(r.endMs) - clampX(r.startMs))),
    y: r1(laneTop + r.lane * (k.laneHeightPx + 4)),
    height: k.laneHeightPx,
  }));

  const best = view.best
    ? {
        x: r1(clampX(view.best.startMs)),
        y: plot.y,
        width: r1(clampX(view.best.endMs) - clampX(view.best.startMs)),
        height: r1(plot.height + lanesH),
      }
    : null;

  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ value: f * view.yMaxGPerKWh, y: r1(y(f * view.yMaxGPerKWh)) }));
  const spanH = (view.toMs - view.fromMs) / 3_600_000;
  const stepH = spanH <= 12 ? 2 : spanH <= 24 ? 4 : spanH <= 48 ? 6 : 12;
  const firstTick = Math.ceil(view.fromMs / (stepH * 3_600_000)) * stepH * 3_600_000;
  const xTicks: { x: number; timeMs: number }[] = [];
  for (let t = firstTick; t <= view.toMs; t += stepH * 3_600_000) xTicks.push({ x: r1(x(t)), timeMs: t });

  return {
    plot,
    linePath,
    bandPath,
    nowX: r1(clampX(view.nowMs)),
    best,
    runs,
    yTicks,
    xTicks,
    fontPx: k.fontPx,
    strokePx: k.strokePx,
  };
}
