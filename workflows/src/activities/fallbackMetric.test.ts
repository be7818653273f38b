import { silentLogger } from '@carbonreducer/common';
import type { MetricCounter, MetricMeter, MetricTags } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { IntensityForecast, LoadForecast } from '../ports';
import { createComputeActivities, type ComputeActivityDeps } from '.';
import { FORECAST_FALLBACKS_METRIC } from './fallbackMetric';

/** A metric meter that records what is counted, as the worker's Prometheus endpoint would expose it. */
function recordingMeter(): MetricMeter & { counts: { name: string; value: number; tags: MetricTags }[] } {
  const counts: { name: string; value: number; tags: MetricTags }[] = [];
  const counter = (name: string, unit?: string, description?: string): MetricCounter => ({
    name,
    unit,
    description,
    kind: 'counter',
    valueType: 'int',
    add: (value: number, tags: MetricTags = {}) => void counts.push({ name, value, tags }),
    withTags: () => counter(name, unit, description),
  });
  const unused = (): never => {
    throw new Error('unused');
  };
  return { counts, createCounter: counter, createHistogram: unused, createGauge: unused, withTags: unused };
}

function deps(intensity: IntensityForecast, loads: Record<string, LoadForecast>): ComputeActivityDeps {
  const unused = async (): Promise<never> => {
    throw new Error('unused');
  };
  return {
    intensityForecaster: { forecast: async () => intensity, historyNeeds: unused },
    loadForecaster: { forecast: async ({ homeId }) => loads[homeId] as LoadForecast },
    forecasts: {
      writeIntensityForecast: async () => undefined,
      writeLoadForecasts: async () => undefined,
      writeServing: async () => undefined,
      latestIntensityForecast: unused,
      latestLoadForecast: async () => null,
    },
    homeRecords: { get: async () => null },
    planner: { plan: unused, pareto: unused },
    models: {
      searchHyperparameters: unused,
      trainAndRegister: unused,
      backtest: unused,
      promote: async () => undefined,
    },
    logger: silentLogger,
  };
}

const point = { time: '2026-12-03T12:00:00.000Z', intensityGPerKWh: 100 };

describe('forecast fallbacks metric (carbonreducer_forecast_fallbacks)', () => {
  it('counts an intensity forecast served by a fallback, with why, and not the champion’s', async () => {
    const meter = recordingMeter();
    const env = new MockActivityEnvironment({}, { metricMeter: meter });
    const args = { region: 'GB', issuedAt: '2026-12-03T12:00:00Z', horizonH: 48 };
    const fallback = createComputeActivities(
      deps(
        {
          region: 'GB',
          issuedAt: args.issuedAt,
          modelVersion: 'm1',
          points: [point],
          servedBy: 'source_forecast',
          fallbackReason: 'incomplete_history',
          detail: '',
        },
        {},
      ),
    );
    await env.run(fallback.forecastIntensity, args);
    const champion = createComputeActivities(
      deps({ region: 'GB', issuedAt: args.issuedAt, modelVersion: 'm1', points: [point], servedBy: 'champion' }, {}),
    );
    await env.run(champion.forecastIntensity, args);
    // The SDK adds the activity's own tags (namespace, task queue, activity type).
    expect(meter.counts).toEqual([
      {
        name: FORECAST_FALLBACKS_METRIC,
        value: 1,
        tags: expect.objectContaining({
          kind: 'intensity',
          served_by: 'source_forecast',
          fallback_reason: 'incomplete_history',
          taskQueue: 'test',
        }),
      },
    ]);
  });

  it('counts each home whose load forecast a fallback served', async () => {
    const meter = recordingMeter();
    const load = (homeId: string, servedBy?: LoadForecast['servedBy']): LoadForecast => ({
      homeId,
      issuedAt: '2026-12-03T12:00:00Z',
      modelVersion: 'l1',
      points: [{ time: point.time, powerW: 100 }],
      ...(servedBy ? { servedBy, fallbackReason: 'no_history' as const, detail: '' } : {}),
    });
    const activities = createComputeActivities(
      deps(
        { region: 'GB', issuedAt: '', modelVersion: '', points: [] },
        {
          a: load('a'),
          b: load('b', 'seasonal_naive'),
          c: load('c', 'flat'),
        },
      ),
    );
    await new MockActivityEnvironment({}, { metricMeter: meter }).run(activities.forecastHomeLoads, {
      homeIds: ['a', 'b', 'c'],
      issuedAt: '2026-12-03T12:00:00Z',
      horizonH: 24,
    });
    expect(meter.counts.map((c) => c.tags)).toEqual([
      expect.objectContaining({ kind: 'load', served_by: 'seasonal_naive', fallback_reason: 'no_history' }),
      expect.objectContaining({ kind: 'load', served_by: 'flat', fallback_reason: 'no_history' }),
    ]);
  });
});
