import { DAY_MS, errorMessage, HALF_HOUR_MS, HOUR_MS } from '@carbonreducer/common';
import type { RegularSeries } from '@carbonreducer/forecast';
import { InfluxIntensityQuery } from '@carbonreducer/intensity';
import { loadChampion, ModelRegistry, type ServingHistory } from '@carbonreducer/models';
import { BUCKETS, createInfluxClient, hourlyMeterPowerQuery, type InfluxSettings } from '@carbonreducer/influx';
import { checkHistory, fallbackForecast, servingSummary, type Sample, type ServedPoint } from '../domain/serving';
import type { IntensityForecastProvider, LoadForecaster } from '../ports';
import type { FallbackReason, ServedBy } from '../types';

/** Load history handed to the model: comfortably more than its lookback (one week). */
const HISTORY_DAYS = 8;
/**
 * Intensity history: the model's lookback plus the weeks its online recalibration replays to size the 80 % band
 * from its own recent errors (with less, it serves the bands fixed at training).
 */
const INTENSITY_HISTORY_DAYS = 31;

/**
 * A regular series from irregular points: each slot takes the latest point in it; slots without one stay NaN, as in
 * the backtest's series (the features treat NaN as missing), so a gap is served exactly as it was evaluated.
 */
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

/**
 * Inputs the champion must have before it serves (see checkHistory): a fresh newest slot, few missing slots, no long
 * gap (a source's own few-hour hole a week back is tolerated, as the backtest did; a third of the week is not).
 */
export const INTENSITY_INPUTS = { maxStaleMs: HOUR_MS, maxMissingShare: 0.02, maxGapSteps: 12 } as const;
export const LOAD_INPUTS = { maxStaleMs: 2 * HOUR_MS, maxMissingShare: 0.05, maxGapSteps: 6 } as const;
/**
 * Served when there is no history at all and no source forecast: every slot the same, so a plan runs at the earliest
 * start and claims no savings; the value only sets the emissions figures (about GB's 2023 average, gCO2/kWh).
 */
export const FLAT_INTENSITY_G_PER_KWH = 200;
/** The shipped intensity champion's windows (8 days + 1 slot; bands ~30 days), used when no champion loads. */
const DEFAULT_INTENSITY_HISTORY: ServingHistory = {
  stepMs: HALF_HOUR_MS,
  lookbackSteps: 385,
  calibrationSteps: 1056,
  pointsMs: 385 * HALF_HOUR_MS,
  bandsMs: 1441 * HALF_HOUR_MS,
};
const DEFAULT_LOAD_HISTORY: ServingHistory = {
  stepMs: HOUR_MS,
  lookbackSteps: 193,
  calibrationSteps: 0,
  pointsMs: 193 * HOUR_MS,
  bandsMs: 193 * HOUR_MS,
};

/** What a served forecaster needs of a loaded model (a LoadedForecaster, or a test double of one). */
export type ChampionLike = Pick<Champion, 'meta' | 'history' | 'forecast'>;

interface ServeArgs {
  /** The loaded champion, or why it could not be loaded. */
  champion: ChampionLike | { error: string };
  samples: Sample[];
  sinceMs: number;
  untilMs: number;
  stepMs: number;
  horizonH: number;
  inputs: { maxStaleMs: number; maxMissingShare: number; maxGapSteps: number };
  sourceForecast?: () => Promise<Sample[]>;
  flatValue: number;
}

interface Served {
  modelVersion: string;
  servedBy: ServedBy;
  fallbackReason: FallbackReason;
  detail: string;
  points: (ServedPoint & { time: string })[];
}

/**
 * The champion's forecast when its inputs are complete and fresh (checkHistory); otherwise the declared fallbacks
 * (fallbackForecast). A champion that fails to forecast is a fallback too: a home is never left without a forecast.
 */
async function serve(args: ServeArgs): Promise<Served> {
  const { stepMs, untilMs } = args;
  const originMs = Math.floor(untilMs / stepMs) * stepMs;
  const steps = Math.floor((args.horizonH * HOUR_MS) / stepMs);
  let reason: FallbackReason;
  let detail: string;
  if ('error' in args.champion) {
    reason = 'champion_unavailable';
    detail = args.champion.error;
  } else {
    const champion = args.champion;
    const check = checkHistory(args.samples, originMs, {
      stepMs,
      lookbackSteps: champion.history.lookbackSteps,
      ...args.inputs,
    });
    if (check.ok) {
      try {
        const history = toRegularSeries(args.samples, args.sinceMs, untilMs, stepMs);
        const points = await champion.forecast(history, untilMs, args.horizonH * HOUR_MS);
        return {
          modelVersion: champion.meta.version,
          servedBy: 'champion',
          fallbackReason: 'none',
          detail: `${check.missingSlots} of ${champion.history.lookbackSteps} input slots missing`,
          points: points.map((p) => ({
            fromMs: p.fromMs,
            time: new Date(p.fromMs).toISOString(),
            value: p.point,
            lower: p.lower,
            upper: p.upper,
            servedBy: 'champion',
            fallbackReason: 'none',
          })),
        };
      } catch (err) {
        reason = 'champion_failed';
        detail = errorMessage(err);
      }
    } else {
      reason = check.reason;
      detail = check.detail;
    }
  }
  const sourceForecast = args.sourceForecast ? await args.sourceForecast() : [];
  const points = fallbackForecast({
    originMs,
    stepMs,
    steps,
    actuals: args.samples,
    sourceForecast,
    reason,
    flatValue: args.flatValue,
  }).map((p) => ({ ...p, time: new Date(p.fromMs).toISOString() }));
  const { servedBy } = servingSummary(points);
  return { modelVersion: servedBy, servedBy, fallbackReason: reason, detail, points };
}

async function loadOrReason(load: () => Promise<ChampionLike>): Promise<ChampionLike | { error: string }> {
  try {
    return await load();
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** Where a served intensity forecaster reads its inputs (InfluxDB in the worker, plain data in unit tests). */
export interface IntensityInputs {
  champion(): Promise<ChampionLike>;
  actuals(args: { region: string; sinceMs: number; untilMs: number }): Promise<Sample[]>;
  /** The source's latest published forecast for slots from `nowMs` on. */
  sourceForecast(args: { region: string; nowMs: number }): Promise<Sample[]>;
}

/** The served intensity forecaster over its inputs: champion when complete, else the declared fallbacks. */
export function createServedIntensityForecaster(inputs: IntensityInputs): IntensityForecastProvider {
  return {
    async historyNeeds() {
      const champion = await loadOrReason(inputs.champion);
      const h = 'error' in champion ? DEFAULT_INTENSITY_HISTORY : champion.history;
      return { stepMs: h.stepMs, pointsMs: h.pointsMs, bandsMs: h.bandsMs };
    },
    async forecast({ region, issuedAt, horizonH }) {
      const champion = await loadOrReason(inputs.champion);
      const history = 'error' in champion ? DEFAULT_INTENSITY_HISTORY : champion.history;
      const untilMs = issuedAt.getTime();
      const sinceMs = untilMs - Math.max(history.bandsMs, INTENSITY_HISTORY_DAYS * DAY_MS);
      const samples = await inputs.actuals({ region, sinceMs, untilMs });
      const served = await serve({
        champion,
        samples,
        sinceMs,
        untilMs,
        stepMs: HALF_HOUR_MS,
        horizonH,
        inputs: INTENSITY_INPUTS,
        sourceForecast: () => inputs.sourceForecast({ region, nowMs: untilMs }),
        flatValue: FLAT_INTENSITY_G_PER_KWH,
      });
      return {
        region,
        issuedAt: issuedAt.toISOString(),
        modelVersion: served.modelVersion,
        servedBy: served.servedBy,
        fallbackReason: served.fallbackReason,
        detail: served.detail,
        points: served.points.map((p) => ({
          time: p.time,
          intensityGPerKWh: p.value,
          ...(p.lower !== undefined ? { lowerGPerKWh: p.lower } : {}),
          ...(p.upper !== undefined ? { upperGPerKWh: p.upper } : {}),
          servedBy: p.servedBy,
          fallbackReason: p.fallbackReason,
        })),
      };
    },
  };
}

/**
 * The intensity champion from the model registry (looked up on every call, so a promotion takes effect without a
 * restart), fed with the actuals stored by the ingest workflow; the source's stored forecast is the first fallback.
 */
export function createChampionIntensityForecaster(
  settings: InfluxSettings,
  registryRoot?: string,
): IntensityForecastProvider {
  const query = new InfluxIntensityQuery({ ...settings, bucket: BUCKETS.carbonIntensity });
  const currentChampion = championCache('intensity', registryRoot);
  return createServedIntensityForecaster({
    champion: currentChampion,
    async actuals({ region, sinceMs, untilMs }) {
      const actuals = await query.recentActuals({ regionId: region, sinceMs, untilMs });
      return actuals.map((p) => ({ timeMs: p.fromMs, value: p.intensityGPerKWh }));
    },
    async sourceForecast({ region, nowMs }) {
      const points = await query.latestForecast({ regionId: region, nowMs });
      return points.filter((p) => p.fromMs >= nowMs).map((p) => ({ timeMs: p.fromMs, value: p.intensityGPerKWh }));
    },
  });
}

/** Where a served load forecaster reads a home's history: hourly kWh samples (slot start, kWh). */
export interface LoadInputs {
  champion(): Promise<ChampionLike>;
  hourlyKWh(args: { homeId: string; sinceMs: number; untilMs: number }): Promise<Sample[]>;
}

export function createServedLoadForecaster(inputs: LoadInputs): LoadForecaster {
  return {
    async forecast({ homeId, issuedAt, horizonH }) {
      const champion = await loadOrReason(inputs.champion);
      const history = 'error' in champion ? DEFAULT_LOAD_HISTORY : champion.history;
      const untilMs = issuedAt.getTime();
      const sinceMs = untilMs - Math.max(history.bandsMs, HISTORY_DAYS * DAY_MS);
      const samples = await inputs.hourlyKWh({ homeId, sinceMs, untilMs });
      const served = await serve({
        champion,
        samples,
        sinceMs,
        untilMs,
        stepMs: HOUR_MS,
        horizonH,
        inputs: LOAD_INPUTS,
        // No history at all: 0 W base load, as a home without telemetry has always been planned.
        flatValue: 0,
      });
      return {
        homeId,
        issuedAt: issuedAt.toISOString(),
        modelVersion: served.modelVersion,
        servedBy: served.servedBy,
        fallbackReason: served.fallbackReason,
        detail: served.detail,
        points: served.points.map((p) => ({
          time: p.time,
          powerW: p.value * 1000,
          servedBy: p.servedBy,
          fallbackReason: p.fallbackReason,
        })),
      };
    },
  };
}

/** The load champion, fed with each home's metered power from the telemetry bucket as hourly kWh. */
export function createChampionLoadForecaster(settings: InfluxSettings, registryRoot?: string): LoadForecaster {
  const queryApi = createInfluxClient(settings).getQueryApi(settings.org);
  return createServedLoadForecaster({
    champion: championCache('load', registryRoot),
    async hourlyKWh({ homeId, sinceMs, untilMs }) {
      const q = hourlyMeterPowerQuery(BUCKETS.telemetry, { homeId, startMs: sinceMs, stopMs: untilMs });
      const rows = await queryApi.collectRows<{ _time: string; _value: number }>(q);
      // aggregateWindow stamps a window with its end; mean W over an hour is Wh, /1000 kWh.
      return rows.map((r) => ({ timeMs: Date.parse(r._time) - HOUR_MS, value: Number(r._value) / 1000 }));
    },
  });
}
