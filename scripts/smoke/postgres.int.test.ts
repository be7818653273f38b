import { Client } from 'pg';
import { assertReachable } from '@carbonreducer/stack-env';
import { loadStackEnv } from '@carbonreducer/stack-env';

// Smoke test of the native PostgreSQL: the app role with password auth, its database and the provisioned schema.
const stack = loadStackEnv();
const host = '127.0.0.1';
const port = stack.port('POSTGRES_PORT');

function client(password: string): Client {
  return new Client({ host, port, user: 'carbonreducer', database: 'carbonreducer', password });
}

describe('PostgreSQL (scripts/stack up postgres)', () => {
  beforeAll(async () => {
    await assertReachable('PostgreSQL', host, port);
  });

  it('answers a query as the app role, with the provisioned schema', async () => {
    const db = client(stack.get('POSTGRES_PASSWORD'));
    await db.connect();
    try {
      const who = await db.query<{ user: string; database: string; version: string }>(
        'SELECT current_user AS user, current_database() AS database, current_setting($1) AS version',
        ['server_version_num'],
      );
      expect(who.rows[0]?.user).toBe('carbonreducer');
      expect(who.rows[0]?.database).toBe('carbonreducer');
      expect(Math.floor(Number(who.rows[0]?.version) / 10000)).toBe(Number(stack.get('POSTGRES_VERSION')));

      const runs = await db.query<{ count: string }>('SELECT count(*) FROM app.provisioning_runs');
      expect(Number(runs.rows[0]?.count)).toBeGreaterThanOrEqual(1);

      await db.query('BEGIN');
      await db.query('CREATE TEMP TABLE smoke (powerW integer NOT NULL)');
      await db.query('INSERT INTO smoke VALUES ($1), ($2)', [1200, 800]);
      const sum = await db.query<{ total: number }>('SELECT sum(powerW)::int AS total FROM smoke');
      expect(sum.rows[0]?.total).toBe(2000);
      await db.query('ROLLBACK');
    } finally {
      await db.end();
    }
  });

  it('refuses a wrong password', async () => {
    const db = client(`${stack.get('POSTGRES_PASSWORD')}-wrong`);
    await expect(db.connect()).rejects.toThrow(/password authentication failed for user "carbonreducer"/);
    await db.end().catch(() => undefined);
  });
});
