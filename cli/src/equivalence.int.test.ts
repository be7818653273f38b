import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_REGISTRY_ROOT, ModelRegistry } from '@carbonreducer/models';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'cli/bin/carbonreducer.js');
const run = (file: string, ...args: string[]) => spawnSync(process.execPath, [file, ...args], { encoding: 'utf8' });

describe('carbonreducer and the old bin names (real stack)', () => {
  it('print byte-identical JSON for the same command (workflows homes list, PostgreSQL)', () => {
    const old = run(join(ROOT, 'workflows/bin/carbonreducer-workflows.js'), 'homes', 'list');
    const now = run(CLI, 'workflows', 'homes', 'list');
    if (old.status !== 0) {
      throw new Error(`carbonreducer-workflows homes list failed (run scripts/stack up): ${old.stderr}`);
    }
    expect(Array.isArray(JSON.parse(old.stdout))).toBe(true);
    expect(now.status).toBe(0);
    expect(now.stdout).toBe(old.stdout);
  });

  it('models registry list reads the real store (models/registry), the same under both names', async () => {
    const now = run(CLI, 'models', 'registry', 'list', '--json');
    const old = run(join(ROOT, 'models/bin/carbonreducer-models.js'), 'registry', 'list', '--json');
    expect([now.status, now.stderr]).toEqual([0, '']);
    expect(now.stdout).toBe(old.stdout);
    const rows = JSON.parse(now.stdout) as { target: 'intensity' | 'load'; version: string; champion: boolean }[];
    const registry = new ModelRegistry(DEFAULT_REGISTRY_ROOT);
    for (const target of ['intensity', 'load'] as const) {
      expect(rows.filter((r) => r.target === target).map((r) => r.version)).toEqual(await registry.versions(target));
      const champion = await registry.champion(target);
      expect(rows.filter((r) => r.champion && r.target === target).map((r) => r.version)).toEqual(
        champion ? [champion.version] : [],
      );
    }
  });

  it('stack status --json is one JSON object with the servers of the table, and the same exit code', () => {
    const table = spawnSync('bash', [join(ROOT, 'scripts/stack'), 'status'], { encoding: 'utf8' });
    const json = run(CLI, 'stack', 'status', '--json');
    expect(json.status).toBe(table.status);
    const status = JSON.parse(json.stdout) as { ok: boolean; servers: { name: string; state: string; url: string }[] };
    expect(status.ok).toBe(table.status === 0);
    const names = table.stdout.split('\n').flatMap((l) => /^(\w+)\s+(up|down|unhealthy)\s/.exec(l)?.slice(1, 3) ?? []);
    expect(status.servers.flatMap((s) => [s.name, s.state])).toEqual(names);
    if (!status.ok) throw new Error(`a server is not up (run scripts/stack up): ${json.stdout}`);
    expect(status.servers.map((s) => s.name)).toEqual(expect.arrayContaining(['postgres', 'influxdb', 'keycloak']));
  });
});
