import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_KINDS, FIELDS } from '@carbonreducer/telemetry';
import { BUCKETS, DATA_MODEL, renderDataModel, TELEMETRY } from './model';

describe('the InfluxDB data model', () => {
  it('DATA-MODEL.md is rendered from it (run `npm run render-data-model -w libs/influx` after a change)', () => {
    expect(readFileSync(join(__dirname, '..', 'DATA-MODEL.md'), 'utf8')).toBe(renderDataModel());
  });

  it('lists every device kind with the contract fields, and every bucket', () => {
    for (const kind of DEVICE_KINDS) {
      expect(DATA_MODEL.some((m) => m.bucket === BUCKETS.telemetry && m.measurement === kind)).toBe(true);
    }
    expect(new Set(DATA_MODEL.map((m) => m.bucket))).toEqual(new Set(Object.values(BUCKETS)));
    const plug = DATA_MODEL.find((m) => m.measurement === 'plug');
    expect(plug?.fields.map((f) => f.name)).toContain(FIELDS.energyWh.influxField);
  });

  it('names measurements, tags and fields in snake_case, each measurement once per bucket', () => {
    const snake = /^[a-z][a-z0-9_]*$/;
    const seen = new Set<string>();
    for (const m of DATA_MODEL) {
      for (const name of [m.measurement, ...m.tags, ...m.fields.map((f) => f.name)]) expect(name).toMatch(snake);
      expect(seen.has(`${m.bucket}/${m.measurement}`)).toBe(false);
      seen.add(`${m.bucket}/${m.measurement}`);
    }
  });

  it('counts each telemetry measurement on a field it always has', () => {
    expect(TELEMETRY.countField).toMatchObject({
      meter: 'power_w',
      thermometer: 'temperature_c',
      device_status: 'online',
    });
  });
});
