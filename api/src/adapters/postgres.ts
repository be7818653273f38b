import { Pool } from 'pg';
import {
  DependencyUnavailable,
  type DeviceRegistry,
  type DeviceRow,
  type Directory,
  type HomeRow,
  type MemberRow,
  type Preferences,
} from '../ports';

export const DEFAULT_PREFERENCES: Preferences = {
  co2PricePerKg: 0.1,
  comfort: { earliestHour: 0, latestHour: 24 },
  fuseA: null,
  alerts: { optIn: false, channel: 'mqtt' },
  leaderboardOptIn: false,
};

interface HomeDbRow {
  home_id: string;
  region: string;
  time_zone: string;
  import_limit_w: number | null;
  active: boolean;
}

const homeOf = (r: HomeDbRow): HomeRow => ({
  homeId: r.home_id,
  region: r.region,
  timeZone: r.time_zone,
  importLimitW: r.import_limit_w,
  active: r.active,
});

const HOME_COLUMNS = 'home_id, region, time_zone, import_limit_w, active';

// Socket-level failures of node and of pg itself (no SQLSTATE: the server never answered).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
const NETWORK_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error/,
];

/**
 * Whether a pg error means PostgreSQL is down, restarting or unreachable (so the request may succeed later: 503),
 * rather than a fault of the query (500). SQLSTATE class 08 is "connection exception"; 57P01–57P03 are the
 * server's shutdown and "cannot connect now" (starting up, recovering).
 */
export function isPostgresUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code) || NETWORK_CODES.has(code)))
    return true;
  const message = err instanceof Error ? err.message : '';
  return NETWORK_MESSAGES.some((m) => m.test(message));
}

export function createPool(url: string): Pool {
  // Few connections: one API process on a small machine; queries are short.
  const pool = new Pool({ connectionString: url, max: 8, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5000 });
  // Every adapter query goes through pool.query (promise form only), so PostgreSQL being away is turned into
  // DependencyUnavailable once, here: the API answers 503 dependency_unavailable instead of 500 internal.
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const guarded = (...args: unknown[]): Promise<unknown> =>
    query(...args).catch((err: unknown) => {
      if (!isPostgresUnavailable(err)) throw err;
      throw new DependencyUnavailable(`PostgreSQL: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    });
  (pool as unknown as { query: typeof guarded }).query = guarded;
  return pool;
}

/** app.homes, app.home_members, app.home_preferences (provisioning/postgres/init/02-homes.sql, 03-api.sql). */
export class PostgresDirectory implements Directory {
  constructor(private readonly pool: Pool) {}

  async listHomes(): Promise<HomeRow[]> {
    const { rows } = await this.pool.query<HomeDbRow>(`SELECT ${HOME_COLUMNS} FROM app.homes ORDER BY home_id`);
    return rows.map(homeOf);
  }

  async getHome(homeId: string): Promise<HomeRow | null> {
    const { rows } = await this.pool.query<HomeDbRow>(`SELECT ${HOME_COLUMNS} FROM app.homes WHERE home_id = $1`, [
      homeId,
    ]);
    return rows[0] ? homeOf(rows[0]) : null;
  }

  async registerHome(home: HomeRow): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO app.homes (home_id, region, time_zone, import_limit_w, active) VALUES ($1, $2, $3, $4, true)
       ON CONFLICT (home_id) DO NOTHING`,
      [home.homeId, home.region, home.timeZone, home.importLimitW],
    );
    return rowCount === 1;
  }

  async setActive(homeId: string, active: boolean): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE app.homes SET active = $2, updated_at = now() WHERE home_id = $1',
      [homeId, active],
    );
    return rowCount === 1;
  }

  async homesOf(subject: string): Promise<{ homeId: string; role: string }[]> {
    const { rows } = await this.pool.query<{ home_id: string; role: string }>(
      'SELECT home_id, role FROM app.home_members WHERE subject = $1 ORDER BY home_id',
      [subject],
    );
    return rows.map((r) => ({ homeId: r.home_id, role: r.role }));
  }

  async isMember(subject: string, homeId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM app.home_members WHERE subject = $1 AND home_id = $2', [
      subject,
      homeId,
    ]);
    return rowCount === 1;
  }

  async listMembers(homeId: string): Promise<MemberRow[]> {
    const { rows } = await this.pool.query<{ subject: string; role: 'owner' | 'resident'; added_at: Date }>(
      'SELECT subject, role, added_at FROM app.home_members WHERE home_id = $1 ORDER BY added_at, subject',
      [homeId],
    );
    return rows.map((r) => ({ subject: r.subject, role: r.role, addedAt: r.added_at }));
  }

  async putMember(homeId: string, subject: string, role: 'owner' | 'resident'): Promise<MemberRow> {
    const { rows } = await this.pool.query<{ subject: string; role: 'owner' | 'resident'; added_at: Date }>(
      `INSERT INTO app.home_members (home_id, subject, role) VALUES ($1, $2, $3)
       ON CONFLICT (home_id, subject) DO UPDATE SET role = EXCLUDED.role
       RETURNING subject, role, added_at`,
      [homeId, subject, role],
    );
    const row = rows[0] as { subject: string; role: 'owner' | 'resident'; added_at: Date };
    return { subject: row.subject, role: row.role, addedAt: row.added_at };
  }

  async deleteMember(homeId: string, subject: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM app.home_members WHERE home_id = $1 AND subject = $2', [
      homeId,
      subject,
    ]);
    return rowCount === 1;
  }

  async getPreferences(homeId: string): Promise<Preferences> {
    const { rows } = await this.pool.query<{
      co2_price_per_kg: number;
      comfort_earliest_hour: number;
      comfort_latest_hour: number;
      fuse_a: number | null;
      alerts_opt_in: boolean;
      alert_channel: 'mqtt' | 'sms';
      leaderboard_opt_in: boolean;
    }>('SELECT * FROM app.home_preferences WHERE home_id = $1', [homeId]);
    const r = rows[0];
    if (!r) return DEFAULT_PREFERENCES;
    return {
      co2PricePerKg: r.co2_price_per_kg,
      comfort: { earliestHour: r.comfort_earliest_hour, latestHour: r.comfort_latest_hour },
      fuseA: r.fuse_a,
      alerts: { optIn: r.alerts_opt_in, channel: r.alert_channel },
      leaderboardOptIn: r.leaderboard_opt_in,
    };
  }

  async putPreferences(homeId: string, p: Preferences): Promise<void> {
    await this.pool.query(
      `INSERT INTO app.home_preferences (home_id, co2_price_per_kg, comfort_earliest_hour, comfort_latest_hour, fuse_a,
         alerts_opt_in, alert_channel, leaderboard_opt_in)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (home_id) DO UPDATE SET co2_price_per_kg = EXCLUDED.co2_price_per_kg,
         comfort_earliest_hour = EXCLUDED.comfort_earliest_hour, comfort_latest_hour = EXCLUDED.comfort_latest_hour,
         fuse_a = EXCLUDED.fuse_a, alerts_opt_in = EXCLUDED.alerts_opt_in, alert_channel = EXCLUDED.alert_channel,
         leaderboard_opt_in = EXCLUDED.leaderboard_opt_in, updated_at = now()`,
      [
        homeId,
        p.co2PricePerKg,
        p.comfort.earliestHour,
        p.comfort.latestHour,
        p.fuseA,
        p.alerts.optIn,
        p.alerts.channel,
        p.leaderboardOptIn,
      ],
    );
  }

  async alertRecipients(): Promise<{ homeId: string; region: string; channel: 'mqtt' | 'sms' }[]> {
    const { rows } = await this.pool.query<{ home_id: string; region: string; alert_channel: 'mqtt' | 'sms' }>(
      `SELECT h.home_id, h.region, p.alert_channel FROM app.home_preferences p JOIN app.homes h USING (home_id)
       WHERE p.alerts_opt_in AND h.active ORDER BY h.home_id`,
    );
    return rows.map((r) => ({ homeId: r.home_id, region: r.region, channel: r.alert_channel }));
  }

  async leaderboardHomes(): Promise<string[]> {
    const { rows } = await this.pool.query<{ home_id: string }>(
      `SELECT home_id FROM app.home_preferences JOIN app.homes USING (home_id)
       WHERE leaderboard_opt_in AND active ORDER BY home_id`,
    );
    return rows.map((r) => r.home_id);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1 FROM app.home_members LIMIT 1');
  }
}

export class PostgresDeviceRegistry implements DeviceRegistry {
  constructor(private readonly pool: Pool) {}

  async register(d: {
    homeId: string;
    deviceId: string;
    kind: string;
    label: string | null;
    tokenId: string;
    tokenSha256: Buffer;
    mqttUsername: string | null;
  }): Promise<{ created: boolean; createdAt: Date }> {
    // A revoked row is re-used with new credentials; an active one is left alone (409).
    const { rows } = await this.pool.query<{ created_at: Date }>(
      `INSERT INTO app.devices (home_id, device_id, kind, label, token_id, token_sha256, mqtt_username)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (home_id, device_id) DO UPDATE SET kind = EXCLUDED.kind, label = EXCLUDED.label,
         token_id = EXCLUDED.token_id, token_sha256 = EXCLUDED.token_sha256, mqtt_username = EXCLUDED.mqtt_username,
         created_at = now(), revoked_at = NULL
       WHERE app.devices.revoked_at IS NOT NULL
       RETURNING created_at`,
      [d.homeId, d.deviceId, d.kind, d.label, d.tokenId, d.tokenSha256, d.mqttUsername],
    );
    return rows[0] ? { created: true, createdAt: rows[0].created_at } : { created: false, createdAt: new Date(0) };
  }

  async revoke(homeId: string, deviceId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE app.devices SET revoked_at = now() WHERE home_id = $1 AND device_id = $2 AND revoked_at IS NULL',
      [homeId, deviceId],
    );
    return rowCount === 1;
  }

  async byTokenId(tokenId: string): Promise<DeviceRow | null> {
    const { rows } = await this.pool.query<{
      home_id: string;
      device_id: string;
      kind: string;
      token_sha256: Buffer;
      revoked_at: Date | null;
    }>('SELECT home_id, device_id, kind, token_sha256, revoked_at FROM app.devices WHERE token_id = $1', [tokenId]);
    const r = rows[0];
    return r
      ? {
          homeId: r.home_id,
          deviceId: r.device_id,
          kind: r.kind,
          tokenSha256: r.token_sha256,
          revoked: r.revoked_at !== null,
        }
      : null;
  }
}
