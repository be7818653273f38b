import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemas } from '@carbonreducer/api';
import type { ApiHomeList, ApiIntensityForecast, ApiPlan, ApiReport } from './api';
import { FRAMES, QUERY_TYPES } from './frames';
import { RESOURCE_ROUTES } from './index';

/**
 * The API fixtures the Go data source's tests serve (fixtures/api/*.json) parse with the API's own zod schemas, so
 * the data source and these types cannot drift from the API unnoticed.
 */
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'api', `${name}.json`), 'utf8')) as T;

describe('API fixtures', () => {
  it.each([
    ['plan', schemas.Plan],
    ['intensity', schemas.IntensityForecast],
    ['accuracy', schemas.IntensityAccuracy],
    ['leaderboard', schemas.Leaderboard],
    ['load', schemas.LoadForecast],
    ['readings', schemas.Readings],
    ['report', schemas.Report],
    ['homes', schemas.HomeList],
    ['problem-404', schemas.Problem],
    ['health', schemas.Health],
  ] as const)('%s parses with the API schema', (name, schema) => {
    const result = schema.safeParse(fixture(name));
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('types the fixtures as the plugins read them', () => {
    const plan = fixture<ApiPlan>('plan');
    const intensity = fixture<ApiIntensityForecast>('intensity');
    expect(plan.runs[0]?.avoidedEmissionsG).toBe(210);
    expect(intensity.points[1]?.lowerGPerKWh).toBeNull();
    expect(fixture<ApiHomeList>('homes').homes[0]?.homeId).toBe('sim-001');
    expect(fixture<ApiReport>('report').rows).toHaveLength(2);
  });
});

describe('resource routes and frames', () => {
  // That each API path exists in the API's OpenAPI document is checked against the running API by the data source's
  // Go integration test (TestIntegrationResourceRoutesExistInOpenAPI).
  it('pass only to API paths, each resource once per method', () => {
    for (const r of RESOURCE_ROUTES) expect(r.api.startsWith('/api/')).toBe(true);
    const keys = RESOURCE_ROUTES.map((r) => `${r.method} ${r.resource}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
  it('name frames for every query type', () => {
    expect(QUERY_TYPES).toEqual([
      'telemetry',
      'intensity',
      'loadForecast',
      'plan',
      'savings',
      'forecastAccuracy',
      'leaderboard',
    ]);
    expect(FRAMES.planRuns.fields).toContain('avoided');
  });
});
