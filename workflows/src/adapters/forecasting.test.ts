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

  it('seeds each target once and never replaces a champion promoted at run time', async () => {
    const first = await seedModelRegistry(DEFAULT_REGISTRY_ROOT, root, silent);
    expect(first.map((r) => r.target)).toEqual(['intensity', 'load']);
    expect(first.every((r) => typeof r.seeded === 'string')).toBe(true);
    const championPath = join(root, 'load', 'champion.json');
    const promoted = { version: 'promoted-at-run-time', promotedAt: '2026-11-27T00:00:00Z', score: 0.5 };
    await writeFile(championPath, JSON.stringify(promoted));
    expect(await seedModelRegistry(DEFAULT_REGISTRY_ROOT, root, silent)).toEqual([
      { target: 'intensity', seeded: null },
      { target: 'load', seeded: null },
    ]);
    expect(JSON.parse(await readFile(championPath, 'utf8'))).toEqual(promoted);
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
