import { errorMessage } from '@carbonreducer/common';
import { SourceHttpError, SourceNetworkError, SourceResponseError } from './errors';

/** The subset of the WHATWG fetch that the clients use; Node 20's global `fetch` fits, tests pass a fake. */
export type FetchLike = (
  url: string,
  init: { method: 'GET'; headers: Record<string, string>; signal: AbortSignal },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface HttpOptions {
  fetch: FetchLike;
  /** Per attempt, ms. */
  timeoutMs: number;
  /** Extra attempts after the first, on 429, 5xx, timeouts and network errors. */
  retries: number;
  /** First backoff delay in ms; doubles each retry. A Retry-After header overrides it (capped at maxDelayMs). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Waits `ms`; injected so tests do not sleep. */
  sleep: (ms: number) => Promise<void>;
  /** The wall clock, to interpret an HTTP-date Retry-After. */
  nowMs: () => number;
}

export const DEFAULT_HTTP_OPTIONS: Omit<HttpOptions, 'fetch'> = {
  timeoutMs: 10_000,
  retries: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  nowMs: () => Date.now(),
};

const SECRET_PARAMS = /^(token|key|api[-_]?key|auth[-_]?token|password|access_token)$/i;

/** The URL with credentials and secret-looking query parameters replaced, safe for errors and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    for (const key of [...u.searchParams.keys()]) if (SECRET_PARAMS.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return url.replace(/\?.*$/, '?…');
  }
}

/** Delay before the next attempt: Retry-After (seconds or HTTP-date) if present and sane, else exponential backoff. */
export function retryDelayMs(retryAfter: string | null, attempt: number, options: Omit<HttpOptions, 'fetch'>): number {
  const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  if (retryAfter === null || retryAfter.trim() === '') return backoff;
  const value = retryAfter.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(options.maxDelayMs, Math.round(Number(value) * 1000));
  const dateMs = Date.parse(value);
  if (Number.isFinite(dateMs)) return Math.min(options.maxDelayMs, Math.max(0, dateMs - options.nowMs()));
  return backoff;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * GETs `url` and parses the JSON body, retrying transient failures. Every failure becomes an IntensitySourceError
 * naming the source, the status and the URL without secrets (headers carry the credentials, never the URL).
 * A 4xx other than 429 is not retried: asking again would not change the answer.
 */
export async function getJson(
  source: string,
  url: string,
  headers: Record<string, string>,
  options: HttpOptions,
): Promise<unknown> {
  const safeUrl = redactUrl(url);
  const attemptsAllowed = options.retries + 1;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    let status: number;
    let body: string;
    let retryAfter: string | null;
    try {
      const response = await options.fetch(url, { method: 'GET', headers, signal: controller.signal });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      body = await response.text();
    } catch (err) {
      const detail = controller.signal.aborted ? `timed out after ${options.timeoutMs} ms` : errorMessage(err);
      if (attempt < attemptsAllowed) {
        await options.sleep(retryDelayMs(null, attempt, options));
        continue;
      }
      throw new SourceNetworkError(source, safeUrl, detail, attempt, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(body) as unknown;
      } catch {
        throw new SourceResponseError(source, safeUrl, 'body', `is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
      }
    }
    if (isRetryableStatus(status) && attempt < attemptsAllowed) {
      await options.sleep(retryDelayMs(retryAfter, attempt, options));
      continue;
    }
    throw new SourceHttpError(source, status, safeUrl, summarizeErrorBody(body), attempt);
  }
}

/** A short excerpt of an error body (APIs put their reason there), never more than 200 characters. */
function summarizeErrorBody(body: string): string {
  const trimmed = body.trim().replace(/\s+/g, ' ');
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}

/** Small validators that say exactly where a response departs from the documented shape. */
export class ResponseReader {
  constructor(
    private readonly source: string,
    private readonly url: string,
  ) {}

  fail(path: string, problem: string): never {
    throw new SourceResponseError(this.source, redactUrl(this.url), path, problem);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(path, `is not an object (${describe(value)})`);
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `is not an array (${describe(value)})`);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, `is not a non-empty string (${describe(value)})`);
    return value;
  }

  /** A finite, non-negative number: carbon intensities are never negative and never NaN. */
  intensity(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(path, `is not a finite number (${describe(value)})`);
    if (value < 0) this.fail(path, `is negative (${value})`);
    return value;
  }

  /** An ISO-8601 timestamp with an explicit zone (`Z` or `±hh:mm`), as ms since epoch. */
  time(value: unknown, path: string): number {
    const text = this.string(value, path);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
      this.fail(path, `is not an ISO-8601 UTC timestamp (${JSON.stringify(text)})`);
    }
    const ms = Date.parse(text);
    if (!Number.isFinite(ms)) this.fail(path, `is not a valid date (${JSON.stringify(text)})`);
    return ms;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
