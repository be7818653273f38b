import { isDeviceKind, telemetryTopic, validateMessage } from '@carbonreducer/telemetry';
import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute, type DevicePrincipal } from '../http/route';
import { HomeParams, IngestAccepted, Readings, ReadingsQuery, ROLES, TelemetryMessage } from '../schemas';

export function dataRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      id: 'data.ingest',
      method: 'post',
      path: '/api/data',
      summary: 'Telemetry from an HTTP device (device token); 202 once the broker has acknowledged it',
      tag: 'data',
      access: { kind: 'device' },
      body: { kind: 'contract', schema: TelemetryMessage },
      response: {
        status: 202,
        description: 'Published QoS 1 into the ingest path and acknowledged',
        schema: IngestAccepted,
      },
      errors: [503],
      handler: async ({ caller, body, now }) => {
        const device = (caller as { device: DevicePrincipal }).device;
        if (!isDeviceKind(device.kind))
          throw new ApiProblem('internal', `device kind ${device.kind} is not in the contract`);
        // The device's own topic: the token decides home, kind and device, never the body.
        const topic = telemetryTopic(device.homeId, device.kind, device.deviceId);
        const payload = body as unknown as string;
        const result = validateMessage(topic, payload, { receivedAtMs: now.getTime() });
        const first = result.rejects[0];
        if (first) {
          // All or nothing: a batch with one bad reading is refused whole, so nothing is half-written.
          deps.metrics.ingest.inc({ outcome: 'rejected' });
          const reason = first.reason;
          const status =
            reason === 'payload_too_large'
              ? 'payload_too_large'
              : reason === 'bad_json'
                ? 'bad_json'
                : 'telemetry_rejected';
          throw new ApiProblem(status, `${reason}: ${first.detail}`, {
            field: first.detail.split(/[=:\s]/)[0],
            errors: result.rejects
              .slice(0, 20)
              .map((r) => ({ field: r.detail.split(/[=:\s]/)[0] ?? '', code: r.reason, message: r.detail })),
          });
        }
        try {
          await deps.broker.publish(topic, payload.trim());
        } catch (err) {
          deps.metrics.ingest.inc({ outcome: 'broker_error' });
          throw new ApiProblem('broker_unavailable', undefined, { cause: err });
        }
        deps.metrics.ingest.inc({ outcome: 'accepted' });
        return { status: 202, body: { accepted: result.points.length, topic } };
      },
    }),
    route({
      id: 'data.readings',
      method: 'get',
      path: '/api/data/homes/{homeId}/readings',
      summary: "A home's readings over a range, averaged per window (aggregateWindow)",
      tag: 'data',
      access: { kind: 'user', roles: ROLES, home: { param: 'homeId', mode: 'read' } },
      params: HomeParams,
      query: ReadingsQuery,
      response: { status: 200, description: 'One series per device', schema: Readings },
      handler: async ({ homeId, query, ids }) => {
        const from = new Date(query.from);
        const to = new Date(query.to);
        if (!(from < to))
          throw new ApiProblem('validation_failed', 'query.from must be before query.to', { field: 'query.from' });
        if (to.getTime() - from.getTime() > 366 * 86_400_000)
          throw new ApiProblem('validation_failed', 'at most 366 days per request', { field: 'query.to' });
        const series = await deps.series.readings({ homeId, field: query.field, from, to, every: query.every });
        const shown = series
          .map((s) => ({ deviceId: ids.device(homeId, s.deviceId), kind: s.kind, points: s.points }))
          // deviceId filter compares what the caller sees (a pseudonym for analysts).
          .filter((s) => query.deviceId === undefined || s.deviceId === query.deviceId);
        return { body: { homeId: ids.home(homeId), field: query.field, every: query.every, series: shown } };
      },
    }),
  ];
}
