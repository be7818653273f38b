import { INFLUX_ORG } from '@carbonreducer/influx';
import { IntensityConfigError } from './errors';
import type { IntensityRegion } from './types';

export const SOURCE_NAMES = ['neso', 'electricitymaps', 'watttime', 'file'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface IntensityConfig {
  /** Fallback order. */
  sources: SourceName[];
  region: IntensityRegion;
  http: { timeoutMs: number; retries: number };
  neso: { baseUrl?: string };
  electricityMaps: { apiKey: string; baseUrl?: string } | null;
  wattTime: { username: string; password: string; baseUrl?: string } | null;
  file: { files: string[]; replay: boolean };
  /** Actuals fetched for the last N hours, forecast horizon in hours. */
  actualsHours: number;
  forecastHours: number;
  /** Backfill of missing actuals for the history the served models read (off: only the last `actualsHours`). */
  backfill: { enabled: boolean; chunkHours: number };
  influx: { url: string; org: string; token: string; bucket: string } | null;
}

type Env = Record<string, string | undefined>;

function value(env: Env, key: string): string | undefined {
  const v = env[key]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function required(env: Env, key: string, why: string): string {
  const v = value(env, key);
  if (v === undefined) throw new IntensityConfigError(`${key} is required ${why}`);
  return v;
}

function positiveInt(env: Env, key: string, fallback: number, max: number): number {
  const raw = value(env, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new IntensityConfigError(`${key}=${raw} is not an integer between 0 and ${max}`);
  }
  return n;
}

function url(env: Env, key: string): string | undefined {
  const raw = value(env, key);
  if (raw === undefined) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new IntensityConfigError(`${key}=${raw} is not an http(s) URL`);
  }
  return raw;
}

/**
 * Reads and validates the carbon-intensity settings from the environment, once, at the edge (worker, CLI):
 * - `INTENSITY_SOURCES` (default `neso,file`): fallback order, any of neso, electricitymaps, watttime, file
 * - `INTENSITY_REGION` (default `GB`): the `region` tag; `NESO_REGION` `national` (default) or 1–17;
 *   `ELECTRICITYMAPS_ZONE` (default `GB`); `WATTTIME_REGION` (no default); `INTENSITY_FILE_REGION` (default `GB`)
 * - `ELECTRICITYMAPS_API_KEY` (when electricitymaps is listed), `WATTTIME_USERNAME`/`WATTTIME_PASSWORD` (watttime)
 * - `NESO_BASE_URL`, `ELECTRICITYMAPS_BASE_URL`, `WATTTIME_BASE_URL` (optional overrides)
 * - `INTENSITY_FILES` (comma-separated, relative to `$CARBONREDUCER_DATA`), `INTENSITY_FILE_REPLAY` (default true)
 * - `INTENSITY_HTTP_TIMEOUT_MS` (10000), `INTENSITY_HTTP_RETRIES` (3), `INTENSITY_ACTUALS_HOURS` (24),
 *   `INTENSITY_FORECAST_HOURS` (48)
 * - `INTENSITY_BACKFILL` (default true), `INTENSITY_BACKFILL_CHUNK_H` (hours per backfill request, default 48)
 * - `INFLUX_URL`, `INFLUX_TOKEN`, `INFLUX_ORG` (default carbonreducer), `INFLUX_BUCKET` (default carbon_intensity):
 *   all optional together, but a URL without a token is an error
 */
export function loadIntensityConfig(env: Env = process.env): IntensityConfig {
  const sourcesRaw = value(env, 'INTENSITY_SOURCES') ?? 'neso,file';
  const sources = sourcesRaw.split(',').map((s) => s.trim().toLowerCase());
  for (const s of sources) {
    if (!(SOURCE_NAMES as readonly string[]).includes(s)) {
      throw new IntensityConfigError(
        `INTENSITY_SOURCES: unknown source ${JSON.stringify(s)} (known: ${SOURCE_NAMES.join(', ')})`,
      );
    }
  }
  if (new Set(sources).size !== sources.length)
    throw new IntensityConfigError(`INTENSITY_SOURCES lists a source twice: ${sourcesRaw}`);
  const typed = sources as SourceName[];

  const nesoRaw = value(env, 'NESO_REGION') ?? 'national';
  let neso: IntensityRegion['neso'];
  if (nesoRaw === 'national') neso = 'national';
  else {
    const id = Number(nesoRaw);
    if (!Number.isInteger(id) || id < 1 || id > 17) {
      throw new IntensityConfigError(`NESO_REGION=${nesoRaw} is neither "national" nor a NESO region id 1–17`);
    }
    neso = { regionId: id };
  }
  const region: IntensityRegion = {
    id: value(env, 'INTENSITY_REGION') ?? 'GB',
    neso,
    electricityMapsZone: value(env, 'ELECTRICITYMAPS_ZONE') ?? 'GB',
    fileRegion: value(env, 'INTENSITY_FILE_REGION') ?? 'GB',
  };
  const wattTimeRegion = value(env, 'WATTTIME_REGION');
  if (wattTimeRegion !== undefined) region.wattTimeRegion = wattTimeRegion;

  const emUrl = url(env, 'ELECTRICITYMAPS_BASE_URL');
  const electricityMaps = typed.includes('electricitymaps')
    ? {
        apiKey: required(env, 'ELECTRICITYMAPS_API_KEY', 'when INTENSITY_SOURCES lists electricitymaps'),
        ...(emUrl ? { baseUrl: emUrl } : {}),
      }
    : null;
  const wtUrl = url(env, 'WATTTIME_BASE_URL');
  const wattTime = typed.includes('watttime')
    ? {
        username: required(env, 'WATTTIME_USERNAME', 'when INTENSITY_SOURCES lists watttime'),
        password: required(env, 'WATTTIME_PASSWORD', 'when INTENSITY_SOURCES lists watttime'),
        ...(wtUrl ? { baseUrl: wtUrl } : {}),
      }
    : null;
  if (typed.includes('watttime') && wattTimeRegion === undefined) {
    throw new IntensityConfigError(
      'WATTTIME_REGION (a WattTime region such as CAISO_NORTH) is required when INTENSITY_SOURCES lists watttime',
    );
  }

  const replayRaw = (value(env, 'INTENSITY_FILE_REPLAY') ?? 'true').toLowerCase();
  if (replayRaw !== 'true' && replayRaw !== 'false') {
    throw new IntensityConfigError(`INTENSITY_FILE_REPLAY=${replayRaw} must be true or false`);
  }
  const files = (value(env, 'INTENSITY_FILES') ?? 'carbon-intensity/neso-gb-national-2023H1.csv')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');

  const influxUrl = url(env, 'INFLUX_URL');
  const influx = influxUrl
    ? {
        url: influxUrl,
        token: required(env, 'INFLUX_TOKEN', 'when INFLUX_URL is set'),
        org: value(env, 'INFLUX_ORG') ?? INFLUX_ORG,
        bucket: value(env, 'INFLUX_BUCKET') ?? 'carbon_intensity',
      }
    : null;

  const backfillRaw = (value(env, 'INTENSITY_BACKFILL') ?? 'true').toLowerCase();
  if (backfillRaw !== 'true' && backfillRaw !== 'false') {
    throw new IntensityConfigError(`INTENSITY_BACKFILL=${backfillRaw} must be true or false`);
  }
  const chunkHours = positiveInt(env, 'INTENSITY_BACKFILL_CHUNK_H', 48, 24 * 14);
  if (chunkHours < 1) throw new IntensityConfigError('INTENSITY_BACKFILL_CHUNK_H must be at least 1');

  const nesoUrl = url(env, 'NESO_BASE_URL');
  return {
    sources: typed,
    region,
    http: {
      timeoutMs: positiveInt(env, 'INTENSITY_HTTP_TIMEOUT_MS', 10_000, 120_000),
      retries: positiveInt(env, 'INTENSITY_HTTP_RETRIES', 3, 10),
    },
    neso: nesoUrl ? { baseUrl: nesoUrl } : {},
    electricityMaps,
    wattTime,
    file: { files, replay: replayRaw === 'true' },
    actualsHours: positiveInt(env, 'INTENSITY_ACTUALS_HOURS', 24, 24 * 10),
    forecastHours: positiveInt(env, 'INTENSITY_FORECAST_HOURS', 48, 72),
    backfill: { enabled: backfillRaw === 'true', chunkHours },
    influx,
  };
}
