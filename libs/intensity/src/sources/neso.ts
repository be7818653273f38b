import { UnsupportedRegionError } from '../errors';
import { DEFAULT_HTTP_OPTIONS, getJson, ResponseReader, type FetchLike, type HttpOptions } from '../http';
import type { ActualsRequest, CarbonIntensitySource, ForecastRequest, IntensityPoint, IntensityRegion } from '../types';

export const NESO_BASE_URL = 'https://api.carbonintensity.org.uk';
const SLOT_MS = 30 * 60_000;

export interface NesoOptions extends Partial<Omit<HttpOptions, 'fetch'>> {
  fetch: FetchLike;
  baseUrl?: string;
}

/** `2023-01-01T00:30Z`: the ISO-8601 form the Carbon Intensity API's path parameters take. */
export function nesoTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

function floorToSlot(ms: number): number {
  return Math.floor(ms / SLOT_MS) * SLOT_MS;
}

/**
 * NESO Carbon Intensity API (api.carbonintensity.org.uk, CC BY 4.0), half-hourly gCO2/kWh.
 * National: `/intensity/{from}/{to}` (actuals and the forecasts NESO made for past slots) and
 * `/intensity/{from}/fw24h|fw48h`. Regional (ids 1–17): `/regional/intensity/{from}/fw24h|fw48h/regionid/{id}`;
 * NESO publishes regional forecasts only, so regional actuals are refused (UnsupportedRegionError).
 * The API does not say when a forecast was issued: we record the time we retrieved it (`nowMs`), the latest it can
 * have been issued.
 */
export class NesoCarbonIntensitySource implements CarbonIntensitySource {
  readonly name = 'neso';
  readonly signal = 'average' as const;
  private readonly http: HttpOptions;
  private readonly baseUrl: string;

  constructor(options: NesoOptions) {
    const { baseUrl, ...http } = options;
    this.http = { ...DEFAULT_HTTP_OPTIONS, ...http };
    this.baseUrl = (baseUrl ?? NESO_BASE_URL).replace(/\/+$/, '');
  }

  private nesoRegion(region: IntensityRegion): 'national' | { regionId: number } {
    if (region.neso === undefined) {
      throw new UnsupportedRegionError(
        this.name,
        `region ${region.id} has no NESO region (set neso: 'national' or a regionId)`,
      );
    }
    return region.neso;
  }

  async fetchActuals({ fromMs, toMs, region }: ActualsRequest): Promise<IntensityPoint[]> {
    if (this.nesoRegion(region) !== 'national') {
      throw new UnsupportedRegionError(
        this.name,
        `NESO publishes regional forecasts only: no actuals for region ${region.id}`,
      );
    }
    const url = `${this.baseUrl}/intensity/${nesoTime(floorToSlot(fromMs))}/${nesoTime(toMs)}`;
    const slots = parseNationalSlots(await getJson(this.name, url, { Accept: 'application/json' }, this.http), url);
    const out: IntensityPoint[] = [];
    for (const s of slots) {
      // `actual` is null for slots NESO has not yet measured; those are simply not actuals yet.
      if (s.actual === null || s.toMs <= fromMs || s.fromMs >= toMs) continue;
      out.push({
        fromMs: s.fromMs,
        toMs: s.toMs,
        intensityGPerKWh: s.actual,
        kind: 'actual',
        issuedAtMs: null,
        source: this.name,
      });
    }
    return out;
  }

  async fetchForecast({ nowMs, horizonMin, region }: ForecastRequest): Promise<IntensityPoint[]> {
    const nesoRegion = this.nesoRegion(region);
    const window = horizonMin <= 24 * 60 ? 'fw24h' : 'fw48h';
    const from = nesoTime(floorToSlot(nowMs));
    const url =
      nesoRegion === 'national'
        ? `${this.baseUrl}/intensity/${from}/${window}`
        : `${this.baseUrl}/regional/intensity/${from}/${window}/regionid/${nesoRegion.regionId}`;
    const body = await getJson(this.name, url, { Accept: 'application/json' }, this.http);
    const slots =
      nesoRegion === 'national' ? parseNationalSlots(body, url) : parseRegionalSlots(body, url, nesoRegion.regionId);
    const endMs = nowMs + horizonMin * 60_000;
    const out: IntensityPoint[] = [];
    for (const s of slots) {
      if (s.forecast === null || s.toMs <= nowMs || s.fromMs >= endMs) continue;
      out.push({
        fromMs: s.fromMs,
        toMs: s.toMs,
        intensityGPerKWh: s.forecast,
        kind: 'forecast',
        issuedAtMs: nowMs,
        source: this.name,
      });
    }
    return out;
  }
}

interface NesoSlot {
  fromMs: number;
  toMs: number;
  forecast: number | null;
  actual: number | null;
}

function parseSlot(r: ResponseReader, item: unknown, path: string, withActual: boolean): NesoSlot {
  const obj = r.object(item, path);
  const fromMs = r.time(obj.from, `${path}.from`);
  const toMs = r.time(obj.to, `${path}.to`);
  if (toMs - fromMs !== SLOT_MS)
    r.fail(`${path}.to`, `is not 30 minutes after from (${obj.from as string} → ${obj.to as string})`);
  const intensity = r.object(obj.intensity, `${path}.intensity`);
  const forecast = intensity.forecast === null ? null : r.intensity(intensity.forecast, `${path}.intensity.forecast`);
  const actual =
    !withActual || intensity.actual === null || intensity.actual === undefined
      ? null
      : r.intensity(intensity.actual, `${path}.intensity.actual`);
  if (withActual && !('actual' in intensity)) r.fail(`${path}.intensity.actual`, 'is missing');
  return { fromMs, toMs, forecast, actual };
}

/** `{ data: [{ from, to, intensity: { forecast, actual, index } }] }` */
export function parseNationalSlots(body: unknown, url: string): NesoSlot[] {
  const r = new ResponseReader('neso', url);
  const data = r.array(r.object(body, 'body').data, 'data');
  return data.map((item, i) => parseSlot(r, item, `data[${i}]`, true));
}

/**
 * `{ data: { regionid, dnoregion, shortname, data: [{ from, to, intensity: { forecast, index }, generationmix }] } }`.
 * Some regional endpoints wrap the region object in a one-element array; both are accepted, the region id is checked.
 */
export function parseRegionalSlots(body: unknown, url: string, regionId: number): NesoSlot[] {
  const r = new ResponseReader('neso', url);
  const top = r.object(body, 'body').data;
  let regionPath = 'data';
  let regionValue: unknown = top;
  if (Array.isArray(top)) {
    if (top.length !== 1) r.fail('data', `holds ${top.length} regions, expected 1`);
    regionValue = top[0];
    regionPath = 'data[0]';
  }
  const regionObj = r.object(regionValue, regionPath);
  if (regionObj.regionid !== regionId) {
    r.fail(`${regionPath}.regionid`, `is ${JSON.stringify(regionObj.regionid)}, expected ${regionId}`);
  }
  const slots = r.array(regionObj.data, `${regionPath}.data`);
  return slots.map((item, i) => parseSlot(r, item, `${regionPath}.data[${i}]`, false));
}
