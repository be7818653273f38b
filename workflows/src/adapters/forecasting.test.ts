import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonLogger } from '@carbonreducer/common';
import { DEFAULT_REGISTRY_ROOT } from '@carbonreducer/models';
import { championCache } from './forecasting';
import { seedModelRegistry } from './registrySeed';

const silent = createJsonLogger({ level: 'error' });

describe('seedModelRegistry + championCache (the shipped registry, copied to a temporary one)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'carbonreducer-runtime-registry-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('seeds each target, upgrades a champion that came from the repository, keeps one promoted at run time', async () => {
    const first = await seedModelRegistry(DEFAULT_REGISTRY_ROOT, root, silent);
    expect(first.map((r) => [r.target, r.action])).toEqual([
      ['intensity', 'seeded'],
      ['load', 'seeded'],
    ]);
    expect((await seedModelRegistry(DEFAULT_REGISTRY_ROOT, root, silent)).map((r) => r.action)).toEqual([
      'kept',
      'kept',
    ]);

    // The repository ships a new load champion: the seeded one is replaced.
    const shipped = await mkdtemp(join(tmpdir(), 'carbonreducer-shipped-registry-'));
    try {
      await cp(DEFAULT_REGISTRY_ROOT, shipped, { recursive: true });
      const loadVersion = first[1]!.version!;
      await cp(join(shipped, 'load', loadVersion), join(shipped, 'load', 'next-release'), { recursive: true });
      await writeFile(
        join(shipped, 'load', 'champion.json'),
        JSON.stringify({ version: 'next-release', promotedAt: 'x', score: 0.4 }),
      );
      expect((await seedModelRegistry(shipped, root, silent))[1]).toEqual({
        target: 'load',
        action: 'upgraded',
        version: 'next-release',
      });

      // Retraining promotes a champion at run time: a later release does not replace it.
      const championPath = join(root, 'load', 'champion.json');
      const promoted = { version: 'promoted-at-run-time', promotedAt: '2026-11-27T00:00:00Z', score: 0.3 };
      await writeFile(championPath, JSON.stringify(promoted));
      await writeFile(
        join(shipped, 'load', 'champion.json'),
        JSON.stringify({ version: loadVersion, promotedAt: 'y', score: 0.2 }),
      );
      expect((await seedModelRegistry(shipped, root, silent))[1]?.action).toBe('kept');
      expect(JSON.parse(await readFile(championPath, 'utf8'))).toEqual(promoted);
    } finally {
      await rm(shipped, { recursive: true, force: true });
    }
  });

  it('loads the champion once per version and picks up a promotion on the next call', async () => {
    await seedModelRegistry(DEFAULT_REGISTRY_ROOT, root, silent);
    const current = championCache('load', root);
    const a = await current();
    expect(await current()).toBe(a);

    // Promote a copy under another version: the next call loads it.
    const championPath = join(root, 'load', 'champion.json');
    const { version } = JSON.parse(await readFile(championPath, 'utf8')) as { version: string };
    await cp(join(root, 'load', version), join(root, 'load', `${version}-copy`), { recursive: true });
    const meta = JSON.parse(await readFile(join(root, 'load', `${version}-copy`, 'meta.json'), 'utf8')) as object;
    await writeFile(
      join(root, 'load', `${version}-copy`, 'meta.json'),
      JSON.stringify({ ...meta, version: `${version}-copy` }),
    );
    await writeFile(championPath, JSON.stringify({ version: `${version}-copy`, promotedAt: 'x', score: 0.1 }));
    const b = await current();
    expect(b).not.toBe(a);
    expect(b.meta.version).toBe(`${version}-copy`);
  });
});
