import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { sharedDataPath } from '@carbonreducer/datasets';

const run = promisify(execFile);
const BIN = resolve(__dirname, '..', '..', 'bin', 'carbonreducer-models.js');

// Real data: REFIT house 2 (CC BY 4.0, via DeviceScope); NESO Carbon Intensity API (CC BY 4.0).
describe('carbonreducer-models backtest --json', () => {
  it('prints exactly one JSON object with the required keys (load)', async () => {
    const f = (m: string): string => sharedDataPath(`households/refit-house2-${m}.csv.gz`);
    const { stdout } = await run(
      process.execPath,
      [
        BIN,
        'backtest',
        'load',
        '--train',
        f('2014-03'),
        '--test',
        f('2014-04'),
        '--test-range',
        '2014-04-01..2014-04-15',
        '--json',
      ],
      { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 20 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0] as string) as Record<string, unknown> & { horizons: Array<Record<string, unknown>> };
    expect(r.target).toBe('load');
    expect(r.points).toBeGreaterThan(300);
    expect(r.horizons.map((h) => h.h)).toEqual(['1h', 'day-ahead']);
    for (const h of r.horizons) {
      expect(Object.keys(h).sort()).toEqual(
        ['coverage80', 'h', 'knnMae', 'mae', 'mape', 'operatorMae', 'rmse', 'seasonalNaiveMae'].sort(),
      );
      expect(h.operatorMae).toBeNull();
      expect(typeof h.knnMae).toBe('number');
      expect(h.mae as number).toBeGreaterThan(0);
    }
  }, 120_000);

  it('refuses a test period that overlaps the training data', async () => {
    const n = sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv');
    await expect(
      run(process.execPath, [
        BIN,
        'backtest',
        'intensity',
        '--train',
        n,
        '--test',
        n,
        '--test-range',
        '2023-03-01..2023-03-08',
        '--json',
      ]),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/shares \d+ slots with the training data/) });
  }, 120_000);
});
