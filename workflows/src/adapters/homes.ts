import { isValidId, LIMITS } from '@carbonreducer/telemetry';
import { Pool, type PoolConfig } from 'pg';
import { BadInputError } from '../errors';
import type { HomeRecord, HomeRegistry } from '../ports';

interface HomeRow {
  home_id: string;
  region: string;
  time_zone: string;
  import_limit_w: number | null;
  active: boolean;
}

function toRecord(row: HomeRow): HomeRecord {
  return {
    homeId: row.home_id,
    region: row.region,
    timeZone: row.time_zone,
    importLimitW: row.import_limit_w,
    active: row.active,
  };
}

/** Problems of one home to register, in words naming the field; empty when it is fine. */
export function validateHome(home: Omit<HomeRecord, 'active'>): string[] {
  const problems: string[] = [];
  // The contract's id rule, also the table's CHECK: a bad id is refused with its name before any SQL runs.
  if (!isValidId(home.homeId)) {
    problems.push(
      `homeId ${JSON.stringify(home.homeId)}: expected 1–${LIMITS.maxIdLength} of [a-z0-9_-], starting with a letter or digit`,
    );
  }
  if (!/^[A-Z]{2,8}$/.test(home.region)) problems.push(`region ${JSON.stringify(home.region)}: expected e.g. GB`);
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: home.timeZone });
  } catch {
    problems.push(`timeZone ${JSON.stringify(home.timeZone)}: not an IANA time zone`);
  }
  if (home.importLimitW !== null && !(Number.isInteger(home.importLimitW) && home.importLimitW > 0)) {
    problems.push(`importLimitW ${home.importLimitW}: expected a positive integer (W) or null`);
  }
  return problems;
}

/** The homes table of provisioning/postgres/init/02-homes.sql. */
export class PostgresHomeRegistry implements HomeRegistry {
  private readonly pool: Pool;

  constructor(config: { connectionString: string } & PoolConfig) {
    this.pool = new Pool({ max: 4, ...config });
  }

  async listHomes(region: string): Promise<string[]> {
    const rows = await this.query<{ home_id: string }>(
      'list homes',
      'SELECT home_id FROM app.homes WHERE active AND region = $1 ORDER BY home_id',
      [region],
    );
    return rows.map((r) => r.home_id);
  }

  async register(homes: Omit<HomeRecord, 'active'>[]): Promise<{ created: number; updated: number }> {
    const problems = homes.flatMap((h, i) => validateHome(h).map((p) => `home ${i + 1}: ${p}`));
    if (problems.length > 0) throw new BadInputError(`cannot register homes: ${problems.join('; ')}`);
    if (homes.length === 0) return { created: 0, updated: 0 };
    // One statement, so a batch is registered entirely or not at all; `xmax = 0` marks rows that were inserted.
    const rows = await this.query<{ inserted: boolean }>(
      'register homes',
      `INSERT INTO app.homes (home_id, region, time_zone, import_limit_w, active)
       SELECT * , true FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
       ON CONFLICT (home_id) DO UPDATE SET region = EXCLUDED.region, time_zone = EXCLUDED.time_zone,
         import_limit_w = EXCLUDED.import_limit_w, active = true, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [
        homes.map((h) => h.homeId),
        homes.map((h) => h.region),
        homes.map((h) => h.timeZone),
        homes.map((h) => h.importLimitW),
      ],
    );
    const created = rows.filter((r) => r.inserted).length;
    return { created, updated: rows.length - created };
  }

  async deactivate(homeId: string): Promise<boolean> {
    const rows = await this.query<{ home_id: string }>(
      `deactivate home ${homeId}`,
      'UPDATE app.homes SET active = false, updated_at = now() WHERE home_id = $1 AND active RETURNING home_id',
      [homeId],
    );
    return rows.length > 0;
  }

  async get(homeId: string): Promise<HomeRecord | null> {
    const rows = await this.query<HomeRow>(
      `get home ${homeId}`,
      'SELECT home_id, region, time_zone, import_limit_w, active FROM app.homes WHERE home_id = $1',
      [homeId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(): Promise<HomeRecord[]> {
    const rows = await this.query<HomeRow>(
      'list registered homes',
      'SELECT home_id, region, time_zone, import_limit_w, active FROM app.homes ORDER BY home_id',
      [],
    );
    return rows.map(toRecord);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query<R extends object>(what: string, sql: string, params: unknown[]): Promise<R[]> {
    try {
      const result = await this.pool.query<R>(sql, params);
      return result.rows;
    } catch (err) {
      throw new Error(`${what} in PostgreSQL failed`, { cause: err });
    }
  }
}
