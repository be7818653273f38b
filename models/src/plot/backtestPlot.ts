import { DAY_MS } from '@carbonreducer/common';
import { valueEndingAt } from '@carbonreducer/forecast';
import type { TopLevelSpec } from 'vega-lite';
import type { BacktestOutcome } from '../backtest';
import { renderVegaLite } from './vega';

const COLORS = { actual: '#000000', model: '#1f77b4', operator: '#e6781e', naive: '#969696', knn: '#2ca02c' };

const ATTRIBUTION = {
  intensity: 'Data: NESO Carbon Intensity API (CC BY 4.0); Electricity Maps (attribution required).',
  load: 'Data: REFIT / UK-DALE household power (CC BY 4.0), as prepared by the DeviceScope project (Apache-2.0).',
} as const;

interface SeriesRow {
  time: string;
  series: string;
  value: number;
}

interface BandRow {
  time: string;
  lower: number;
  upper: number;
}

/** The rows of the two panels: the first 7 test days of one horizon, and MAE by horizon per model. */
export function backtestPlotData(
  outcome: BacktestOutcome,
  horizonLabel?: string,
  modelName = 'gbm',
): { label: string; series: SeriesRow[]; band: BandRow[]; mae: { horizon: string; model: string; mae: number }[] } {
  const { report, run } = outcome;
  const label = horizonLabel ?? (report.target === 'intensity' ? '4h' : 'day-ahead');
  const hz = run.horizons.find((h) => h.label === label) ?? run.horizons[0];
  const recs = (hz?.records ?? [])
    .filter((r) => Number.isFinite(r.actual) && Number.isFinite(r.forecasts[modelName]?.point))
    .sort((a, b) => a.targetEndMs - b.targetEndMs);
  const t0 = recs[0]?.targetEndMs ?? 0;
  const week = recs.filter((r) => r.targetEndMs < t0 + 7 * DAY_MS);
  const series: SeriesRow[] = [];
  const band: BandRow[] = [];
  const op = outcome.operator;
  for (const r of week) {
    const time = new Date(r.targetEndMs).toISOString();
    const f = r.forecasts[modelName] as { point: number; lower: number; upper: number };
    series.push(
      { time, series: 'actual', value: r.actual },
      { time, series: `model (${report.model})`, value: f.point },
    );
    if (op) {
      const v = valueEndingAt(op, r.targetEndMs);
      if (Number.isFinite(v)) series.push({ time, series: 'operator forecast', value: v });
    }
    band.push({ time, lower: f.lower, upper: f.upper });
  }
  const mae = report.horizons.flatMap((h) => [
    { horizon: h.h, model: `model (${report.model})`, mae: h.mae },
    { horizon: h.h, model: 'seasonal naive', mae: h.seasonalNaiveMae },
    ...(h.operatorMae !== null ? [{ horizon: h.h, model: 'operator', mae: h.operatorMae }] : []),
    ...(h.knnMae !== null ? [{ horizon: h.h, model: 'KNN', mae: h.knnMae }] : []),
  ]);
  return { label, series, band, mae: mae.filter((m) => Number.isFinite(m.mae)) };
}

/** The Vega-Lite spec of the backtest plot: forecast vs actual with the 80 % band, and error by horizon. */
export function backtestPlotSpec(outcome: BacktestOutcome, horizonLabel?: string, modelName = 'gbm'): TopLevelSpec {
  const { report } = outcome;
  const data = backtestPlotData(outcome, horizonLabel, modelName);
  const unit = report.target === 'intensity' ? 'gCO2/kWh' : 'kWh per hour';
  const ahead = data.label.endsWith('ahead') ? data.label : `${data.label} ahead`;
  const seriesNames = [...new Set(data.series.map((s) => s.series))];
  const seriesColors = seriesNames.map((s) =>
    s === 'actual' ? COLORS.actual : s.startsWith('model') ? COLORS.model : COLORS.operator,
  );
  const maeModels = [...new Set(data.mae.map((m) => m.model))];
  const maeColors = maeModels.map((m) =>
    m.startsWith('model') ? COLORS.model : m === 'operator' ? COLORS.operator : m === 'KNN' ? COLORS.knn : COLORS.naive,
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `${report.target === 'intensity' ? 'Carbon intensity' : 'Household load'} backtest — ${report.model}, ${report.points} origins`,
      subtitle: ATTRIBUTION[report.target],
    },
    vconcat: [
      {
        title: `Forecast ${ahead} vs actual, first 7 test days (band: 80 % interval)`,
        width: 880,
        height: 280,
        layer: [
          {
            data: { values: data.band },
            mark: { type: 'area', opacity: 0.18, color: COLORS.model },
            encoding: {
              x: { field: 'time', type: 'temporal', title: 'target time (UTC)' },
              y: { field: 'lower', type: 'quantitative', title: unit, scale: { zero: false } },
              y2: { field: 'upper' },
            },
          },
          {
            data: { values: data.series },
            mark: { type: 'line', strokeWidth: 1.6 },
            encoding: {
              x: { field: 'time', type: 'temporal' },
              y: { field: 'value', type: 'quantitative' },
              color: {
                field: 'series',
                type: 'nominal',
                title: null,
                scale: { domain: seriesNames, range: seriesColors },
              },
            },
          },
        ],
      },
      {
        title: 'Mean absolute error by horizon',
        width: 880,
        height: 170,
        data: { values: data.mae },
        mark: 'bar',
        encoding: {
          x: { field: 'horizon', type: 'nominal', sort: null, title: 'horizon', axis: { labelAngle: 0 } },
          xOffset: { field: 'model', type: 'nominal', sort: maeModels },
          y: { field: 'mae', type: 'quantitative', title: `MAE (${unit})` },
          color: { field: 'model', type: 'nominal', title: null, scale: { domain: maeModels, range: maeColors } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

/** The backtest plot as PNG (and SVG), drawn from the spec with a real type face, units and legends. */
export async function plotBacktest(
  outcome: BacktestOutcome,
  horizonLabel?: string,
  modelName = 'gbm',
): Promise<{ png: Buffer; svg: string }> {
  return renderVegaLite(backtestPlotSpec(outcome, horizonLabel, modelName));
}
