import { HALF_HOUR_MS, HOUR_MS } from '@carbonreducer/common';
import type { RegularSeries } from '@carbonreducer/forecast';
import { InfluxIntensityQuery } from '@carbonreducer/intensity';
import { loadChampion, ModelRegistry } from '@carbonreducer/models';
import { BUCKETS, createInfluxClient, hourlyMeterPowerQuery, type InfluxSettings } from '@carbonreducer/influx';
import type { IntensityForecastProvider, LoadForecaster } from '../ports';

/** Load history handed to the model: comfortably more than its lookback (one week). */
const HISTORY_DAYS = 8;
/**
 * Intensity history: the model's lookback plus the weeks its online recalibration replays to size the 80 % band
 * from its own recent errors (with less, it serves the bands fixed at training).
 */
const INTENSITY_HISTORY_DAYS = 31;

/** A regular series from irregular points: each slot takes the latest point in it, gaps carry the previous value. */
export function toRegularSeries(
  points: { timeMs: number; value: number }[],
  fromMs: number,
  toMs: number,
  stepMs: number,
): RegularSeries {
  const startMs = Math.floor(fromMs / stepMs) * stepMs;
  const n = Math.max(0, Math.floor((toMs - startMs) / stepMs));
  const values = new Float64Array(n).fill(Number.NaN);
  for (const p of points) {
    const i = Math.floor((p.timeMs - startMs) / stepMs);
    if (i >= 0 && i < n) values[i] = p.value;
  }
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) values[i] = last;
    else last = values[i]!;
  }
  const first = values.findIndex((v) => !Number.isNaN(v));
  if (first < 0)
    throw new Error(`no history between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`);
  return { startMs: startMs + first * stepMs, stepMs, values: values.slice(first) };
}

type Champion = Awaited<ReturnType<typeof loadChampion>>;

/**
 * The current champion of a target, loaded once per version: each call reads only champion.json (a promotion is
 * picked up on the next call, without a restart) and reuses the ONNX session while the version is unchanged, so a
 * forecast for many homes opens the model once instead of once per home.
 */
export function championCache(target: 'intensity' | 'load', registryRoot?: string): () => Promise<Champion> {
  const registry = new ModelRegistry(registryRoot);
  let cached: { version: string; champion: Promise<Champion> } | undefined;
  return async () => {
    const current = await registry.champion(target);
    if (current === null || cached?.version !== current.version) {
      const champion = loadChampion(target, registryRoot);
      cached = current === null ? undefined : { version: current.version, champion };
      // A failed load is not kept: the next call tries again.
      champion.catch(() => {
        if (cached?.champion === champion) cached = undefined;
      });
      return champion;
    }
    return cached.champion;
  };
}

/** The champion's point forecast for `horizonH` after `untilMs`, from raw samples regularised to the model's step. */
async function forecastSeries(
  champion: Champion,
  samples: { timeMs: number; value: number }[],
  window: { sinceMs: number; untilMs: number; stepMs: number; horizonH: number },
): Promise<{ modelVersion: string; points: { time: string; value: number }[] }> {
  const history = toRegularSeries(samples, window.sinceMs, window.untilMs, window.stepMs);
  const points = await champion.forecast(history, window.untilMs, window.horizonH * HOUR_MS);
  return {
    modelVersion: champion.meta.version,
    points: points.map((p) => ({ time: new Date(p.fromMs).toISOString(), value: p.point })),
  };
}

/**
 * The intensity champion from the model registry (looked up on every call, so a promotion takes effect without a
 * restart), fed with the actuals stored by the ingest workflow.
 */
export function createChampionIntensityForecaster(
  settings: InfluxSettings,
  registryRoot?: string,
): IntensityForecastProvider {
  const query = new InfluxIntensityQuery({ ...settings, bucket: BUCKETS.carbonIntensity });
  const currentChampion = championCache('intensity', registryRoot);
  return {
    async forecast({ region, issuedAt, horizonH }) {
      const champion = await currentChampion();
      const untilMs = issuedAt.getTime();
      const sinceMs = untilMs - INTENSITY_HISTORY_DAYS * 24 * HOUR_MS;
      const actuals = await query.recentActuals({ regionId: region, sinceMs, untilMs });
      const samples = actuals.map((p) => ({ timeMs: p.fromMs, value: p.intensityGPerKWh }));
      const forecast = await forecastSeries(champion, samples, { sinceMs, untilMs, stepMs: HALF_HOUR_MS, horizonH });
      return {
        region,
        issuedAt: issuedAt.toISOString(),
        modelVersion: forecast.modelVersion,
        points: forecast.points.map((p) => ({ time: p.time, intensityGPerKWh: p.value })),
      };
    },
  };
}

/** The load champion, fed with each home's metered power from the telemetry bucket as hourly kWh. */
export function createChampionLoadForecaster(settings: InfluxSettings, registryRoot?: string): LoadForecaster {
  const queryApi = createInfluxClient(settings).getQueryApi(settings.org);
  const currentChampion = championCache('load', registryRoot);
  return {
    async forecast({ homeId, issuedAt, horizonH }) {
      const champion = await currentChampion();
      const untilMs = issuedAt.getTime();
      const sinceMs = untilMs - HISTORY_DAYS * 24 * HOUR_MS;
      const q = hourlyMeterPowerQuery(BUCKETS.telemetry, { homeId, startMs: sinceMs, stopMs: untilMs });
      const rows = await queryApi.collectRows<{ _time: string; _value: number }>(q);
      // aggregateWindow stamps a window with its end; mean W over an hour is Wh, /1000 kWh.
      const samples = rows.map((r) => ({ timeMs: Date.parse(r._time) - HOUR_MS, value: Number(r._value) / 1000 }));
      const forecast = await forecastSeries(champion, samples, { sinceMs, untilMs, stepMs: HOUR_MS, horizonH });
      return {
        homeId,
        issuedAt: issuedAt.toISOString(),
        modelVersion: forecast.modelVersion,
        points: forecast.points.map((p) => ({ time: p.time, powerW: p.value * 1000 })),
      };
    },
  };
}
