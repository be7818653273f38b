/** Ridge regression for the development scripts in this folder (validate.ts, bound.ts). */
import type { Matrix } from '@carbonreducer/forecast';

/**
 * Ridge regression of y on the chosen columns (NaN → 0): coefficients with the intercept first; `lambda` × rows is
 * added to the diagonal of every coefficient but the intercept.
 */
export function ridge(x: Matrix, y: Float64Array, cols: number[], lambda = 1e-3): Float64Array {
  const p = cols.length + 1;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  const row = new Float64Array(p);
  for (let i = 0; i < x.rows; i++) {
    row[0] = 1;
    cols.forEach((c, j) => {
      const v = x.data[i * x.cols + c] as number;
      row[j + 1] = Number.isNaN(v) ? 0 : v;
    });
    for (let r = 0; r < p; r++) {
      b[r]! += row[r]! * y[i]!;
      for (let c = 0; c < p; c++) a[r * p + c]! += row[r]! * row[c]!;
    }
  }
  for (let r = 1; r < p; r++) a[r * p + r]! += lambda * x.rows;
  // Gaussian elimination
  const m = Array.from({ length: p }, (_, r) => [...a.subarray(r * p, r * p + p), b[r]!]);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= p; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return Float64Array.from(m.map((r, i) => r[p]! / r[i]!));
}

/** `coef` (intercept first, from `ridge`) applied to the same columns of every row. */
export function applyLinear(x: Matrix, coef: Float64Array, cols: number[]): Float64Array {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = coef[0]!;
    cols.forEach((c, j) => {
      const v = x.data[i * x.cols + c] as number;
      s += coef[j + 1]! * (Number.isNaN(v) ? 0 : v);
    });
    out[i] = s;
  }
  return out;
}
