import { cp, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@carbonreducer/common';

const TARGETS = ['intensity', 'load'] as const;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Gives the running system's registry the shipped champion of every target that has none yet (its version folder and
 * champion.json), so the forecasts work on a fresh stack while retraining writes only to `runtimeRoot`. Targets that
 * already have a champion are left alone: a champion promoted at run time is never replaced by the shipped one.
 */
export async function seedModelRegistry(
  shippedRoot: string,
  runtimeRoot: string,
  logger: Logger,
): Promise<{ target: string; seeded: string | null }[]> {
  const results: { target: string; seeded: string | null }[] = [];
  for (const target of TARGETS) {
    const runtimeChampion = join(runtimeRoot, target, 'champion.json');
    const shippedChampion = join(shippedRoot, target, 'champion.json');
    if ((await exists(runtimeChampion)) || !(await exists(shippedChampion))) {
      results.push({ target, seeded: null });
      continue;
    }
    let version: string;
    try {
      version = (JSON.parse(await readFile(shippedChampion, 'utf8')) as { version: string }).version;
    } catch (err) {
      throw new Error(`reading the shipped ${target} champion ${shippedChampion} failed`, { cause: err });
    }
    await mkdir(join(runtimeRoot, target), { recursive: true });
    await cp(join(shippedRoot, target, version), join(runtimeRoot, target, version), {
      recursive: true,
      force: false,
      errorOnExist: false,
    });
    // champion.json last: a reader never sees a champion whose files are not there yet.
    await cp(shippedChampion, runtimeChampion);
    logger.info('model registry seeded with the shipped champion', { target, version, runtimeRoot });
    results.push({ target, seeded: version });
  }
  return results;
}
