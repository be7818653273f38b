import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackEnv, parseEnvFile, withStackDefaults } from './index';

describe('parseEnvFile', () => {
  it('reads KEY=value pairs, skipping comments and blanks and removing quotes', () => {
    const text = '# generated\n\nA=1\nexport B="two words"\nC=\'x=y\'\nD=\n';
    expect(parseEnvFile(text)).toEqual({ A: '1', B: 'two words', C: 'x=y', D: '' });
  });

  it('names the file and line of a malformed entry', () => {
    expect(() => parseEnvFile('A=1\nnot a pair\n', 'secrets.env')).toThrow(
      "secrets.env:2: expected KEY=value, got 'not a pair'",
    );
  });
});

describe('loadStackEnv', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'stack-env-'));
  writeFileSync(join(stateDir, 'secrets.env'), 'INFLUXDB_APP_TOKEN=from-file\nEMPTY=\n');

  it('reads the secrets file and the committed ports, the environment winning', () => {
    const stack = loadStackEnv({ stateDir, env: { INFLUXDB_PORT: '18086' } });
    expect(stack.get('INFLUXDB_APP_TOKEN')).toBe('from-file');
    expect(stack.port('INFLUXDB_PORT')).toBe(18086);
    expect(loadStackEnv({ stateDir, env: {} }).port('INFLUXDB_PORT')).toBe(8086);
  });

  it('says how to get a missing value', () => {
    const stack = loadStackEnv({ stateDir, env: {} });
    expect(() => stack.get('EMPTY')).toThrow('EMPTY not found in the environment or');
    expect(() => stack.get('NOPE')).toThrow(/NOPE not found .*: run scripts\/stack up$/);
    expect(stack.find('NOPE')).toBeUndefined();
  });

  it('points at scripts/stack up when the secrets file does not exist', () => {
    const stack = loadStackEnv({ stateDir: join(stateDir, 'absent'), env: {} });
    expect(() => stack.get('INFLUXDB_APP_TOKEN')).toThrow(/secrets\.env \(missing\): run scripts\/stack up$/);
  });

  it('rejects a port that is not a number', () => {
    expect(() => loadStackEnv({ stateDir, env: { INFLUXDB_PORT: 'http' } }).port('INFLUXDB_PORT')).toThrow(
      'INFLUXDB_PORT=http is not a TCP port (1-65535)',
    );
  });
});

describe('withStackDefaults', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'stack-defaults-'));
  writeFileSync(join(stateDir, 'secrets.env'), 'MQTT_SERVICE_PASSWORD=secret\n');
  writeFileSync(join(stateDir, 'client.env'), 'INFLUX_URL=http://127.0.0.1:8086\nINFLUX_TOKEN=from-stack\n');

  it('fills what the environment lacks from the stack files, the environment winning', () => {
    const env = withStackDefaults({ INFLUX_TOKEN: 'explicit', EMPTY: '' }, { stateDir });
    expect(env.INFLUX_TOKEN).toBe('explicit');
    expect(env.INFLUX_URL).toBe('http://127.0.0.1:8086');
    expect(env.MQTT_SERVICE_PASSWORD).toBe('secret');
    expect(env.INFLUXDB_PORT).toBe('8086');
    expect('EMPTY' in env).toBe(false);
  });

  it('is the environment alone where no stack was started', () => {
    expect(withStackDefaults({ A: '1' }, { stateDir: join(stateDir, 'absent') })).toMatchObject({ A: '1' });
    expect(withStackDefaults({}, { stateDir: join(stateDir, 'absent') }).INFLUX_TOKEN).toBeUndefined();
  });
});
