import { loadIntensityConfig } from './config';
import { createChainFromConfig, createInfluxWriterFromConfig } from './factory';
import { FakeFetch } from './testing/fakeFetch';

describe('createChainFromConfig', () => {
  it('builds the sources in the configured order', async () => {
    const config = loadIntensityConfig({
      INTENSITY_SOURCES: 'watttime,file,electricitymaps,neso',
      ELECTRICITYMAPS_API_KEY: 'k',
      WATTTIME_USERNAME: 'u',
      WATTTIME_PASSWORD: 'p',
      WATTTIME_REGION: 'CAISO_NORTH',
    });
    const chain = await createChainFromConfig(config, { fetch: new FakeFetch().fetch });
    expect(chain.sources.map((s) => [s.name, s.signal])).toEqual([
      ['watttime', 'marginal'],
      ['file', 'average'],
      ['electricitymaps', 'average'],
      ['neso', 'average'],
    ]);
  });

  it('refuses to build an InfluxDB writer without INFLUX_URL', () => {
    expect(() => createInfluxWriterFromConfig(loadIntensityConfig({}))).toThrow('INFLUX_URL is not set');
  });
});
