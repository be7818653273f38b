/**
 * The intensity champion's backtest MAE per horizon, the baseline of the "forecast accuracy degraded" rule. Grafana can
 * only compare what it can query, and the backtest lives in the model registry (models/registry, committed with the
 * champion), so the generator writes the committed champion's figures into the rule: promoting a new champion makes
 * the generated file stale until `npm run generate` (the up-to-date test says so).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Champion, ModelMetadata } from '@carbonreducer/models';
import type { BacktestMae } from './flux';

export interface ChampionBacktest {
  version: string;
  maeByHorizon: BacktestMae;
}

/** Reads `<registryRoot>/intensity/champion.json` and its version's meta.json. */
export function loadChampionBacktest(registryRoot: string): ChampionBacktest {
  const dir = join(registryRoot, 'intensity');
  let champion: Champion;
  let meta: ModelMetadata;
  try {
    champion = JSON.parse(readFileSync(join(dir, 'champion.json'), 'utf8')) as Champion;
    meta = JSON.parse(readFileSync(join(dir, champion.version, 'meta.json'), 'utf8')) as ModelMetadata;
  } catch (err) {
    throw new Error(`cannot read the intensity champion's backtest under ${dir}`, { cause: err });
  }
  const maeByHorizon: Record<string, number> = {};
  for (const h of meta.backtest.horizons) if (Number.isFinite(h.mae) && h.mae > 0) maeByHorizon[h.h] = h.mae;
  if (Object.keys(maeByHorizon).length === 0)
    throw new Error(`the intensity champion ${champion.version} has no finite backtest MAE`);
  return { version: champion.version, maeByHorizon };
}

/** The repository's model registry (models/registry), where the committed champion is. */
export const REGISTRY_DIR = join(__dirname, '..', '..', '..', '..', 'models', 'registry');
