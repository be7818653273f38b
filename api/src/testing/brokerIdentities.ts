/**
 * Integration-test cleanup: deleting a home drops its device rows (ON DELETE CASCADE), not the broker clients the API
 * made for them (Mosquitto's dynamic-security state is the broker's). Call this before deleting test homes.
 */
import type { Client as PgClient } from 'pg';
import type { DeviceIdentities } from '../ports';

/** Removes the broker identities of the unrevoked devices of these homes (exact ids or LIKE patterns); returns how many. */
export async function removeBrokerIdentities(
  pg: Pick<PgClient, 'query'>,
  identities: DeviceIdentities,
  homes: { ids?: string[]; like?: string[] },
): Promise<number> {
  const { rows } = await pg.query<{ home_id: string; device_id: string }>(
    `SELECT home_id, device_id FROM app.devices
     WHERE (home_id = ANY($1) OR home_id LIKE ANY($2)) AND revoked_at IS NULL`,
    [homes.ids ?? [], homes.like ?? []],
  );
  for (const r of rows) await identities.remove({ homeId: r.home_id, deviceId: r.device_id });
  return rows.length;
}
