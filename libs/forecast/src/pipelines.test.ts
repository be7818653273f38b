import { trainDirectModel } from './direct';
import { intensityFeatures } from './features';
import { forecastAhead, nearestHorizon } from './pipelines';
import { mulberry32 } from './prng';
import type { RegularSeries } from './series';

describe('forecastAhead', () => {
  const step = 3_600_000;
  const r = mulberry32(5);
  const values = new Float64Array(30 * 24).map((_, i) => 200 + 40 * Math.sin((2 * Math.PI * i) / 24) + 5 * r());
  const series: RegularSeries = { startMs: Date.parse('2023-01-02T00:00:00Z'), stepMs: step, values };
  const model = trainDirectModel(series, intensityFeatures(step), { stepsAhead: [1, 4, 24], params: { numTrees: 30 } });

  it('picks the nearest trained horizon', () => {
    expect([1, 2, 3, 5, 13, 14, 30].map((k) => nearestHorizon([1, 4, 24], k))).toEqual([1, 1, 4, 4, 4, 24, 24]);
  });

  it('covers every slot of the next 48 h from `now`, with the point inside its band, ignoring later data', () => {
    const now = Date.parse('2023-01-25T10:20:00Z');
    const fc = forecastAhead(model, series, now);
    expect(fc).toHaveLength(48);
    expect(fc[0]?.fromMs).toBe(Date.parse('2023-01-25T10:00:00Z'));
    expect(fc[47]?.toMs).toBe(Date.parse('2023-01-27T10:00:00Z'));
    for (const p of fc) expect(p.lower <= p.point && p.point <= p.upper).toBe(true);
    const future = { ...series, values: series.values.slice() };
    for (let i = (Date.parse('2023-01-25T10:00:00Z') - series.startMs) / step; i < future.values.length; i++)
      future.values[i] = -1;
    expect(forecastAhead(model, future, now)).toEqual(fc);
  });
});
