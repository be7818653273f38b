import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's Prometheus metrics (text exposition at /metrics). One registry per app, so tests do not share counts. */
export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  authFailures: Counter<'reason'>;
  ingest: Counter<'outcome'>;
  deviceIdentities: Counter<'action' | 'outcome'>;
  authzRefusals: Counter<'reason' | 'route'>;
  overrideRefusals: Counter<'reason'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? false) collectDefaultMetrics({ register: registry, prefix: 'carbonreducer_api_' });
  return {
    registry,
    requests: new Counter({
      name: 'carbonreducer_api_requests_total',
      help: 'HTTP requests by route id (not path, so ids never become label values) and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'carbonreducer_api_request_duration_seconds',
      help: 'Time from request to response, seconds',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'carbonreducer_api_auth_failures_total',
      help: 'Refused credentials by reason (the problem code: token_expired, mfa_required, ...)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    ingest: new Counter({
      name: 'carbonreducer_api_ingest_messages_total',
      help: 'POST /api/data messages by outcome (accepted, rejected, broker_error)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    deviceIdentities: new Counter({
      name: 'carbonreducer_api_device_identities_total',
      help: 'Device registrations and revocations (HTTP token and broker identity) by outcome (ok, exists, not_found, broker_unavailable, broker_refused, ...)',
      labelNames: ['action', 'outcome'],
      registers: [registry],
    }),
    authzRefusals: new Counter({
      name: 'carbonreducer_api_authz_refusals_total',
      help: 'Authenticated callers refused a route or a home, by reason (role_forbidden, home_not_found) and route id',
      labelNames: ['reason', 'route'],
      registers: [registry],
    }),
    overrideRefusals: new Counter({
      name: 'carbonreducer_api_override_refusals_total',
      help: 'Run overrides (start now, cancel, pin) the optimizer refused, by reason (window_in_past, already_started, ...)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
