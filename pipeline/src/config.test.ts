import { ConfigError, loadInfluxConfig, loadMqttConfig, positiveNumber } from './config';

// STACK_STATE points at an empty folder so that only the given env counts.
const base = { STACK_STATE: '/nonexistent-stack-state' };

describe('pipeline config', () => {
  it('takes MQTT settings from env', () => {
    expect(
      loadMqttConfig('device', { ...base, MQTT_URL: 'mqtt://broker:1884', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p' }),
    ).toEqual({
      url: 'mqtt://broker:1884',
      username: 'u',
      password: 'p',
    });
  });

  it('names the missing password and how to get one', () => {
    expect(() => loadMqttConfig('device', base)).toThrow(/MQTT_PASSWORD is not set .* run scripts\/stack up/);
  });

  it('rejects a URL of the wrong kind', () => {
    expect(() => loadMqttConfig('device', { ...base, MQTT_URL: 'http://x', MQTT_PASSWORD: 'p' })).toThrow(ConfigError);
    expect(() => loadInfluxConfig({ ...base, INFLUX_URL: 'not a url', INFLUX_TOKEN: 't' })).toThrow(
      /INFLUX_URL=not a url is not a URL/,
    );
  });

  it('defaults InfluxDB to the telemetry bucket of the carbonreducer org', () => {
    expect(loadInfluxConfig({ ...base, INFLUX_TOKEN: 't' })).toMatchObject({
      org: 'carbonreducer',
      bucket: 'telemetry',
      token: 't',
    });
  });

  it('parses positive numbers and names bad ones', () => {
    expect(positiveNumber('X', undefined, 3)).toBe(3);
    expect(positiveNumber('X', '2.5', 3)).toBe(2.5);
    expect(() => positiveNumber('GATEWAY_RETRY_S', '-1', 3)).toThrow('GATEWAY_RETRY_S=-1 is not a positive number');
  });
});
