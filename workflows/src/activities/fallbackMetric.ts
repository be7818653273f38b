import type { MetricMeter } from '@temporalio/common';
import type { FallbackReason, ServedBy } from '../types';

/**
 * Forecasts served by a fallback instead of the champion (issue #13: "a metric counts fallbacks"), as a counter of
 * the Temporal SDK's metric meter: it goes out with the worker's own Temporal metrics (the Prometheus endpoint of
 * WORKER_METRICS_ADDRESS), tagged with the activity's namespace, task queue and type, plus `kind` (intensity | load),
 * `served_by` and `fallback_reason`. One count per forecast (a region's intensity forecast, one home's load forecast).
 */
export const FORECAST_FALLBACKS_METRIC = 'carbonreducer_forecast_fallbacks';

export function countForecastFallbacks(
  meter: MetricMeter,
  kind: 'intensity' | 'load',
  forecasts: readonly { servedBy: ServedBy; fallbackReason: FallbackReason }[],
): void {
  const counter = meter.createCounter(FORECAST_FALLBACKS_METRIC, 'forecasts', 'Forecasts served by a fallback');
  for (const f of forecasts) {
    if (f.servedBy === 'champion') continue;
    counter.add(1, { kind, served_by: f.servedBy, fallback_reason: f.fallbackReason });
  }
}
