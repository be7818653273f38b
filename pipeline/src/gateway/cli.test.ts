import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_BROKER_MAX_INFLIGHT } from '../testing/localBroker';
import { HOME_BROKER_CONF, homeBrokerConfig } from './homeBroker';
import { GATEWAY_SETTINGS } from './config';

const run = promisify(execFile);
// The old bin name: the `carbonreducer gateway` command of cli/ (commander), which runs cli.ts's runGateway.
const cli = resolve(__dirname, '..', '..', 'bin', 'carbonreducer-gateway.js');
const gateway = (...args: string[]) =>
  run(process.execPath, [cli, ...args], {
    // No GATEWAY_HOME_ID: --help must not need any setting.
    env: { PATH: process.env.PATH ?? '' },
    timeout: 60_000,
  });

describe('carbonreducer-gateway CLI', () => {
  it('--help prints every setting and exits 0 without any configuration', async () => {
    const { stdout } = await gateway('--help');
    expect(stdout).toContain('Usage: carbonreducer-gateway [options]');
    for (const name of ['GATEWAY_HOME_ID', 'GATEWAY_RETRY_S', 'GATEWAY_STATUS_PORT', 'MQTT_URL']) {
      expect(stdout).toContain(name);
    }
    expect(stdout).toContain(GATEWAY_SETTINGS);
  });

  it('refuses an unknown argument with exit code 2, naming it', async () => {
    await expect(gateway('--homes', '3')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown option '--homes'"),
    });
  });
});

describe('the home broker configuration (mosquitto.local.conf)', () => {
  it('exists where localBroker.ts and the README say, with persistence and a bounded in-flight window', () => {
    expect(HOME_BROKER_CONF).toBe(join(__dirname, 'mosquitto.local.conf'));
    expect(existsSync(HOME_BROKER_CONF)).toBe(true);
    const text = readFileSync(HOME_BROKER_CONF, 'utf8');
    expect(text).toMatch(/^persistence true$/m);
    expect(LOCAL_BROKER_MAX_INFLIGHT).toBe(100);
  });

  it('is what tests start, with their own port and persistence directory', () => {
    const conf = homeBrokerConfig(18841, '/tmp/x', 'someone');
    expect(conf.match(/^listener .*$/gm)).toEqual(['listener 18841 127.0.0.1']);
    expect(conf.match(/^persistence_location .*$/gm)).toEqual(['persistence_location /tmp/x/']);
    expect(conf).toMatch(/^user someone$/m);
    expect(conf).toMatch(/^max_inflight_messages 100$/m);
  });
});
