import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import type { QueryType } from '@carbonreducer/grafana-shared';

/** One query; the Go backend reads the same fields (pkg/models/settings.go `Query`). */
export interface CarbonQuery extends DataQuery {
  queryType: QueryType;
  homeId?: string;
  region?: string;
  deviceId?: string;
  field?: 'power_w' | 'energy_wh' | 'current_a' | 'voltage_v' | 'temperature_c';
  every?: '1m' | '5m' | '15m' | '30m' | '1h' | '1d';
  hours?: number;
  period?: 'day' | 'month';
  /** forecastAccuracy: the lead (slot end − issue time) the forecast is judged at. */
  horizon?: (typeof ACCURACY_HORIZONS)[number];
  /** leaderboard: the month ranked (YYYY-MM); unset: the month the dashboard range ends in. */
  month?: string;
}

/** The API's lead times (api/src/schemas.ts ACCURACY_HORIZONS; Go: pkg/plugin/queries.go accuracyHorizons). */
export const ACCURACY_HORIZONS = ['30m', '1h', '2h', '4h', '8h', '12h', '24h', '48h'] as const;

export const DEFAULT_QUERY: Partial<CarbonQuery> = { queryType: 'intensity', region: 'GB', hours: 48 };

/** Data source settings: the API URL is the data source URL; oauthPassThru forwards the signed-in user's token. */
export interface CarbonOptions extends DataSourceJsonData {
  oauthPassThru?: boolean;
}

/** Queries that need a home. */
export const HOME_QUERIES: readonly QueryType[] = ['telemetry', 'loadForecast', 'plan', 'savings'];

/** A template-variable query: `homes`, or `devices(<homeId>)`. */
export type VariableQuery = { kind: 'homes' } | { kind: 'devices'; homeId: string };

export function parseVariableQuery(text: string): VariableQuery | Error {
  const t = text.trim();
  if (t === '' || t === 'homes') return { kind: 'homes' };
  const m = /^devices\(\s*([^)\s]+)\s*\)$/.exec(t);
  if (m?.[1]) return { kind: 'devices', homeId: m[1] };
  return new Error(`variable query "${text}": write homes or devices(<homeId>)`);
}
