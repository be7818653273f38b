import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '@carbonreducer/telemetry';
import { repoRoot } from '@carbonreducer/stack-env';

const read = (path: string) => readFileSync(join(repoRoot, 'provisioning', path), 'utf8');

/** The one numeric setting `name` of a config file (`name = N` or `name N`); fails naming the file if absent. */
function setting(path: string, name: string): number {
  const match = new RegExp(`^\\s*${name}\\s*=?\\s*(\\d+)\\s*$`, 'm').exec(read(path));
  if (!match?.[1]) throw new Error(`${name} not set in provisioning/${path}`);
  return Number(match[1]);
}

// Settings of different servers that only work together; each file's comments say why.
describe('provisioning settings that depend on each other', () => {
  it('Mosquitto lets Telegraf hold as many unacknowledged messages as Telegraf may keep undelivered', () => {
    // Fewer in flight than Telegraf may hold would cap it below its own setting (QoS 1 is acknowledged after the write).
    expect(setting('mosquitto/mosquitto.conf', 'max_inflight_messages')).toBeGreaterThanOrEqual(
      setting('telegraf/telegraf.d/telemetry.conf', 'max_undelivered_messages'),
    );
  });

  it("Telegraf's buffer holds every point of every undelivered message, at the largest batch", () => {
    // A point pushed out of a full buffer is never written and its message never acknowledged.
    expect(setting('telegraf/telegraf.conf', 'metric_buffer_limit')).toBeGreaterThanOrEqual(
      setting('telegraf/telegraf.d/telemetry.conf', 'max_undelivered_messages') * LIMITS.maxBatchReadings,
    );
  });

  it('the broker counts every refused publish and subscription: no role refuses one with an ACL of its own', () => {
    // provisioning/mosquitto/denials is asked only when the dynamic-security plugin defers (no ACL matched, default
    // deny); an allow=false ACL for publishing or subscribing would be refused by that plugin itself, uncounted.
    const setup = read('mosquitto/dynsec-setup.sh');
    const acls = [...setup.matchAll(/\$\(acl (\w+) '([^']*)'(?: (allow|deny))?/g)].map((m) => [
      m[1],
      m[2],
      m[3] ?? 'allow',
    ]);
    expect(acls.length).toBeGreaterThan(5);
    expect(acls.filter(([type, , allow]) => allow === 'deny' && type !== 'publishClientReceive')).toEqual([]);
    const api = readFileSync(join(repoRoot, 'api', 'src', 'adapters', 'dynsec.ts'), 'utf8');
    expect(api).not.toMatch(/allow:\s*false/);
    // The plugin is loaded after the dynamic-security plugin (asked in that order).
    const conf = read('mosquitto/mosquitto.conf');
    const plugins = [...conf.matchAll(/^plugin (\S+)$/gm)].map((m) => m[1]);
    expect(plugins).toEqual(['mosquitto_dynamic_security.so', 'plugins/carbonreducer_denials.so']);
  });
});
