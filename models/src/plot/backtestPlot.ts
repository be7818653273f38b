import { valueEndingAt } from '@carbonreducer/forecast';
import type { BacktestOutcome } from '../backtest';
import { Canvas, type Rgb } from './canvas';

const BLUE: Rgb = [31, 119, 180];
const GREY: Rgb = [150, 150, 150];
const ORANGE: Rgb = [230, 120, 20];
const GREEN: Rgb = [44, 160, 44];
const BLACK: Rgb = [0, 0, 0];

function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/**
 * Two panels: forecast vs actual with the 80 % interval over the first week of the test period (for one horizon),
 * and MAE by horizon for the model and its baselines.
 */
export function plotBacktest(outcome: BacktestOutcome, horizonLabel?: string, modelName = 'gbm'): Buffer {
  const W = 1000;
  const H = 640;
  const c = new Canvas(W, H);
  const { report, run } = outcome;
  const label = horizonLabel ?? (report.target === 'intensity' ? '4h' : 'day-ahead');
  const hz = run.horizons.find((h) => h.label === label) ?? run.horizons[0];
  const unit = report.target === 'intensity' ? 'GCO2/KWH' : 'KWH PER HOUR';
  c.text(20, 10, `${report.target.toUpperCase()} BACKTEST - ${report.model.toUpperCase()} - ${unit}`, BLACK, 2);

  // Panel 1: first 7 days of targets of the chosen horizon.
  const recs = (hz?.records ?? []).filter(
    (r) => Number.isFinite(r.actual) && r.forecasts[modelName] && Number.isFinite(r.forecasts[modelName].point),
  );
  const t0 = recs[0]?.targetEndMs ?? 0;
  const week = recs.filter((r) => r.targetEndMs < t0 + 7 * 86_400_000).sort((a, b) => a.targetEndMs - b.targetEndMs);
  const px = { x: 70, y: 50, w: W - 100, h: 290 };
  c.text(
    px.x,
    px.y - 14,
    `FORECAST ${label.toUpperCase()}${label.endsWith('ahead') ? '' : ' AHEAD'} VS ACTUAL, FIRST 7 TEST DAYS (BAND: 80% INTERVAL)`,
    BLACK,
  );
  if (week.length > 1) {
    const t1 = (week[week.length - 1] as (typeof week)[number]).targetEndMs;
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of week) {
      const f = r.forecasts[modelName] as { point: number; lower: number; upper: number };
      lo = Math.min(lo, r.actual, f.lower);
      hi = Math.max(hi, r.actual, f.upper);
    }
    const X = (t: number): number => px.x + ((t - t0) / Math.max(1, t1 - t0)) * px.w;
    const Y = (v: number): number => px.y + px.h - ((v - lo) / Math.max(1e-9, hi - lo)) * px.h;
    for (const v of niceTicks(lo, hi)) {
      c.line(px.x, Y(v), px.x + px.w, Y(v), [230, 230, 230]);
      c.text(5, Y(v) - 3, String(v), BLACK);
    }
    for (let d = 0; d <= 7; d++) {
      const t = Math.ceil(t0 / 86_400_000) * 86_400_000 + d * 86_400_000;
      if (t > t1) break;
      c.line(X(t), px.y, X(t), px.y + px.h, [230, 230, 230]);
      c.text(X(t) - 15, px.y + px.h + 6, new Date(t).toISOString().slice(5, 10), BLACK);
    }
    // Interval band, column by column.
    for (let i = 0; i + 1 < week.length; i++) {
      const a = week[i] as (typeof week)[number];
      const b = week[i + 1] as (typeof week)[number];
      const fa = a.forecasts[modelName] as { lower: number; upper: number };
      const fb = b.forecasts[modelName] as { lower: number; upper: number };
      for (let x = Math.round(X(a.targetEndMs)); x <= Math.round(X(b.targetEndMs)); x++) {
        const s = (x - X(a.targetEndMs)) / Math.max(1e-9, X(b.targetEndMs) - X(a.targetEndMs));
        c.vband(x, Y(fa.upper + (fb.upper - fa.upper) * s), Y(fa.lower + (fb.lower - fa.lower) * s), BLUE, 0.18);
      }
    }
    const series = (get: (r: (typeof week)[number]) => number, color: Rgb, width: number): void => {
      for (let i = 0; i + 1 < week.length; i++) {
        const a = week[i] as (typeof week)[number];
        const b = week[i + 1] as (typeof week)[number];
        const va = get(a);
        const vb = get(b);
        if (Number.isFinite(va) && Number.isFinite(vb))
          c.line(X(a.targetEndMs), Y(va), X(b.targetEndMs), Y(vb), color, width);
      }
    };
    const op = outcome.operator;
    if (op) series((r) => valueEndingAt(op, r.targetEndMs), ORANGE, 1);
    series((r) => r.actual, BLACK, 2);
    series((r) => (r.forecasts[modelName] as { point: number }).point, BLUE, 2);
  }
  c.line(px.x, px.y + px.h, px.x + px.w, px.y + px.h, BLACK);
  c.line(px.x, px.y, px.x, px.y + px.h, BLACK);
  let lx = px.x;
  lx = legend(c, lx, px.y + px.h + 22, BLACK, 'ACTUAL');
  lx = legend(c, lx, px.y + px.h + 22, BLUE, 'MODEL');
  if (outcome.operator) legend(c, lx, px.y + px.h + 22, ORANGE, 'OPERATOR FORECAST');

  // Panel 2: MAE by horizon.
  const pb = { x: 70, y: 420, w: W - 100, h: 170 };
  c.text(pb.x, pb.y - 16, 'MAE BY HORIZON', BLACK);
  const bars = report.horizons.map((h) => [
    { v: h.mae, col: BLUE },
    { v: h.seasonalNaiveMae, col: GREY },
    ...(h.operatorMae !== null ? [{ v: h.operatorMae, col: ORANGE }] : []),
    ...(h.knnMae !== null ? [{ v: h.knnMae, col: GREEN }] : []),
  ]);
  const maxV = Math.max(1e-9, ...bars.flat().map((b) => (Number.isFinite(b.v) ? b.v : 0)));
  const group = pb.w / Math.max(1, bars.length);
  for (const v of niceTicks(0, maxV, 4)) {
    const y = pb.y + pb.h - (v / maxV) * pb.h;
    c.line(pb.x, y, pb.x + pb.w, y, [230, 230, 230]);
    c.text(5, y - 3, String(v), BLACK);
  }
  bars.forEach((g, i) => {
    const bw = (group * 0.8) / g.length;
    g.forEach((b, j) => {
      if (!Number.isFinite(b.v)) return;
      const h = (b.v / maxV) * pb.h;
      c.fillRect(pb.x + i * group + group * 0.1 + j * bw, pb.y + pb.h - h, bw - 2, h, b.col);
    });
    c.text(pb.x + i * group + group * 0.3, pb.y + pb.h + 6, (report.horizons[i]?.h ?? '').toUpperCase(), BLACK);
  });
  c.line(pb.x, pb.y + pb.h, pb.x + pb.w, pb.y + pb.h, BLACK);
  lx = pb.x;
  lx = legend(c, lx, H - 24, BLUE, 'MODEL');
  lx = legend(c, lx, H - 24, GREY, 'SEASONAL NAIVE');
  if (report.target === 'intensity') lx = legend(c, lx, H - 24, ORANGE, 'OPERATOR');
  else lx = legend(c, lx, H - 24, GREEN, 'KNN');
  c.text(
    lx + 10,
    H - 24,
    report.target === 'intensity'
      ? 'DATA: NESO CARBON INTENSITY API (CC BY 4.0), ELECTRICITY MAPS'
      : 'DATA: REFIT / UK-DALE (CC BY 4.0) VIA DEVICESCOPE',
    GREY,
  );
  return c.toBuffer();
}

function legend(c: Canvas, x: number, y: number, col: Rgb, text: string): number {
  c.fillRect(x, y, 14, 7, col);
  return c.text(x + 20, y, text) + 20;
}
