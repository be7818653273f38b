import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJson } from './testing/historyJson';
import { Worker } from '@temporalio/worker';
import { quietRuntime, workflowBundle } from './testing/temporalTestEnv';

jest.setTimeout(120_000);

/**
 * Replays recorded histories (src/__fixtures__/histories, from `npx tsx workflows/scripts/record-histories.ts`) against
 * today's workflow code: a change that would break running workflows fails here with a determinism error.
 */
const dir = join(__dirname, '__fixtures__', 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));

it('has recorded histories for every workflow', () => {
  expect(fixtures.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([
    'forecast',
    // Recorded before the notify-homes-by-activity patch: proves the patch keeps running workflows replayable.
    'forecast-before-notify-patch',
    'ingestCarbonIntensity',
    'optimizeHome',
    'retrainModels',
  ]);
});

it('replays every recorded history without a determinism error', async () => {
  quietRuntime();
  const histories = fixtures.map((f) => ({
    workflowId: f,
    history: historyFromJson(JSON.parse(readFileSync(join(dir, f), 'utf8'))),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(fixtures.length);
});
