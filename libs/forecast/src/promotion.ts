/**
 * The champion/challenger rule, once: the model registry applies it when it promotes, and the retrain workflow
 * applies it (deterministically, in workflow code) to decide whether to ask for a promotion. Scores are the
 * registry's backtest score: mean over horizons of MAE / seasonal-naive MAE on the same points (lower is better).
 */
/** What a served model forecasts: a region's grid intensity or a home's load. */
export const MODEL_TARGETS = ['intensity', 'load'] as const;
export type ModelTarget = (typeof MODEL_TARGETS)[number];

export interface PromotionCandidate {
  challengerVersion: string;
  challengerScore: number;
  /** Null when there is no champion yet (or the challenger is the champion). */
  championVersion: string | null;
  championScore: number | null;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

/** Promote when there is no champion, or the challenger's score is lower than the champion's by `minImprovement` (share). */
export function decidePromotion(candidate: PromotionCandidate, minImprovement: number): PromotionDecision {
  const { challengerVersion, challengerScore, championScore } = candidate;
  if (!Number.isFinite(challengerScore)) {
    return { promote: false, reason: `challenger ${challengerVersion} has no finite backtest score` };
  }
  if (candidate.championVersion === null || championScore === null) {
    return { promote: true, reason: `no champion yet: ${challengerVersion} becomes champion` };
  }
  const threshold = championScore * (1 - minImprovement);
  const fmt = (n: number): string => n.toFixed(3);
  const compared = `challenger score ${fmt(challengerScore)}`;
  const bar = `champion score ${fmt(championScore)} × (1 − ${minImprovement})`;
  return challengerScore < threshold
    ? { promote: true, reason: `${compared} < ${bar}` }
    : { promote: false, reason: `${compared} not below ${bar}` };
}
