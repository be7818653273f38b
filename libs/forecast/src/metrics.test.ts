import { coverage, mae, mape, quantile, rmse } from './metrics';

describe('metrics', () => {
  it('computes MAE, RMSE, MAPE and coverage by hand-checkable numbers', () => {
    const a = [100, 200, 300];
    const p = [110, 190, 330];
    expect(mae(a, p)).toBeCloseTo(50 / 3, 10);
    expect(rmse(a, p)).toBeCloseTo(Math.sqrt((100 + 100 + 900) / 3), 10);
    expect(mape(a, p)).toBeCloseTo((100 * (0.1 + 0.05 + 0.1)) / 3, 10);
    expect(coverage(a, [90, 201, 300], [100, 250, 310])).toBeCloseTo(2 / 3, 10);
  });
  it('leaves zero actuals out of MAPE and rejects mismatched lengths', () => {
    expect(mape([0, 10], [5, 11])).toBeCloseTo(10, 10);
    expect(() => mae([1, 2], [1])).toThrow(/differ in length/);
  });
  it('interpolates quantiles like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5, 1, 3], 0)).toBe(1);
    expect(quantile([5, 1, 3], 1)).toBe(5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1)).toBeCloseTo(1.9, 10);
  });
});
