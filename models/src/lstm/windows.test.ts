import { fillShortGaps, horizonsForStep, timeFeaturesAt, toRegularGrid, windowFromHistory } from './windows';
import { quantile } from './params';
import { tfjsBiasToOnnx, tfjsKernelToOnnx } from './onnx-export';

describe('LSTM windowing', () => {
  it('maps the requested horizons to steps, saying which the step length cannot express', () => {
    expect(horizonsForStep(30)).toEqual({
      horizonsSteps: [1, 2, 4, 8, 16, 24, 48, 96],
      horizonsMin: [30, 60, 120, 240, 480, 720, 1440, 2880],
      unavailableMin: [],
    });
    expect(horizonsForStep(60)).toEqual({
      horizonsSteps: [1, 2, 4, 8, 12, 24, 48],
      horizonsMin: [60, 120, 240, 480, 720, 1440, 2880],
      unavailableMin: [30],
    });
    expect(() => horizonsForStep(15)).toThrow(/stepMin must be 30 or 60/);
  });

  it('puts slots on a regular grid with NaN for missing ones and rejects off-grid or unsorted times', () => {
    const t0 = Date.UTC(2023, 0, 1);
    const grid = toRegularGrid({ timeMs: [t0, t0 + 1_800_000, t0 + 3 * 1_800_000], valueGPerKWh: [1, NaN, 4] }, 30);
    expect(Array.from(grid.values)).toEqual([1, NaN, NaN, 4]);
    expect(() => toRegularGrid({ timeMs: [t0, t0 + 60_000], valueGPerKWh: [1, 2] }, 30)).toThrow(
      /timeMs\[1\].*not on the 30-minute grid/,
    );
    expect(() => toRegularGrid({ timeMs: [t0, t0], valueGPerKWh: [1, 2] }, 30)).toThrow(/not after the previous slot/);
    expect(() => toRegularGrid({ timeMs: [t0], valueGPerKWh: [1, 2] }, 30)).toThrow(/has 1 entries/);
  });

  it('fills short gaps linearly inside and by holding the nearest value at the ends, and refuses long gaps', () => {
    expect(Array.from(fillShortGaps(Float64Array.from([NaN, 2, NaN, NaN, 8, NaN]), 2) ?? [])).toEqual([
      2, 2, 4, 6, 8, 8,
    ]);
    expect(fillShortGaps(Float64Array.from([1, NaN, NaN, NaN, 5]), 2)).toBeNull();
    expect(fillShortGaps(Float64Array.from([NaN, NaN]), 4)).toBeNull();
  });

  it('builds time features from the slot starts before the origin', () => {
    const origin = Date.UTC(2023, 0, 2, 6, 0); // the window's last slot starts 05:30
    const w = windowFromHistory([10, 20, 30], origin, { windowSteps: 2, stepMin: 30, maxGapSteps: 0 });
    if (typeof w === 'string') throw new Error(w);
    expect(Array.from(w.windowGPerKWh)).toEqual([20, 30]);
    const expected = new Float32Array(4);
    timeFeaturesAt(Date.UTC(2023, 0, 2, 5, 30), expected, 0);
    expect(Array.from(w.timeFeatures.subarray(4, 8))).toEqual(Array.from(expected));
    expect(expected[0]).toBeCloseTo(Math.sin((2 * Math.PI * 5.5) / 24), 6);
  });

  it('interpolates quantiles', () => {
    expect(quantile([4, 1, 3, 2, 5], 0.1)).toBeCloseTo(1.4, 12);
    expect(quantile([4, 1, 3, 2, 5], 0.9)).toBeCloseTo(4.6, 12);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('reorders tfjs gate blocks i,f,c,o into ONNX i,o,f,c and puts the bias into Wb', () => {
    // one input row, one unit: kernel [1, 4] = i f c o
    expect(Array.from(tfjsKernelToOnnx(Float32Array.from([1, 2, 3, 4]), 1, 1))).toEqual([1, 4, 2, 3]);
    expect(Array.from(tfjsBiasToOnnx(Float32Array.from([1, 2, 3, 4]), 1))).toEqual([1, 4, 2, 3, 0, 0, 0, 0]);
    // two rows, two units: ONNX row (gate, unit) holds the tfjs column for that gate and unit
    const kernel = Float32Array.from({ length: 16 }, (_, i) => i); // [2 rows, 8 cols]
    const onnx = tfjsKernelToOnnx(kernel, 2, 2);
    // ONNX gate 1 (o) unit 0 ← tfjs column 3·2+0 = 6: rows 0 and 1 hold kernel[6], kernel[14]
    expect([onnx[(1 * 2 + 0) * 2], onnx[(1 * 2 + 0) * 2 + 1]]).toEqual([6, 14]);
  });
});
