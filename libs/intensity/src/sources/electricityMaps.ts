import { HOUR_MS } from '@carbonreducer/common';
import { UnsupportedRegionError } from '../errors';
import { DEFAULT_HTTP_OPTIONS, getJson, ResponseReader, type FetchLike, type HttpOptions } from '../http';
import type { ActualsRequest, CarbonIntensitySource, ForecastRequest, IntensityPoint, IntensityRegion } from '../types';

export const ELECTRICITY_MAPS_BASE_URL = 'https://api.electricitymaps.com';
/** `/history` covers the last 24 hours; older periods go through `/past-range`. */
const HISTORY_SPAN_MS = 24 * HOUR_MS;

export interface ElectricityMapsOptions extends Partial<Omit<HttpOptions, 'fetch'>> {
  fetch: FetchLike;
  apiKey: string;
  baseUrl?: string;
}

/**
 * Electricity Maps API v3 (attribution required), hourly gCO2eq/kWh. We ask for `emissionFactorType=direct`
 * (operational emissions), the same basis as NESO and the direct column of the shared CSVs, rather than the API's
 * life-cycle default. Actuals: `/v3/carbon-intensity/history` (last 24 h) or `/past-range`; forecast:
 * `/v3/carbon-intensity/forecast`, whose `updatedAt` is the issue time. The key goes in the `auth-token` header.
 */
export class ElectricityMapsSource implements CarbonIntensitySource {
  readonly name = 'electricitymaps';
  readonly signal = 'average' as const;
  private readonly http: HttpOptions;
  private readonly baseUrl: string;
  private readonly apiKey: string;

  constructor(options: ElectricityMapsOptions) {
    const { baseUrl, apiKey, ...http } = options;
    if (apiKey.trim() === '') throw new Error('ElectricityMapsSource: apiKey is empty');
    this.http = { ...DEFAULT_HTTP_OPTIONS, ...http };
    this.baseUrl = (baseUrl ?? ELECTRICITY_MAPS_BASE_URL).replace(/\/+$/, '');
    this.apiKey = apiKey;
  }

  private zone(region: IntensityRegion): string {
    if (!region.electricityMapsZone) {
      throw new UnsupportedRegionError(this.name, `region ${region.id} has no Electricity Maps zone`);
    }
    return region.electricityMapsZone;
  }

  private get headers(): Record<string, string> {
    return { 'auth-token': this.apiKey, Accept: 'application/json' };
  }

  async fetchActuals({ fromMs, toMs, region }: ActualsRequest): Promise<IntensityPoint[]> {
    const zone = this.zone(region);
    const q = new URLSearchParams({ zone, emissionFactorType: 'direct' });
    const recent = fromMs >= this.http.nowMs() - HISTORY_SPAN_MS;
    if (!recent) {
      q.set('start', new Date(Math.floor(fromMs / HOUR_MS) * HOUR_MS).toISOString());
      q.set('end', new Date(toMs).toISOString());
    }
    const url = `${this.baseUrl}/v3/carbon-intensity/${recent ? 'history' : 'past-range'}?${q.toString()}`;
    const body = await getJson(this.name, url, this.headers, this.http);
    const r = new ResponseReader(this.name, url);
    const obj = r.object(body, 'body');
    if (obj.zone !== zone) r.fail('zone', `is ${JSON.stringify(obj.zone)}, expected ${JSON.stringify(zone)}`);
    const key = recent ? 'history' : 'data';
    const items = r.array(obj[key], key);
    const out: IntensityPoint[] = [];
    items.forEach((item, i) => {
      const path = `${key}[${i}]`;
      const entry = r.object(item, path);
      const startMs = r.time(entry.datetime, `${path}.datetime`);
      if (entry.emissionFactorType !== undefined && entry.emissionFactorType !== 'direct') {
        r.fail(`${path}.emissionFactorType`, `is ${JSON.stringify(entry.emissionFactorType)}, expected "direct"`);
      }
      // A null intensity is a slot Electricity Maps has no value for: missing, not zero.
      if (entry.carbonIntensity === null) return;
      const intensityGPerKWh = r.intensity(entry.carbonIntensity, `${path}.carbonIntensity`);
      const endMs = startMs + HOUR_MS;
      if (endMs <= fromMs || startMs >= toMs) return;
      out.push({ fromMs: startMs, toMs: endMs, intensityGPerKWh, kind: 'actual', issuedAtMs: null, source: this.name });
    });
    return out;
  }

  async fetchForecast({ nowMs, horizonMin, region }: ForecastRequest): Promise<IntensityPoint[]> {
    const zone = this.zone(region);
    const q = new URLSearchParams({ zone, emissionFactorType: 'direct' });
    const url = `${this.baseUrl}/v3/carbon-intensity/forecast?${q.toString()}`;
    const body = await getJson(this.name, url, this.headers, this.http);
    const r = new ResponseReader(this.name, url);
    const obj = r.object(body, 'body');
    if (obj.zone !== zone) r.fail('zone', `is ${JSON.stringify(obj.zone)}, expected ${JSON.stringify(zone)}`);
    const issuedAtMs = r.time(obj.updatedAt, 'updatedAt');
    const endMs = nowMs + horizonMin * 60_000;
    const out: IntensityPoint[] = [];
    r.array(obj.forecast, 'forecast').forEach((item, i) => {
      const entry = r.object(item, `forecast[${i}]`);
      const startMs = r.time(entry.datetime, `forecast[${i}].datetime`);
      const intensityGPerKWh = r.intensity(entry.carbonIntensity, `forecast[${i}].carbonIntensity`);
      if (startMs + HOUR_MS <= nowMs || startMs >= endMs) return;
      out.push({
        fromMs: startMs,
        toMs: startMs + HOUR_MS,
        intensityGPerKWh,
        kind: 'forecast',
        issuedAtMs,
        source: this.name,
      });
    });
    return out;
  }
}
