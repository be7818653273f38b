import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readApplianceTrace, readIntensityFiles, sharedDataPath } from '@carbonreducer/datasets';
import { resampleProfileW, type HomeRequest } from '@carbonreducer/optimizer';
import { PNG } from 'pngjs';
import { EXIT } from '../exitCodes';
import { main } from '../main';

const DIR = mkdtempSync(join(tmpdir(), 'cr-optimizer-cli-'));

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/**
 * A real request: 24 h from 2023-03-01 18:00 UTC with NESO's own forecast of that day (CC BY 4.0), the DeviceScope
 * example dishwasher cycle (REFIT/UK-DALE, CC BY 4.0) ready by 07:00 and an EV that needs 20 kWh by 07:30.
 */
export async function realRequest(): Promise<HomeRequest> {
  const startMs = Date.UTC(2023, 2, 1, 18);
  const slotCount = 26;
  const neso = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
  const byFrom = new Map(neso.points.map((p) => [p.fromMs, p]));
  const intensity = Array.from({ length: slotCount }, (_, i) => {
    const p = byFrom.get(startMs + i * 1_800_000);
    const g = p?.forecastGPerKWh;
    if (g === undefined || g === null) throw new Error(`no NESO forecast for slot ${i}`);
    return g;
  });
  const trace = await readApplianceTrace(sharedDataPath('appliances/devicescope-example-dishwasher.csv.gz'));
  const stepMin = ((trace.timeMs[1] as number) - (trace.timeMs[0] as number)) / 60_000;
  return {
    homeId: 'cli-test',
    startMs,
    slotMin: 30,
    slotCount,
    timeZone: 'Europe/London',
    intensityGPerKWh: intensity,
    pricePerKWh: Array.from({ length: slotCount }, (_, i) => (i < 4 ? 0.35 : 0.2)),
    co2PricePerKg: 0.1,
    baseLoadW: new Array<number>(slotCount).fill(300),
    importLimitW: 9000,
    devices: [
      {
        id: 'dishwasher',
        label: 'dishwasher',
        kind: 'cycle',
        appliance: 'dishwasher',
        profileW: resampleProfileW(trace.powerW, stepMin, 30),
        earliestStartMs: startMs,
        deadlineMs: Date.UTC(2023, 2, 2, 7),
      },
      {
        id: 'car',
        label: 'car',
        kind: 'ev',
        availableFromMs: startMs,
        departureMs: Date.UTC(2023, 2, 2, 7, 30),
        energyNeededWh: 20_000,
        minPowerW: 1400,
        maxPowerW: 7000,
        onOff: true,
      },
    ],
  };
}

function inkAndColour(
  png: Buffer,
  rgb: [number, number, number],
): { width: number; height: number; ink: number; colour: number } {
  const image = PNG.sync.read(png);
  let ink = 0;
  let colour = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
    if (r < 200 || g < 200 || b < 200) ink++;
    if (Math.abs(r - rgb[0]) < 14 && Math.abs(g - rgb[1]) < 14 && Math.abs(b - rgb[2]) < 14) colour++;
  }
  return { width: image.width, height: image.height, ink: ink / (image.width * image.height), colour };
}

describe('carbonreducer optimizer solve | pareto (real NESO forecast and appliance cycle, HiGHS)', () => {
  let file: string;
  beforeAll(async () => {
    file = join(DIR, 'request.json');
    writeFileSync(file, JSON.stringify(await realRequest(), null, 2));
  });

  it('solve --json prints the plan; --plot draws its runs over the intensity forecast', async () => {
    const png = join(DIR, 'plan.png');
    const r = await capture(() => main(['optimizer', 'solve', file, '--json', '--plot', png]));
    expect(r.code).toBe(EXIT.ok);
    const plan = JSON.parse(r.out) as {
      status: string;
      devices: { id: string; startsMs: number[] }[];
      avoidedKgCO2: number;
    };
    expect(plan.status).toBe('optimal');
    expect(plan.devices.map((d) => d.id)).toEqual(['dishwasher', 'car']);
    expect(plan.avoidedKgCO2).toBeGreaterThan(0);
    expect(r.err).toContain(`plot written to ${png}`);
    const img = inkAndColour(readFileSync(png), [0x1f, 0x77, 0xb4]);
    expect(img.width).toBeGreaterThan(880);
    expect(img.height).toBeGreaterThan(300);
    expect(img.ink).toBeGreaterThan(0.01);
    expect(img.colour).toBeGreaterThan(200); // the dishwasher's bars
    const svg = readFileSync(png.replace(/\.png$/, '.svg'), 'utf8');
    for (const text of [
      'planned power (kW)',
      'gCO2/kWh',
      'time (UTC)',
      'NESO Carbon Intensity API',
      'dishwasher',
      'car',
    ]) {
      expect(svg).toContain(text);
    }
  });

  it('solve without --json explains the plan in words', async () => {
    const r = await capture(() => main(['optimizer', 'solve', file]));
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^Plan optimal/);
    expect(r.out).toMatch(/dishwasher +starts /);
    expect(r.out).toMatch(/avoided \d+\.\d+ kg CO2/);
  });

  it('pareto: expected CO2 does not rise as the CO2 price rises', async () => {
    const r = await capture(() => main(['optimizer', 'pareto', file, '--co2-prices', '0,0.1,1', '--json']));
    expect(r.code).toBe(EXIT.ok);
    const points = JSON.parse(r.out) as { co2PricePerKg: number; kgCO2Expected: number; costExpected: number }[];
    expect(points.map((p) => p.co2PricePerKg)).toEqual([0, 0.1, 1]);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.kgCO2Expected).toBeLessThanOrEqual(points[i - 1]!.kgCO2Expected + 1e-6);
      expect(points[i]!.costExpected).toBeGreaterThanOrEqual(points[i - 1]!.costExpected - 1e-6);
    }
  });
});

describe('carbonreducer optimizer evaluate --plot (real data)', () => {
  it('draws emissions by kind: baseline, plan and perfect foresight', async () => {
    const png = join(DIR, 'evaluation.png');
    const r = await capture(() =>
      main([
        'optimizer',
        'evaluate',
        '--intensity',
        sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv'),
        '--households',
        sharedDataPath('households/refit-house2-2014-03.csv.gz'),
        '--forecast',
        'operator',
        '--flex-hours',
        '8',
        '--plan-once',
        '--json',
        '--plot',
        png,
      ]),
    );
    expect(r.code).toBe(EXIT.ok);
    const result = JSON.parse(r.out) as { requests: number; forecast: string; baselineKgCO2: number };
    expect(result.forecast).toBe('operator');
    expect(result.requests).toBeGreaterThan(10);
    const img = inkAndColour(readFileSync(png), [0x1f, 0x77, 0xb4]);
    expect(img.width).toBeGreaterThan(700);
    expect(img.height).toBeGreaterThan(300);
    expect(img.colour).toBeGreaterThan(500); // the plan's bars
    const svg = readFileSync(png.replace(/\.png$/, '.svg'), 'utf8');
    for (const text of [
      'emissions (kg CO2, actual intensity)',
      'baseline (run at request)',
      'perfect foresight',
      'dishwasher',
      'Caltech ACN-Data',
    ]) {
      expect(svg).toContain(text);
    }
  }, 300_000);
});
