import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** The home broker's settings: the Mosquitto configuration a Raspberry Pi next to the gateway runs. */
export const HOME_BROKER_CONF = join(__dirname, 'mosquitto.local.conf');

/**
 * The home broker's configuration with another port and persistence directory (tests, the fault suite), and the
 * user Mosquitto keeps when started as root instead of dropping to `mosquitto`.
 */
export function homeBrokerConfig(port: number, dir: string, user = userInfo().username): string {
  const lines = readFileSync(HOME_BROKER_CONF, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(listener|persistence_location)\s/.test(l));
  return [`listener ${port} 127.0.0.1`, `persistence_location ${dir}/`, `user ${user}`, ...lines].join('\n') + '\n';
}

/** One numeric setting of mosquitto.local.conf. */
export function homeBrokerSetting(name: string): number {
  const m = new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(readFileSync(HOME_BROKER_CONF, 'utf8'));
  if (!m?.[1]) throw new Error(`${name} is not set in ${HOME_BROKER_CONF}`);
  return Number(m[1]);
}
