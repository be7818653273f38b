import { SourceHttpError, UnsupportedRegionError } from '../errors';
import { DEFAULT_HTTP_OPTIONS, getJson, ResponseReader, type FetchLike, type HttpOptions } from '../http';
import type { ActualsRequest, CarbonIntensitySource, ForecastRequest, IntensityPoint, IntensityRegion } from '../types';

export const WATTTIME_BASE_URL = 'https://api.watttime.org';
/** 1 lb/MWh = 453.592 g / 1000 kWh = 0.453592 g/kWh. */
export const G_PER_KWH_PER_LB_PER_MWH = 0.453592;
/** WattTime tokens expire after 30 minutes; we renew a little earlier. */
const TOKEN_TTL_MS = 25 * 60_000;
/** `/v3/forecast` serves at most 72 hours ahead. */
const MAX_HORIZON_HOURS = 72;

export interface WattTimeOptions extends Partial<Omit<HttpOptions, 'fetch'>> {
  fetch: FetchLike;
  username: string;
  password: string;
  baseUrl?: string;
}

export function lbsPerMWhToGPerKWh(lbsPerMWh: number): number {
  return lbsPerMWh * G_PER_KWH_PER_LB_PER_MWH;
}

/**
 * WattTime API v3 (use subject to WattTime's terms), signal `co2_moer`: the marginal operating emissions rate in
 * lbs CO2/MWh, converted here to gCO2/kWh. A marginal rate, not an average: compare it with WattTime only.
 * `/login` (HTTP basic auth) gives a bearer token; actuals from `/v3/historical`, forecasts from `/v3/forecast`,
 * whose `meta.generated_at` is the issue time. (`/v3/signal-index` is a 0–100 percentile, not an intensity, so it
 * is not used.)
 */
export class WattTimeSource implements CarbonIntensitySource {
  readonly name = 'watttime';
  readonly signal = 'marginal' as const;
  private readonly http: HttpOptions;
  private readonly baseUrl: string;
  private readonly basicAuth: string;
  private token: { value: string; expiresAtMs: number } | null = null;

  constructor(options: WattTimeOptions) {
    const { baseUrl, username, password, ...http } = options;
    if (username === '' || password === '') throw new Error('WattTimeSource: username and password are required');
    this.http = { ...DEFAULT_HTTP_OPTIONS, ...http };
    this.baseUrl = (baseUrl ?? WATTTIME_BASE_URL).replace(/\/+$/, '');
    this.basicAuth = 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  }

  private wtRegion(region: IntensityRegion): string {
    if (!region.wattTimeRegion)
      throw new UnsupportedRegionError(this.name, `region ${region.id} has no WattTime region`);
    return region.wattTimeRegion;
  }

  private async login(): Promise<string> {
    const url = `${this.baseUrl}/login`;
    const body = await getJson(
      this.name,
      url,
      { Authorization: this.basicAuth, Accept: 'application/json' },
      this.http,
    );
    const r = new ResponseReader(this.name, url);
    const token = r.string(r.object(body, 'body').token, 'token');
    this.token = { value: token, expiresAtMs: this.http.nowMs() + TOKEN_TTL_MS };
    return token;
  }

  /** GET with the bearer token; a 401 means the token expired early, so log in again once. */
  private async authorizedGet(url: string): Promise<unknown> {
    const cached = this.token !== null && this.token.expiresAtMs > this.http.nowMs() ? this.token.value : null;
    const token = cached ?? (await this.login());
    try {
      return await getJson(this.name, url, { Authorization: `Bearer ${token}`, Accept: 'application/json' }, this.http);
    } catch (err) {
      if (!(err instanceof SourceHttpError) || err.status !== 401 || cached === null) throw err;
      const fresh = await this.login();
      return getJson(this.name, url, { Authorization: `Bearer ${fresh}`, Accept: 'application/json' }, this.http);
    }
  }

  async fetchActuals({ fromMs, toMs, region }: ActualsRequest): Promise<IntensityPoint[]> {
    const wtRegion = this.wtRegion(region);
    const q = new URLSearchParams({
      region: wtRegion,
      start: new Date(fromMs).toISOString(),
      end: new Date(toMs).toISOString(),
      signal_type: 'co2_moer',
    });
    const url = `${this.baseUrl}/v3/historical?${q.toString()}`;
    const { points } = parseMoerResponse(await this.authorizedGet(url), url, wtRegion, false);
    return points
      .filter((p) => p.toMs > fromMs && p.fromMs < toMs)
      .map((p) => ({ ...p, kind: 'actual' as const, issuedAtMs: null, source: this.name }));
  }

  async fetchForecast({ nowMs, horizonMin, region }: ForecastRequest): Promise<IntensityPoint[]> {
    const wtRegion = this.wtRegion(region);
    const horizonHours = Math.min(MAX_HORIZON_HOURS, Math.max(0, Math.ceil(horizonMin / 60)));
    const q = new URLSearchParams({ region: wtRegion, signal_type: 'co2_moer', horizon_hours: String(horizonHours) });
    const url = `${this.baseUrl}/v3/forecast?${q.toString()}`;
    const { points, generatedAtMs } = parseMoerResponse(await this.authorizedGet(url), url, wtRegion, true);
    const endMs = nowMs + horizonMin * 60_000;
    return points
      .filter((p) => p.toMs > nowMs && p.fromMs < endMs)
      .map((p) => ({ ...p, kind: 'forecast' as const, issuedAtMs: generatedAtMs, source: this.name }));
  }
}

/**
 * `{ data: [{ point_time, value }], meta: { region, signal_type, units, data_point_period_seconds, generated_at? } }`.
 * Units must be `lbs_co2_per_mwh`: anything else is refused rather than converted by guess.
 */
export function parseMoerResponse(
  body: unknown,
  url: string,
  region: string,
  isForecast: boolean,
): { points: { fromMs: number; toMs: number; intensityGPerKWh: number }[]; generatedAtMs: number | null } {
  const r = new ResponseReader('watttime', url);
  const obj = r.object(body, 'body');
  const meta = r.object(obj.meta, 'meta');
  if (meta.region !== region)
    r.fail('meta.region', `is ${JSON.stringify(meta.region)}, expected ${JSON.stringify(region)}`);
  if (meta.signal_type !== 'co2_moer')
    r.fail('meta.signal_type', `is ${JSON.stringify(meta.signal_type)}, expected "co2_moer"`);
  if (meta.units !== 'lbs_co2_per_mwh')
    r.fail('meta.units', `is ${JSON.stringify(meta.units)}, expected "lbs_co2_per_mwh"`);
  const periodS = meta.data_point_period_seconds;
  if (typeof periodS !== 'number' || !Number.isInteger(periodS) || periodS <= 0) {
    r.fail('meta.data_point_period_seconds', `is not a positive integer (${JSON.stringify(periodS)})`);
  }
  const periodMs = (periodS as number) * 1000;
  const generatedAtMs = isForecast ? r.time(meta.generated_at, 'meta.generated_at') : null;
  const points = r.array(obj.data, 'data').map((item, i) => {
    const entry = r.object(item, `data[${i}]`);
    const fromMs = r.time(entry.point_time, `data[${i}].point_time`);
    const lbs = r.intensity(entry.value, `data[${i}].value`);
    return { fromMs, toMs: fromMs + periodMs, intensityGPerKWh: lbsPerMWhToGPerKWh(lbs) };
  });
  return { points, generatedAtMs };
}
