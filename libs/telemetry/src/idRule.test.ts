import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ID_PATTERN, isValidId } from './topics';

const repo = join(__dirname, '..', '..', '..');

describe('the one id rule', () => {
  it('is the CHECK of app.homes', () => {
    const sql = readFileSync(join(repo, 'provisioning/postgres/init/02-homes.sql'), 'utf8');
    const checks = [...sql.matchAll(/CHECK \(home_id ~ '([^']+)'\)/g)].map((m) => m[1]);
    expect(checks).toEqual([ID_PATTERN]);
  });

  it('is the Go processor rule (1-64 of [a-z0-9_-], first a letter or digit)', () => {
    expect(ID_PATTERN).toBe('^[a-z0-9][a-z0-9_-]{0,63}$');
    expect(isValidId('a'.repeat(64))).toBe(true);
  });
});
