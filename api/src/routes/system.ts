import type { AppDeps } from '../deps';
import { route, type AnyRoute } from '../http/route';
import { Health } from '../schemas';

interface DepState {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** `/healthz`: each dependency's state (200 when all answer, 503 when one does not); public, like the spec. */
export function systemRoutes(deps: AppDeps, openapi: () => unknown): AnyRoute[] {
  const probes: Record<string, () => Promise<void>> = {
    postgres: () => deps.directory.ping(),
    mqtt: () => deps.broker.ping(),
    influxdb: () => deps.series.ping(),
    temporal: () => deps.planner.ping(),
  };
  return [
    route({
      id: 'healthz',
      method: 'get',
      path: '/healthz',
      summary: 'Health of the API and each dependency',
      tag: 'system',
      access: { kind: 'public' },
      response: {
        status: 200,
        description: 'All dependencies answer (503 with the same body when one does not)',
        schema: Health,
      },
      handler: async () => {
        const entries = await Promise.all(
          Object.entries(probes).map(async ([name, probe]) => {
            const t0 = performance.now();
            try {
              await withTimeout(probe(), 3000);
              return [name, { ok: true, latencyMs: Math.round(performance.now() - t0) }] as [string, DepState];
            } catch (err) {
              return [name, { ok: false, error: describe(err) }] as [string, DepState];
            }
          }),
        );
        const ok = entries.every(([, s]) => s.ok);
        return {
          status: ok ? 200 : 503,
          body: { status: ok ? ('ok' as const) : ('degraded' as const), dependencies: Object.fromEntries(entries) },
        };
      },
    }),
    route({
      id: 'openapi',
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document (OpenAPI 3.1)',
      tag: 'system',
      access: { kind: 'public' },
      response: { status: 200, description: 'The OpenAPI document' },
      handler: async () => ({ text: JSON.stringify(openapi()), headers: { 'Content-Type': 'application/json' } }),
    }),
    route({
      id: 'metrics',
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics: requests, latency histogram, auth failures by reason',
      tag: 'system',
      access: { kind: 'secret', secret: 'metrics' },
      response: {
        status: 200,
        description: 'Prometheus text exposition format',
        contentType: 'text/plain; version=0.0.4',
      },
      handler: async () => ({
        text: await deps.metrics.registry.metrics(),
        headers: { 'Content-Type': deps.metrics.registry.contentType },
      }),
    }),
  ];
}

/** The error and its cause, which usually says what actually failed (ECONNREFUSED, auth). */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return message + cause;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
