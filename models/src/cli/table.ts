import Table from 'cli-table3';
import type { BacktestReport } from '../backtest';

const fmt = (v: number | null, d = 1): string => (v === null ? '—' : Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** A readable table of the backtest (cli-table3), with attribution of the data it was measured on. */
export function formatTable(r: BacktestReport): string {
  const unit = r.target === 'intensity' ? 'gCO2/kWh' : 'kWh';
  const table = new Table({
    head: ['horizon', `MAE (${unit})`, 'RMSE', 'MAPE %', 'naive MAE', 'operator MAE', 'KNN MAE', 'coverage80'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const h of r.horizons) {
    table.push([
      h.h,
      fmt(h.mae, 3),
      fmt(h.rmse, 3),
      fmt(h.mape, 1),
      fmt(h.seasonalNaiveMae, 3),
      fmt(h.operatorMae, 3),
      fmt(h.knnMae, 3),
      fmt(h.coverage80, 3),
    ]);
  }
  const source =
    r.target === 'intensity'
      ? 'Data: NESO Carbon Intensity API (CC BY 4.0) and/or Electricity Maps (attribution required).'
      : 'Data: REFIT / UK-DALE household power (CC BY 4.0), as prepared by the DeviceScope project.';
  return [
    `${r.target} backtest — model ${r.model}, ${r.points} forecast origins, errors in ${unit}, seasonal naive: ${r.seasonalPeriod}`,
    table.toString(),
    ...Object.entries(r.modelsCompared).map(([name, m]) => `MAE ${name}: ${m.map((v) => fmt(v, 2)).join(' / ')}`),
    `ONNX vs TypeScript max |difference|: ${r.onnxParityMaxAbs.toExponential(2)}`,
    source,
  ].join('\n');
}
