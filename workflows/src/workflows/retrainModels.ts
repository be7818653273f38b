import { ApplicationFailure, log, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { decidePromotion } from '@carbonreducer/forecast';
import { ModelVersionKey } from '../ids';
import type { BacktestResult, LegacyBacktestResult, RetrainInput, RetrainResult } from '../types';
import { computeActivity, defaultActivity, FAILURE_TYPES, longRunningActivity } from './profiles';

type Activities = ReturnType<typeof createActivities>;
const { searchHyperparameters, trainAndRegisterModel } = proxyActivities<Activities>(longRunningActivity);
const { backtestModels } = proxyActivities<Activities>(computeActivity);
const { promoteChampion } = proxyActivities<Activities>(defaultActivity);

/** Most configurations one search may try (each is a few fits of the model: seconds per hundred on two cores). */
const MAX_TRIALS = 2000;

/**
 * Weekly (schedule) or on demand: hyperparameter search (heartbeating, resumable), train the best as a challenger,
 * backtest it against the champion, promote it when it is better. Workers load the champion per call, so a promotion
 * takes effect without restarting them.
 */
export async function retrainModelsWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const trials = input.trials ?? 8;
  const minImprovement = input.minImprovement ?? 0.02;
  if (input.target !== 'intensity' && input.target !== 'load') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: `retrainModelsWorkflow: target must be 'intensity' or 'load', got ${String(input.target)}`,
      nonRetryable: true,
    });
  }
  if (!Number.isInteger(trials) || trials < 1 || trials > MAX_TRIALS || !(minImprovement >= 0 && minImprovement < 1)) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: `retrainModelsWorkflow: trials must be an integer in 1..${MAX_TRIALS} and minImprovement in [0, 1) (got ${trials}, ${minImprovement})`,
      nonRetryable: true,
    });
  }
  const search = await searchHyperparameters({ target: input.target, trials, seed: input.seed ?? 1 });
  const challenger = await trainAndRegisterModel({ target: input.target, params: search.best.params });
  upsertSearchAttributes([{ key: ModelVersionKey, value: challenger.modelVersion }]);
  const backtest = withScores(
    await backtestModels({ target: input.target, challengerVersion: challenger.modelVersion }),
  );
  const decision = decidePromotion(backtest, minImprovement);
  if (decision.promote) {
    await promoteChampion({ target: input.target, modelVersion: challenger.modelVersion });
  }
  const result: RetrainResult = {
    target: input.target,
    challengerVersion: challenger.modelVersion,
    championVersion: backtest.championVersion,
    backtest,
    decision,
    activeVersion: decision.promote ? challenger.modelVersion : backtest.championVersion,
  };
  log.info('retrain finished', {
    target: result.target,
    decision: decision.reason,
    activeVersion: result.activeVersion,
  });
  return result;
}

/** A backtest result in today's shape, also when it was recorded under the old field names. */
function withScores(result: BacktestResult | LegacyBacktestResult): BacktestResult {
  if ('challengerScore' in result) return result;
  const { challengerMae, championMae, ...rest } = result;
  return { ...rest, challengerScore: challengerMae, championScore: championMae };
}
