import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('carbonreducer and the old bin names (real stack)', () => {
  it('print byte-identical JSON for the same command (workflows homes list, PostgreSQL)', () => {
    const old = spawnSync(process.execPath, [join(ROOT, 'workflows/bin/carbonreducer-workflows.js'), 'homes', 'list']);
    const now = spawnSync(process.execPath, [join(ROOT, 'cli/bin/carbonreducer.js'), 'workflows', 'homes', 'list']);
    if (old.status !== 0) {
      throw new Error(`carbonreducer-workflows homes list failed (run scripts/stack up): ${old.stderr.toString()}`);
    }
    expect(Array.isArray(JSON.parse(old.stdout.toString()))).toBe(true);
    expect(now.status).toBe(0);
    expect(now.stdout.toString()).toBe(old.stdout.toString());
  });
});
