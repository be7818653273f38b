import { loadIntensityConfig } from './config';
import { IntensityConfigError } from './errors';

describe('loadIntensityConfig', () => {
  it('defaults to NESO then the replayed file, GB national, no InfluxDB', () => {
    const c = loadIntensityConfig({});
    expect(c.sources).toEqual(['neso', 'file']);
    expect(c.region).toEqual({ id: 'GB', neso: 'national', electricityMapsZone: 'GB', fileRegion: 'GB' });
    expect(c.file).toEqual({ files: ['carbon-intensity/neso-gb-national-2023H1.csv'], replay: true });
    expect(c.http).toEqual({ timeoutMs: 10_000, retries: 3 });
    expect(c.influx).toBeNull();
  });

  it('reads every source with its credentials', () => {
    const c = loadIntensityConfig({
      INTENSITY_SOURCES: 'electricitymaps, WattTime,neso',
      ELECTRICITYMAPS_API_KEY: 'k',
      WATTTIME_USERNAME: 'u',
      WATTTIME_PASSWORD: 'p',
      WATTTIME_REGION: 'CAISO_NORTH',
      NESO_REGION: '13',
      INTENSITY_REGION: 'GB-13',
      INFLUX_URL: 'http://127.0.0.1:8086',
      INFLUX_TOKEN: 't',
    });
    expect(c.sources).toEqual(['electricitymaps', 'watttime', 'neso']);
    expect(c.region).toMatchObject({ id: 'GB-13', neso: { regionId: 13 }, wattTimeRegion: 'CAISO_NORTH' });
    expect(c.electricityMaps).toEqual({ apiKey: 'k' });
    expect(c.wattTime).toEqual({ username: 'u', password: 'p' });
    expect(c.influx).toEqual({
      url: 'http://127.0.0.1:8086',
      token: 't',
      org: 'carbonreducer',
      bucket: 'carbon_intensity',
    });
  });

  it.each([
    [
      { INTENSITY_SOURCES: 'neso,entsoe' },
      'INTENSITY_SOURCES: unknown source "entsoe" (known: neso, electricitymaps, watttime, file)',
    ],
    [{ INTENSITY_SOURCES: 'neso,neso' }, 'INTENSITY_SOURCES lists a source twice: neso,neso'],
    [
      { INTENSITY_SOURCES: 'electricitymaps' },
      'ELECTRICITYMAPS_API_KEY is required when INTENSITY_SOURCES lists electricitymaps',
    ],
    [
      { INTENSITY_SOURCES: 'watttime', WATTTIME_USERNAME: 'u' },
      'WATTTIME_PASSWORD is required when INTENSITY_SOURCES lists watttime',
    ],
    [
      { INTENSITY_SOURCES: 'watttime', WATTTIME_USERNAME: 'u', WATTTIME_PASSWORD: 'p' },
      'WATTTIME_REGION (a WattTime region such as CAISO_NORTH) is required when INTENSITY_SOURCES lists watttime',
    ],
    [{ NESO_REGION: '18' }, 'NESO_REGION=18 is neither "national" nor a NESO region id 1–17'],
    [{ INTENSITY_HTTP_RETRIES: 'many' }, 'INTENSITY_HTTP_RETRIES=many is not an integer between 0 and 10'],
    [{ INTENSITY_FORECAST_HOURS: '96' }, 'INTENSITY_FORECAST_HOURS=96 is not an integer between 0 and 72'],
    [{ INTENSITY_FILE_REPLAY: 'yes' }, 'INTENSITY_FILE_REPLAY=yes must be true or false'],
    [{ INFLUX_URL: 'localhost:8086' }, 'INFLUX_URL=localhost:8086 is not an http(s) URL'],
    [{ INFLUX_URL: 'http://127.0.0.1:8086' }, 'INFLUX_TOKEN is required when INFLUX_URL is set'],
  ])('rejects %j', (env, message) => {
    expect(() => loadIntensityConfig(env)).toThrow(new IntensityConfigError(message));
  });
});
