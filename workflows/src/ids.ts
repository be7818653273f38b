import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes registered by `scripts/stack up` (temporal_setup), all Keyword. */
export const HomeIdKey = defineSearchAttributeKey('HomeId', SearchAttributeType.KEYWORD);
export const ApplianceKey = defineSearchAttributeKey('Appliance', SearchAttributeType.KEYWORD);
export const ModelVersionKey = defineSearchAttributeKey('ModelVersion', SearchAttributeType.KEYWORD);
/** Who served the intensity forecast (`champion`, or the fallback) of a forecast workflow. */
export const ForecastServedByKey = defineSearchAttributeKey('ForecastServedBy', SearchAttributeType.KEYWORD);

/** Workflow ids an operator can type into the Temporal UI. */
export const workflowIds = {
  optimizeHome: (homeId: string): string => `optimize-home/${homeId}`,
  /** Prefix of ids started by schedules; Temporal appends the scheduled time. */
  ingest: (region: string): string => `ingest-carbon-intensity/${region}`,
  forecast: (region: string): string => `forecast/${region}`,
  retrain: (target: string): string => `retrain-models/${target}`,
  backfill: (region: string): string => `backfill-carbon-intensity/${region}`,
  scoreForecasts: (region: string): string => `score-forecasts/${region}`,
  verifySavings: (region: string): string => `verify-savings/${region}`,
};

export const scheduleIds = {
  ingest: (region: string): string => `ingest-carbon-intensity-every-30min/${region}`,
  forecast: (region: string): string => `forecast-hourly/${region}`,
  retrain: (target: string): string => `retrain-models-weekly/${target}`,
  scoreForecasts: (region: string): string => `score-forecasts-hourly/${region}`,
  verifySavings: (region: string): string => `verify-savings-hourly/${region}`,
};

/** Stable across retries and replans: one request gets at most one `start` and one `stop`. */
export function commandIdempotencyKey(homeId: string, requestId: string, action: string): string {
  return `${homeId}/${requestId}/${action}`;
}
