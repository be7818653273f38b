import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FetchLike } from '../http';

export const FIXTURES_DIR = resolve(__dirname, '..', '..', 'fixtures');

/** The text of a fixture under libs/intensity/fixtures. */
export function fixture(relative: string): string {
  return readFileSync(resolve(FIXTURES_DIR, relative), 'utf8');
}

export type FakeResponse =
  | { status: number; body: string; headers?: Record<string, string> }
  /** Never answers; rejects when the caller aborts (to exercise timeouts). */
  | { hang: true }
  /** Fails like a network error. */
  | { networkError: string };

/**
 * A fetch that serves queued responses per exact URL and records every call. An unexpected URL or a URL whose
 * queue is empty answers 599 with a message naming it, so a test fails loudly instead of passing by accident.
 */
export class FakeFetch {
  readonly calls: { url: string; headers: Record<string, string> }[] = [];
  private readonly routes = new Map<string, FakeResponse[]>();

  on(url: string, ...responses: FakeResponse[]): this {
    this.routes.set(url, [...(this.routes.get(url) ?? []), ...responses]);
    return this;
  }

  readonly fetch: FetchLike = (url, init) => {
    this.calls.push({ url, headers: init.headers });
    const next = this.routes.get(url)?.shift();
    if (next === undefined) {
      return Promise.resolve(textResponse(599, `FakeFetch: no response queued for ${url}`, {}));
    }
    if ('hang' in next) {
      return new Promise((_, reject) => {
        init.signal.addEventListener('abort', () => reject(new Error('The operation was aborted')));
      });
    }
    if ('networkError' in next) return Promise.reject(new TypeError(next.networkError));
    return Promise.resolve(textResponse(next.status, next.body, next.headers ?? {}));
  };

  pending(): string[] {
    return [...this.routes.entries()].filter(([, q]) => q.length > 0).map(([url]) => url);
  }
}

function textResponse(status: number, body: string, headers: Record<string, string>) {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    headers: { get: (name: string) => lower.get(name.toLowerCase()) ?? null },
    text: () => Promise.resolve(body),
  };
}

export const ok = (relative: string): FakeResponse => ({ status: 200, body: fixture(relative) });

/** Options that make retries instant and record the delays asked for. */
export function instantHttp(fake: FakeFetch, sleeps: number[] = []) {
  return {
    fetch: fake.fetch,
    timeoutMs: 50,
    retries: 2,
    baseDelayMs: 100,
    maxDelayMs: 10_000,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    nowMs: () => Date.parse('2023-03-01T03:00:00Z'),
  };
}
