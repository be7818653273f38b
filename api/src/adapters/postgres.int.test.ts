import { assertReachable, loadStackEnv, withStackDefaults } from '@carbonreducer/stack-env';
import type { Pool } from 'pg';
import { loadConfig } from '../config';
import { toProblem } from '../http/mount';
import { DependencyUnavailable } from '../ports';
import { createPool, PostgresDirectory } from './postgres';

// PostgreSQL away is a 503 the client may retry; a broken query stays a 500. Both against real PostgreSQL
// (and a port where none listens), since what pg throws in each case is what is being classified.
const stack = loadStackEnv();
const config = loadConfig(withStackDefaults(process.env));
const pools: Pool[] = [];
const pool = (url: string): Pool => {
  const p = createPool(url);
  p.on('error', () => undefined);
  pools.push(p);
  return p;
};

beforeAll(async () => {
  await assertReachable('PostgreSQL', '127.0.0.1', stack.port('POSTGRES_PORT'));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

describe('PostgreSQL adapter errors', () => {
  it('answers 503 dependency_unavailable when PostgreSQL does not listen', async () => {
    const url = new URL(config.postgresUrl);
    url.port = '1';
    const err: unknown = await new PostgresDirectory(pool(url.toString())).ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect((err as Error).message).toMatch(/^PostgreSQL: .*ECONNREFUSED/);
    expect(toProblem(err).status).toBe(503);
  });

  it('keeps a faulty query a 500, with the server reachable', async () => {
    const err: unknown = await pool(config.postgresUrl)
      .query('SELECT no_such_column FROM app.homes')
      .catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(DependencyUnavailable);
    expect((err as { code?: string }).code).toBe('42703');
    expect(toProblem(err).status).toBe(500);
  });

  it('answers 503 while PostgreSQL shuts a session down (SQLSTATE 57P01)', async () => {
    const victim = pool(config.postgresUrl);
    const killer = pool(config.postgresUrl);
    const held = await victim.connect();
    const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    held.release();
    // The next query on the pool reuses that (idle) connection, which the server terminates meanwhile.
    const sleeping = victim.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await killer.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    const err = await sleeping;
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect(toProblem(err).status).toBe(503);
  });
});
