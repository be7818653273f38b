import type { BacktestResult, PromotionDecision } from '../types';

/** Champion/challenger rule: promote when there is no champion, or the challenger's backtest MAE is lower by `minImprovement` (share). */
export function decidePromotion(backtest: BacktestResult, minImprovement: number): PromotionDecision {
  if (!Number.isFinite(backtest.challengerMae)) {
    return { promote: false, reason: `challenger ${backtest.challengerVersion} has no finite backtest error` };
  }
  if (backtest.championVersion === null || backtest.championMae === null) {
    return { promote: true, reason: `no champion yet: ${backtest.challengerVersion} becomes champion` };
  }
  const threshold = backtest.championMae * (1 - minImprovement);
  const fmt = (n: number): string => n.toFixed(3);
  if (backtest.challengerMae < threshold) {
    return {
      promote: true,
      reason: `challenger MAE ${fmt(backtest.challengerMae)} < champion MAE ${fmt(backtest.championMae)} × (1 − ${minImprovement})`,
    };
  }
  return {
    promote: false,
    reason: `challenger MAE ${fmt(backtest.challengerMae)} not below champion MAE ${fmt(backtest.championMae)} × (1 − ${minImprovement})`,
  };
}
