import { AllSourcesFailedError, FallbackChain, isTransientSourceError } from './chain';
import { SourceHttpError, SourceNetworkError, SourceResponseError, UnsupportedRegionError } from './errors';
import type { CarbonIntensitySource, IntensityPoint, IntensityRegion } from './types';

const GB: IntensityRegion = { id: 'GB' };
const T0 = Date.parse('2023-03-01T00:00Z');

function point(source: string, kind: 'actual' | 'forecast', intensityGPerKWh = 100): IntensityPoint {
  return {
    fromMs: T0,
    toMs: T0 + 1_800_000,
    intensityGPerKWh,
    kind,
    issuedAtMs: kind === 'forecast' ? T0 : null,
    source,
  };
}

/** A scripted source: each call takes the next behaviour (points or an error). */
function scripted(name: string, behaviours: (IntensityPoint[] | Error)[]): CarbonIntensitySource & { calls: number } {
  const next = (): Promise<IntensityPoint[]> => {
    s.calls++;
    const b = behaviours.shift();
    if (b === undefined) return Promise.reject(new Error(`${name}: script exhausted`));
    return b instanceof Error ? Promise.reject(b) : Promise.resolve(b);
  };
  const s = { name, signal: 'average' as const, calls: 0, fetchActuals: next, fetchForecast: next };
  return s;
}

const actuals = { fromMs: T0, toMs: T0 + 3_600_000, region: GB };

describe('FallbackChain', () => {
  it('answers from the first source that works and says why the others were skipped', async () => {
    const a = scripted('neso', [new SourceHttpError('neso', 503, 'https://x/intensity', 'down', 3)]);
    const b = scripted('electricitymaps', [[point('electricitymaps', 'actual', 120)]]);
    const c = scripted('file', [[point('file', 'actual')]]);
    const result = await new FallbackChain([a, b, c]).fetchActuals(actuals);
    expect(result.source).toBe('electricitymaps');
    expect(result.points[0]?.intensityGPerKWh).toBe(120);
    expect(result.skipped).toEqual([
      {
        source: 'neso',
        kind: 'actual',
        reason: 'neso: HTTP 503 from GET https://x/intensity after 3 attempt(s): down',
        transient: true,
      },
    ]);
    expect(c.calls).toBe(0);
  });

  it('skips a source that answers with nothing or with invalid points', async () => {
    const empty = scripted('neso', [[]]);
    const nan = scripted('electricitymaps', [[point('electricitymaps', 'actual', Number.NaN)]]);
    const wrongKind = scripted('watttime', [[point('watttime', 'forecast')]]);
    const good = scripted('file', [[point('file', 'actual')]]);
    const result = await new FallbackChain([empty, nan, wrongKind, good]).fetchActuals(actuals);
    expect(result.source).toBe('file');
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'neso: answered with no actual points for the requested period',
      'electricitymaps: every one of 1 actual points was refused (not_finite: 2023-03-01T00:00:00.000Z: intensity NaN)',
      'watttime: point 0 (2023-03-01T00:00:00.000Z) is a forecast, expected actual',
    ]);
  });

  it('throws AllSourcesFailedError listing every reason when nobody answers', async () => {
    const chain = new FallbackChain([
      scripted('neso', [new Error('neso: boom')]),
      scripted('file', [new Error('file: gone')]),
    ]);
    const err = await chain.fetchForecast({ nowMs: T0, horizonMin: 60, region: GB }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllSourcesFailedError);
    expect((err as Error).message).toBe(
      'no carbon-intensity source answered for the forecast: neso (neso: boom); file (file: gone)',
    );
    expect((err as AllSourcesFailedError).skipped).toHaveLength(2);
  });

  it('says whether a failure of the whole chain may pass with time', async () => {
    const permanent = new FallbackChain([
      scripted('neso', [new UnsupportedRegionError('neso', 'no NESO region')]),
      scripted('electricitymaps', [new SourceHttpError('electricitymaps', 401, 'https://x', 'bad key', 1)]),
      scripted('watttime', [new SourceResponseError('watttime', 'https://x', 'meta.units', 'is wrong')]),
    ]);
    const err1 = (await permanent.fetchActuals(actuals).catch((e: unknown) => e)) as AllSourcesFailedError;
    expect(err1.skipped.map((s) => s.transient)).toEqual([false, false, false]);
    expect(err1.transient).toBe(false);
    const mixed = new FallbackChain([
      scripted('neso', [new UnsupportedRegionError('neso', 'no NESO region')]),
      scripted('electricitymaps', [new SourceNetworkError('electricitymaps', 'https://x', 'timed out after 10 ms', 4)]),
    ]);
    const err2 = (await mixed.fetchActuals(actuals).catch((e: unknown) => e)) as AllSourcesFailedError;
    expect(err2.transient).toBe(true);
    expect(isTransientSourceError(new SourceHttpError('neso', 429, 'u', '', 4))).toBe(true);
    expect(isTransientSourceError(new SourceHttpError('neso', 503, 'u', '', 4))).toBe(true);
    expect(isTransientSourceError(new SourceHttpError('neso', 404, 'u', '', 1))).toBe(false);
  });

  it('opens a per-source circuit after repeated failures and closes it after the cooldown', async () => {
    let now = T0;
    const flaky = scripted('neso', [new Error('neso: down'), new Error('neso: down'), [point('neso', 'actual', 99)]]);
    const backup = scripted('file', [[point('file', 'actual')], [point('file', 'actual')], [point('file', 'actual')]]);
    const chain = new FallbackChain([flaky, backup], {
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
      nowMs: () => now,
    });
    await chain.fetchActuals(actuals);
    await chain.fetchActuals(actuals);
    const third = await chain.fetchActuals(actuals);
    expect(flaky.calls).toBe(2);
    expect(third.source).toBe('file');
    expect(third.skipped[0]?.reason).toMatch(
      /^circuit open after 2 consecutive failures, retry after 2023-03-01T00:01:00.000Z$/,
    );
    now += 60_001;
    const fourth = await chain.fetchActuals(actuals);
    expect(fourth.source).toBe('neso');
    expect(fourth.points[0]?.intensityGPerKWh).toBe(99);
  });

  it('does not open the circuit of a source that only lacks data for a period (a hole in its file)', async () => {
    const holes = scripted('file', [[], [], [point('file', 'actual', 42)]]);
    const chain = new FallbackChain([holes], {
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
      nowMs: () => T0,
    });
    await expect(chain.fetchActuals(actuals)).rejects.toBeInstanceOf(AllSourcesFailedError);
    await expect(chain.fetchActuals(actuals)).rejects.toBeInstanceOf(AllSourcesFailedError);
    expect((await chain.fetchActuals(actuals)).points[0]?.intensityGPerKWh).toBe(42);
  });

  it('refuses the same source twice', () => {
    expect(() => new FallbackChain([scripted('neso', []), scripted('neso', [])])).toThrow(
      'source neso is listed twice',
    );
  });
});
