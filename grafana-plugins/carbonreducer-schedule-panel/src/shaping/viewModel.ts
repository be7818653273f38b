import { FieldType, type DataFrame } from '@grafana/data';
import { FRAMES } from '@carbonreducer/grafana-shared';
import type { ScheduleOptions } from '../types';

const HOUR_MS = 3_600_000;

export interface IntensityPoint {
  timeMs: number;
  intensityGPerKWh: number;
  lowerGPerKWh: number | null;
  upperGPerKWh: number | null;
}

export interface RunBar {
  requestId: string;
  deviceId: string;
  appliance: string;
  startMs: number;
  endMs: number;
  powerW: number | null;
  avoidedKg: number | null;
  /** Lane index (one lane per appliance, in first-start order). */
  lane: number;
}

export interface BestWindow {
  startMs: number;
  endMs: number;
  meanIntensityGPerKWh: number;
}

export interface ScheduleView {
  fromMs: number;
  toMs: number;
  nowMs: number;
  intensity: IntensityPoint[];
  hasBand: boolean;
  runs: RunBar[];
  lanes: string[];
  best: BestWindow | null;
  /** Upper end of the intensity axis (g/kWh), a round number above every point and band edge. */
  yMaxGPerKWh: number;
}

export type ScheduleShape = { ok: true; view: ScheduleView } | { ok: false; reason: 'no-intensity' | 'no-data' };

function frameNamed(frames: readonly DataFrame[], name: string): DataFrame | undefined {
  return frames.find((f) => f.name === name || f.meta?.custom?.['kind'] === name);
}

function values(frame: DataFrame, name: string): unknown[] | undefined {
  const field = frame.fields.find((f) => f.name === name);
  if (!field) return undefined;
  const v = field.values as unknown;
  return Array.isArray(v) ? v : Array.from(v as ArrayLike<unknown>);
}

function toMs(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  if (v instanceof Date) return v.getTime();
  return null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Reads the intensity forecast frame (time, intensity, lower, upper) into points sorted by time. */
export function readIntensity(frames: readonly DataFrame[]): IntensityPoint[] {
  const spec = FRAMES.intensityForecast;
  const frame = frameNamed(frames, spec.name) ?? frames.find((f) => f.fields.some((x) => x.name === 'intensity'));
  if (!frame) return [];
  const times = values(frame, 'time') ?? frame.fields.find((f) => f.type === FieldType.time)?.values;
  const mid = values(frame, 'intensity');
  if (!times || !mid) return [];
  const lower = values(frame, 'lower');
  const upper = values(frame, 'upper');
  const out: IntensityPoint[] = [];
  for (let i = 0; i < frame.length; i++) {
    const timeMs = toMs(times[i]);
    const intensityGPerKWh = num(mid[i]);
    if (timeMs === null || intensityGPerKWh === null) continue;
    out.push({ timeMs, intensityGPerKWh, lowerGPerKWh: num(lower?.[i]), upperGPerKWh: num(upper?.[i]) });
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/** Reads the plan runs frame into bars (unlaned). */
export function readRuns(frames: readonly DataFrame[]): Omit<RunBar, 'lane'>[] {
  const frame = frameNamed(frames, FRAMES.planRuns.name);
  if (!frame) return [];
  const col = (n: string) => values(frame, n) ?? [];
  const [ids, devices, appliances, starts, ends, power, avoided] = [
    col('requestId'),
    col('deviceId'),
    col('appliance'),
    col('startAt'),
    col('endAt'),
    col('power'),
    col('avoided'),
  ];
  const out: Omit<RunBar, 'lane'>[] = [];
  for (let i = 0; i < frame.length; i++) {
    const startMs = toMs(starts[i]);
    const endMs = toMs(ends[i]);
    if (startMs === null || endMs === null || !(endMs > startMs)) continue;
    out.push({
      requestId: String(ids[i] ?? i),
      deviceId: String(devices[i] ?? ''),
      appliance: String(appliances[i] ?? ''),
      startMs,
      endMs,
      powerW: num(power[i]),
      avoidedKg: num(avoided[i]),
    });
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.requestId.localeCompare(b.requestId));
}

/**
 * The cleanest contiguous window of `lengthMs` within [fromMs, toMs]: the run of consecutive forecast points (each
 * holding its value until the next point) with the lowest mean intensity. Earliest wins a tie.
 */
export function bestWindow(points: readonly IntensityPoint[], fromMs: number, toMs: number, lengthMs: number) {
  const inRange = points.filter((p) => p.timeMs >= fromMs && p.timeMs < toMs);
  if (inRange.length === 0) return null;
  const stepMs =
    inRange.length > 1 ? (inRange[1] as IntensityPoint).timeMs - (inRange[0] as IntensityPoint).timeMs : HOUR_MS / 2;
  const n = Math.max(1, Math.round(lengthMs / stepMs));
  if (inRange.length < n) return null;
  let best: BestWindow | null = null;
  let sum = 0;
  for (let i = 0; i < inRange.length; i++) {
    sum += (inRange[i] as IntensityPoint).intensityGPerKWh;
    if (i >= n) sum -= (inRange[i - n] as IntensityPoint).intensityGPerKWh;
    if (i >= n - 1) {
      const mean = sum / n;
      if (best === null || mean < best.meanIntensityGPerKWh - 1e-9) {
        const start = (inRange[i - n + 1] as IntensityPoint).timeMs;
        best = { startMs: start, endMs: start + n * stepMs, meanIntensityGPerKWh: mean };
      }
    }
  }
  return best;
}

function niceCeil(v: number): number {
  if (!(v > 0)) return 100;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Frames → what the panel draws. `nowMs` is passed in (tests pin it). The window is [now, now + horizon]; runs that end
 * before now are left out, runs of appliances not in `options.appliances` (when it is not empty) too. The best window is
 * as long as the longest run shown (two hours when none is).
 */
export function shapeSchedule(frames: readonly DataFrame[], options: ScheduleOptions, nowMs: number): ScheduleShape {
  if (frames.length === 0 || frames.every((f) => f.length === 0)) return { ok: false, reason: 'no-data' };
  const fromMs = nowMs;
  const toMs = nowMs + Math.max(1, options.horizonHours) * HOUR_MS;
  const all = readIntensity(frames);
  // Keep the point that holds at `from` so the line starts at the left edge.
  const firstInside = all.findIndex((p) => p.timeMs >= fromMs);
  const startIdx = firstInside > 0 ? firstInside - 1 : firstInside === -1 ? all.length - 1 : 0;
  const intensity = all.slice(Math.max(0, startIdx)).filter((p) => p.timeMs <= toMs);
  if (intensity.length === 0) return { ok: false, reason: 'no-intensity' };
  const wanted = new Set(options.appliances);
  const runsRaw = readRuns(frames).filter(
    (r) => r.endMs > fromMs && r.startMs < toMs && (wanted.size === 0 || wanted.has(r.appliance))
  );
  const lanes: string[] = [];
  const runs: RunBar[] = runsRaw.map((r) => {
    let lane = lanes.indexOf(r.appliance);
    if (lane === -1) lane = lanes.push(r.appliance) - 1;
    return { ...r, lane };
  });
  const longestMs = runs.reduce((m, r) => Math.max(m, r.endMs - r.startMs), 0) || 2 * HOUR_MS;
  const top = intensity.reduce((m, p) => Math.max(m, p.intensityGPerKWh, p.upperGPerKWh ?? 0), 0);
  return {
    ok: true,
    view: {
      fromMs,
      toMs,
      nowMs,
      intensity,
      hasBand: intensity.some((p) => p.lowerGPerKWh !== null && p.upperGPerKWh !== null),
      runs,
      lanes,
      best: bestWindow(all, fromMs, toMs, longestMs),
      yMaxGPerKWh: niceCeil(top * 1.05),
    },
  };
}
