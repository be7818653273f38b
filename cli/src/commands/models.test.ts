import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '@carbonreducer/stack-env';
import { sharedDataPath } from '@carbonreducer/datasets';
import { ModelRegistry } from '@carbonreducer/models';
import { EXIT } from '../exitCodes';
import { main } from '../main';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

// Real data: REFIT house 2 (CC BY 4.0, via DeviceScope).
const CLI = join(repoRoot, 'cli/bin/carbonreducer.js');
const house = (m: string): string => sharedDataPath(`households/refit-house2-${m}.csv.gz`);

describe('carbonreducer models train | search | registry (real REFIT data, a registry of the test)', () => {
  const registry = mkdtempSync(join(tmpdir(), 'cr-registry-'));
  let version = '';

  it('train registers the model and makes the first one champion', async () => {
    // In a process of its own: ONNX Runtime refuses typed arrays from Jest's sandbox.
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'models',
        'train',
        'load',
        '--train',
        house('2014-03'),
        '--test',
        house('2014-04'),
        '--test-range',
        '2014-04-01..2014-04-15',
        '--registry',
        registry,
        '--json',
      ],
      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } },
    );
    expect([r.status, r.status === EXIT.ok ? '' : r.stderr]).toEqual([EXIT.ok, '']);
    const out = JSON.parse(r.stdout) as { target: string; version: string; promoted: boolean; championScore: null };
    expect(out).toMatchObject({ target: 'load', promoted: true, championScore: null });
    version = out.version;
    expect(await new ModelRegistry(registry).versions('load')).toEqual([version]);
    expect(r.stderr).toContain(`registered load ${version}`);
  }, 180_000);

  it('registry list, show and promote read the same store', async () => {
    const list = await capture(() => main(['models', 'registry', 'list', '--registry', registry, '--json']));
    expect(list.code).toBe(EXIT.ok);
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ target: 'load', version, champion: true })]);
    const table = await capture(() => main(['models', 'registry', 'list', 'load', '--registry', registry]));
    expect(table.out).toMatch(
      new RegExp(`^load +${version} +gbm-direct +\\d\\.\\d{4} +2014-03-01 – 2014-04-01 +\\*$`, 'm'),
    );
    const show = await capture(() => main(['models', 'registry', 'show', 'load', '--registry', registry]));
    const meta = JSON.parse(show.out) as { version: string; champion: boolean; attribution: string };
    expect(meta).toMatchObject({ version, champion: true });
    expect(meta.attribution).toContain('REFIT');
    const again = await capture(() =>
      main(['models', 'registry', 'promote', 'load', version, '--registry', registry, '--json']),
    );
    // The champion has no rival but itself: it stays champion.
    expect(JSON.parse(again.out)).toMatchObject({ target: 'load', version, promoted: true });
    expect((await new ModelRegistry(registry).champion('load'))?.version).toBe(version);
    const missing = await capture(() =>
      main(['models', 'registry', 'promote', 'load', 'nope', '--registry', registry]),
    );
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.err).toContain(`no load model nope in ${registry}`);
    const none = await capture(() => main(['models', 'registry', 'show', 'intensity', '--registry', registry]));
    expect(none.err).toContain('no intensity champion');
  });

  it('search prints the best parameters and every trial as one JSON object', async () => {
    const r = await capture(() =>
      main(['models', 'search', 'load', '--train', house('2014-03'), '--seconds', '20', '--configs', '3', '--json']),
    );
    expect(r.code).toBe(EXIT.ok);
    const out = JSON.parse(r.out) as { target: string; stepsAhead: number[]; trials: unknown[]; bestScore: number };
    expect(out.target).toBe('load');
    expect(out.stepsAhead).toEqual([1, 12, 24]);
    expect(out.trials.length).toBeGreaterThanOrEqual(3);
    expect(out.bestScore).toBeGreaterThan(0);
  }, 120_000);
});
