import type { ApiPareto } from '@carbonreducer/grafana-shared';
import { applyPoint, paretoChart, pointLabel } from './pareto';

const point = (price: number, cost: number, kg: number, dominated = false) => ({
  co2PricePerKg: price,
  costExpected: cost,
  kgCO2Expected: kg,
  dominated,
  runs: [
    {
      requestId: 'dw',
      deviceId: 'dishwasher',
      appliance: 'dishwasher',
      startAt: '2026-12-04T01:00:00.000Z',
      endAt: '2026-12-04T03:00:00.000Z',
    },
  ],
});
const pareto = (points: ApiPareto['points'], chosen = 0.1): ApiPareto => ({
  homeId: 'sim-001',
  computedAt: '2026-12-03T20:00:00.000Z',
  tariff: { name: 'two-rate', currency: 'GBP' },
  forecastIssuedAt: null,
  forecastModelVersion: null,
  chosenCo2PricePerKg: chosen,
  points,
});

describe('paretoChart', () => {
  it('puts cheaper points left and cleaner points lower, marks the chosen price and joins the front only', () => {
    const chart = paretoChart(
      pareto([point(0, 0.3, 0.5), point(0.1, 0.4, 0.3), point(2, 0.6, 0.12), point(5, 0.7, 0.2, true)]),
      400,
      200
    );
    const [cheap, chosen, clean, worse] = chart.points;
    expect(cheap!.x).toBeLessThan(chosen!.x);
    expect(chosen!.x).toBeLessThan(clean!.x);
    // SVG y grows downwards: more CO2 is higher up.
    expect(cheap!.y).toBeLessThan(clean!.y);
    expect(chart.points.map((p) => p.chosen)).toEqual([false, true, false, false]);
    expect(chart.frontPath.split(' ')).toHaveLength(3);
    expect(chart.frontPath).not.toContain(`${worse!.x},${worse!.y}`);
    // Inside the drawing area (padding 56 left, 16 right, 16 top, 40 bottom).
    for (const p of chart.points) {
      expect(p.x).toBeGreaterThanOrEqual(56);
      expect(p.x).toBeLessThanOrEqual(384);
      expect(p.y).toBeGreaterThanOrEqual(16);
      expect(p.y).toBeLessThanOrEqual(160);
    }
    expect(chart.xTicks.map((t) => t.label)).toEqual(['0.26 GBP', '0.50 GBP', '0.74 GBP']);
  });

  it('draws a single point (or identical points) in the middle without dividing by zero', () => {
    const chart = paretoChart(pareto([point(0, 0.3, 0.5), point(1, 0.3, 0.5)]), 400, 200);
    expect(chart.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
    expect(chart.points[0]!.x).toBe(220);
  });
});

describe('pointLabel and applyPoint', () => {
  it('says price, cost and CO2, and which points are dominated', () => {
    expect(pointLabel(point(0.1, 0.4, 0.3), 'GBP')).toBe('0.1/kg CO2: 0.40 GBP, 0.30 kg');
    expect(pointLabel(point(5, 0.7, 0.2, true), 'GBP')).toBe('5/kg CO2: 0.70 GBP, 0.20 kg (dominated)');
  });

  it('pins every run of the point to its start and end', () => {
    expect(applyPoint(point(0, 0.3, 0.5), 'k1', Date.parse('2026-12-04T00:00:00.000Z'))).toEqual({
      startNow: [],
      pins: {
        idempotencyKey: 'k1',
        pins: [{ requestId: 'dw', from: '2026-12-04T01:00:00.000Z', to: '2026-12-04T03:00:00.000Z' }],
      },
    });
  });

  it('starts now the runs the point starts now (a pin of their duration from the curve’s now would be too short)', () => {
    const now = Date.parse('2026-12-04T01:00:30.000Z');
    expect(applyPoint(point(0, 0.3, 0.5), 'k1', now)).toEqual({ startNow: ['dw'], pins: null });
  });
});
