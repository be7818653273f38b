import { getBackendSrv } from '@grafana/runtime';
import type {
  ApiHomeList,
  ApiIntensityForecast,
  ApiLeaderboard,
  ApiMe,
  ApiOverrideResult,
  ApiPareto,
  ApiPins,
  ApiPlan,
  ApiPreferences,
  ApiReport,
  ApiRunPlanned,
  ApiRunRequest,
} from '@carbonreducer/grafana-shared';

/** One reason of a refusal, as the API's problem+json `errors` give it (the optimizer's validator decides). */
export interface ConsoleApiReason {
  code: string;
  message: string;
  field?: string;
}

/** Error of a resource call, with the API's problem code, detail and reasons when it sent them. */
export class ConsoleApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly detail?: string,
    readonly reasons: ConsoleApiReason[] = [],
    options?: { cause?: unknown }
  ) {
    super(message, options);
  }
}

function toError(err: unknown, what: string): ConsoleApiError {
  const e = err as {
    status?: number;
    data?: { code?: string; detail?: string; title?: string; message?: string; errors?: unknown };
  };
  const detail =
    e?.data?.detail ?? e?.data?.title ?? e?.data?.message ?? (err instanceof Error ? err.message : 'failed');
  const reasons = Array.isArray(e?.data?.errors)
    ? (e.data.errors as unknown[]).flatMap((r) => {
        const x = r as Partial<ConsoleApiReason>;
        return typeof x?.code === 'string'
          ? [{ code: x.code, message: typeof x.message === 'string' ? x.message : '', field: x.field }]
          : [];
      })
    : [];
  return new ConsoleApiError(`${what}: ${detail}`, e?.status ?? 0, e?.data?.code, detail, reasons, { cause: err });
}

/**
 * An action's failure in words. A refusal (the API answered 404, 409 or 422: the run is unknown, the optimizer's
 * validator said no, the body was wrong) shows the API's reason and its stable codes, e.g. "Pin refused: run dw: the
 * 120 min cycle does not fit … (window_too_short)"; anything else (API or Grafana unreachable) its message.
 */
export function failureWords(action: string, err: unknown): string {
  if (err instanceof ConsoleApiError && [404, 409, 422].includes(err.status)) {
    const codes = err.reasons.length > 0 ? err.reasons.map((r) => r.code) : err.code ? [err.code] : [];
    return `${action} refused: ${err.detail ?? err.message}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * The console's calls, all through the data source's resource routes (/api/datasources/uid/{uid}/resources/…), so
 * they reach the API with the signed-in user's token: Grafana forwards it to data sources only, never to apps.
 */
export function createConsoleApi(datasourceUid: string) {
  const base = `/api/datasources/uid/${encodeURIComponent(datasourceUid)}/resources`;
  const srv = () => getBackendSrv();
  const opts = { showErrorAlert: false, showSuccessAlert: false };
  const get = async <T>(path: string, params?: Record<string, string>): Promise<T> => {
    try {
      return (await srv().get(`${base}/${path}`, params, undefined, opts)) as T;
    } catch (err) {
      throw toError(err, `GET ${path}`);
    }
  };
  const send = async <T>(method: 'post' | 'put', path: string, body: unknown): Promise<T> => {
    try {
      return (await srv()[method](`${base}/${path}`, body, opts)) as T;
    } catch (err) {
      throw toError(err, `${method.toUpperCase()} ${path}`);
    }
  };
  const home = (id: string) => `homes/${encodeURIComponent(id)}`;
  const runPath = (homeId: string, requestId: string) => `${home(homeId)}/runs/${encodeURIComponent(requestId)}`;
  return {
    me: () => get<ApiMe>('me'),
    homes: () => get<ApiHomeList>('homes'),
    plan: (homeId: string) => get<ApiPlan>(`${home(homeId)}/plan`),
    intensity: (region: string, hours = 48) =>
      get<ApiIntensityForecast>(`intensity/${region}`, { hours: String(hours) }),
    requestRun: (homeId: string, body: ApiRunRequest) => send<ApiRunPlanned>('post', `${home(homeId)}/runs`, body),
    startNow: (homeId: string, requestId: string) =>
      send<ApiOverrideResult>('post', `${runPath(homeId, requestId)}/start-now`, {}),
    cancel: (homeId: string, requestId: string) =>
      send<ApiOverrideResult>('post', `${runPath(homeId, requestId)}/cancel`, {}),
    pin: (homeId: string, requestId: string, window: { from: string; to: string }) =>
      send<ApiOverrideResult>('post', `${runPath(homeId, requestId)}/pin`, window),
    pins: (homeId: string, body: ApiPins) => send<ApiOverrideResult>('post', `${home(homeId)}/pins`, body),
    pareto: (homeId: string, co2PricesPerKg?: number[]) =>
      get<ApiPareto>(
        `${home(homeId)}/pareto`,
        co2PricesPerKg ? { co2PricesPerKg: co2PricesPerKg.join(',') } : undefined
      ),
    preferences: (homeId: string) => get<ApiPreferences>(`${home(homeId)}/preferences`),
    putPreferences: (homeId: string, p: ApiPreferences) =>
      send<ApiPreferences>('put', `${home(homeId)}/preferences`, p),
    report: (homeId: string, period: 'day' | 'month', from: string, to: string) =>
      get<ApiReport>(`${home(homeId)}/report`, { period, from, to }),
    leaderboard: (month: string) => get<ApiLeaderboard>('leaderboard', { month }),
  };
}

export type ConsoleApi = ReturnType<typeof createConsoleApi>;
