import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@carbonreducer/common';

const TARGETS = ['intensity', 'load'] as const;

export type SeedAction = 'seeded' | 'upgraded' | 'kept';

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readVersion(path: string): Promise<string | null> {
  if (!(await exists(path))) return null;
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { version: string }).version;
  } catch (err) {
    throw new Error(`reading ${path} failed`, { cause: err });
  }
}

/**
 * Keeps the running system's registry (`runtimeRoot`) in step with the champions shipped in the repository
 * (`shippedRoot`), without ever touching the repository: a target with no champion gets the shipped one; a champion
 * that itself came from the repository is replaced when the repository ships a new one (a release whose features
 * changed must not keep serving a model its code cannot feed); a champion promoted by retraining at run time is
 * kept. `seeded.json` remembers which shipped version was copied last.
 */
export async function seedModelRegistry(
  shippedRoot: string,
  runtimeRoot: string,
  logger: Logger,
): Promise<{ target: string; action: SeedAction; version: string | null }[]> {
  const results: { target: string; action: SeedAction; version: string | null }[] = [];
  for (const target of TARGETS) {
    const shipped = await readVersion(join(shippedRoot, target, 'champion.json'));
    const runtime = await readVersion(join(runtimeRoot, target, 'champion.json'));
    const lastSeeded = await readVersion(join(runtimeRoot, target, 'seeded.json'));
    const runtimeFromRepo =
      runtime !== null &&
      (runtime === lastSeeded || (lastSeeded === null && (await exists(join(shippedRoot, target, runtime)))));
    if (shipped === null || runtime === shipped || (runtime !== null && !runtimeFromRepo)) {
      results.push({ target, action: 'kept', version: runtime });
      continue;
    }
    await mkdir(join(runtimeRoot, target), { recursive: true });
    await cp(join(shippedRoot, target, shipped), join(runtimeRoot, target, shipped), {
      recursive: true,
      force: false,
      errorOnExist: false,
    });
    // champion.json last: a reader never sees a champion whose files are not there yet.
    await cp(join(shippedRoot, target, 'champion.json'), join(runtimeRoot, target, 'champion.json'));
    await writeFile(join(runtimeRoot, target, 'seeded.json'), `${JSON.stringify({ version: shipped })}\n`);
    const action: SeedAction = runtime === null ? 'seeded' : 'upgraded';
    logger.info('model registry champion from the repository', { target, action, version: shipped, replaced: runtime });
    results.push({ target, action, version: shipped });
  }
  return results;
}
