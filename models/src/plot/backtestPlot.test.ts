import { HALF_HOUR_MS, HOUR_MS } from '@carbonreducer/common';
import { PNG } from 'pngjs';
import type { BacktestOutcome } from '../backtest';
import { backtestPlotData, plotBacktest } from './backtestPlot';

const T0 = Date.UTC(2023, 3, 1);

/** A small backtest outcome: a daily sine of intensity, forecasts 5 g off with a ±20 g band, two horizons. */
function outcome(): BacktestOutcome {
  const actual = (t: number): number => 150 + 60 * Math.sin((2 * Math.PI * (t - T0)) / (24 * HOUR_MS));
  const records = Array.from({ length: 10 * 48 }, (_, i) => {
    const targetEndMs = T0 + (i + 1) * HALF_HOUR_MS;
    const point = actual(targetEndMs) + 5;
    return {
      originMs: targetEndMs - 4 * HOUR_MS,
      targetEndMs,
      actual: actual(targetEndMs),
      forecasts: { gbm: { point, lower: point - 20, upper: point + 20 } },
    };
  });
  const h = (label: string, mae: number) => ({
    h: label,
    mae,
    rmse: mae * 1.3,
    mape: 3,
    seasonalNaiveMae: 37,
    operatorMae: 10.8,
    knnMae: null,
    coverage80: 0.8,
  });
  return {
    report: { target: 'intensity', points: records.length, horizons: [h('1h', 6.6), h('4h', 16.1)], model: 'gbm' },
    run: { horizons: [{ label: '4h', records }], origins: records.length },
    operator: null,
  } as unknown as BacktestOutcome;
}

describe('plotBacktest', () => {
  it('keeps the first 7 test days of the horizon and every model of the error panel', () => {
    const data = backtestPlotData(outcome());
    expect(data.band).toHaveLength(7 * 48);
    expect(new Set(data.series.map((s) => s.series))).toEqual(new Set(['actual', 'model (gbm)']));
    expect(data.mae.map((m) => `${m.horizon}/${m.model}`)).toEqual([
      '1h/model (gbm)',
      '1h/seasonal naive',
      '1h/operator',
      '4h/model (gbm)',
      '4h/seasonal naive',
      '4h/operator',
    ]);
  });

  it('draws a PNG with the series in their colours, and an SVG with units, legends and the attribution', async () => {
    const { png, svg } = await plotBacktest(outcome());
    const image = PNG.sync.read(png);
    expect(image.width).toBeGreaterThan(880);
    expect(image.height).toBeGreaterThan(450);
    let ink = 0;
    let blue = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const [r, g, b] = [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
      if (r < 200 || g < 200 || b < 200) ink++;
      if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0xb4) < 12) blue++;
    }
    expect(ink / (image.width * image.height)).toBeGreaterThan(0.01);
    expect(blue).toBeGreaterThan(500);
    for (const text of [
      'gCO2/kWh',
      'MAE (gCO2/kWh)',
      'seasonal naive',
      'model (gbm)',
      'NESO Carbon Intensity API',
      'target time (UTC)',
    ]) {
      expect(svg).toContain(text);
    }
  });
});
