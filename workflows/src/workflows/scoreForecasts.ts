import { HOUR_MS } from '@carbonreducer/common';
import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { AccuracyScore, ScoreForecastsInput } from '../types';
import { defaultActivity, FAILURE_TYPES } from './profiles';

const { scoreIntensityForecasts } = proxyActivities<ReturnType<typeof createActivities>>(defaultActivity);

/**
 * Hourly (schedule): the intensity forecasts issued 30 min … 48 h before each slot that has since ended, scored
 * against its actual: MAE and 80 % band coverage per horizon and served model over the last 24 h and 7 days, written
 * to `forecast_accuracy`.
 */
export async function scoreForecastsWorkflow(input: ScoreForecastsInput): Promise<AccuracyScore[]> {
  if (!input || typeof input.region !== 'string' || input.region.trim() === '') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: 'scoreForecastsWorkflow: region must be a non-empty string',
      nonRetryable: true,
    });
  }
  const now = input.now ?? new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();
  const scores = await scoreIntensityForecasts({ region: input.region, now });
  log.info('forecasts scored', { region: input.region, now, scores: scores.length });
  return scores;
}
