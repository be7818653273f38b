import type { BacktestReport } from '../backtest';

const fmt = (v: number | null, d = 1): string => (v === null ? '—' : Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** A readable table of the backtest, with attribution of the data it was measured on. */
export function formatTable(r: BacktestReport): string {
  const unit = r.target === 'intensity' ? 'gCO2/kWh' : 'kWh';
  const head = ['horizon', 'MAE', 'RMSE', 'MAPE%', 'naive MAE', 'operator MAE', 'KNN MAE', 'cover80'];
  const rows = r.horizons.map((h) => [
    h.h,
    fmt(h.mae, 3),
    fmt(h.rmse, 3),
    fmt(h.mape, 1),
    fmt(h.seasonalNaiveMae, 3),
    fmt(h.operatorMae, 3),
    fmt(h.knnMae, 3),
    fmt(h.coverage80, 3),
  ]);
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  const source =
    r.target === 'intensity'
      ? 'Data: NESO Carbon Intensity API (CC BY 4.0) and/or Electricity Maps (attribution required).'
      : 'Data: REFIT / UK-DALE household power (CC BY 4.0), as prepared by the DeviceScope project.';
  return [
    `${r.target} backtest — model ${r.model}, ${r.points} forecast origins, errors in ${unit}, seasonal naive: ${r.seasonalPeriod}`,
    line(head),
    ...rows.map(line),
    ...Object.entries(r.modelsCompared).map(([name, m]) => `MAE ${name}: ${m.map((v) => fmt(v, 2)).join(' / ')}`),
    `ONNX vs TypeScript max |difference|: ${r.onnxParityMaxAbs.toExponential(2)}`,
    source,
  ].join('\n');
}
