import type { ApiPareto, ApiParetoPoint, ApiPins } from '@carbonreducer/grafana-shared';

/** One point of the trade-off chart, in chart coordinates (px) and in words. */
export interface ParetoChartPoint {
  index: number;
  x: number;
  y: number;
  costExpected: number;
  kgCO2Expected: number;
  co2PricePerKg: number;
  dominated: boolean;
  chosen: boolean;
  label: string;
}

export interface ParetoChart {
  width: number;
  height: number;
  /** The front (non-dominated points) left to right, as an SVG polyline. */
  frontPath: string;
  points: ParetoChartPoint[];
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  currency: string;
}

const PAD = { left: 56, right: 16, top: 16, bottom: 40 };

/**
 * Cost (x) against kg CO2 (y) of each point, scaled into `width`×`height`. The front joins the points no other point
 * beats; the point at the home's chosen CO2 price is marked. Pure: the page draws what this returns.
 */
export function paretoChart(pareto: ApiPareto, width = 640, height = 320): ParetoChart {
  const currency = pareto.tariff?.currency ?? '';
  const pts = pareto.points;
  const costs = pts.map((p) => p.costExpected);
  const kgs = pts.map((p) => p.kgCO2Expected);
  const span = (values: number[]) => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const pad = hi - lo > 1e-9 ? (hi - lo) * 0.1 : Math.max(Math.abs(hi) * 0.1, 0.01);
    return { lo: lo - pad, hi: hi + pad };
  };
  const cx = pts.length > 0 ? span(costs) : { lo: 0, hi: 1 };
  const cy = pts.length > 0 ? span(kgs) : { lo: 0, hi: 1 };
  const innerW = width - PAD.left - PAD.right;
  const innerH = height - PAD.top - PAD.bottom;
  const xOf = (cost: number) => PAD.left + ((cost - cx.lo) / (cx.hi - cx.lo)) * innerW;
  const yOf = (kg: number) => PAD.top + (1 - (kg - cy.lo) / (cy.hi - cy.lo)) * innerH;
  const points: ParetoChartPoint[] = pts.map((p, index) => ({
    index,
    x: round(xOf(p.costExpected)),
    y: round(yOf(p.kgCO2Expected)),
    costExpected: p.costExpected,
    kgCO2Expected: p.kgCO2Expected,
    co2PricePerKg: p.co2PricePerKg,
    dominated: p.dominated,
    chosen: p.co2PricePerKg === pareto.chosenCo2PricePerKg,
    label: pointLabel(p, currency),
  }));
  const front = points.filter((p) => !p.dominated).sort((a, b) => a.x - b.x || a.y - b.y);
  const ticks = (lo: number, hi: number) => [0, 0.5, 1].map((f) => lo + f * (hi - lo));
  return {
    width,
    height,
    frontPath: front.map((p) => `${p.x},${p.y}`).join(' '),
    points,
    xTicks: ticks(cx.lo, cx.hi).map((v) => ({ x: round(xOf(v)), label: `${v.toFixed(2)} ${currency}`.trim() })),
    yTicks: ticks(cy.lo, cy.hi).map((v) => ({ y: round(yOf(v)), label: `${v.toFixed(2)} kg` })),
    currency,
  };
}

/** "0.10/kg CO2: 0.45 GBP, 0.31 kg" and, when another point beats it, "(dominated)". */
export function pointLabel(p: ApiParetoPoint, currency: string): string {
  const money = `${p.costExpected.toFixed(2)} ${currency}`.trim();
  return `${p.co2PricePerKg}/kg CO2: ${money}, ${p.kgCO2Expected.toFixed(2)} kg${p.dominated ? ' (dominated)' : ''}`;
}

/** Within this of now a point's start is "now": the curve was solved moments ago, its first slot starts then. */
const STARTS_NOW_MS = 60_000;

/**
 * Applying a point, as one pin change (one re-plan): every run pinned to exactly where the point has it, except the
 * runs the point starts now. Those are started now instead: a pin of exactly their duration that began at the
 * curve's "now" has less than the duration left by the time it is applied, and would be refused as too short.
 */
export function applyPoint(
  point: ApiParetoPoint,
  idempotencyKey: string,
  nowMs: number
): { startNow: string[]; pins: ApiPins | null } {
  const startsNow = (r: ApiParetoPoint['runs'][number]) => Date.parse(r.startAt) <= nowMs + STARTS_NOW_MS;
  const pinned = point.runs.filter((r) => !startsNow(r));
  return {
    startNow: point.runs.filter(startsNow).map((r) => r.requestId),
    pins:
      pinned.length === 0
        ? null
        : { idempotencyKey, pins: pinned.map((r) => ({ requestId: r.requestId, from: r.startAt, to: r.endAt })) },
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
