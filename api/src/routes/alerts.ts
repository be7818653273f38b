import { createHash } from 'node:crypto';
import { COMMAND_PAYLOAD_VERSION, notificationTopic, type NotificationPayload } from '@carbonreducer/telemetry';
import type { z } from 'zod';
import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { AlertFanout, GrafanaWebhook } from '../schemas';

type Webhook = z.output<typeof GrafanaWebhook>;

/**
 * Which homes one firing alert is about: a `home_id` label names one home; a `region` label every opted-in home of
 * that region; neither: none (an operator alert, not for homes).
 */
export function recipientsOf(
  labels: Record<string, string>,
  optedIn: readonly { homeId: string; region: string; channel: 'mqtt' | 'sms' }[],
): { homeId: string; channel: 'mqtt' | 'sms' }[] {
  if (labels.home_id !== undefined) return optedIn.filter((h) => h.homeId === labels.home_id);
  if (labels.region !== undefined) return optedIn.filter((h) => h.region === labels.region);
  return [];
}

export function notificationFor(alert: Webhook['alerts'][number], now: Date): NotificationPayload {
  const annotations = alert.annotations ?? {};
  const id =
    alert.fingerprint && /^[A-Za-z0-9_-]{1,64}$/.test(alert.fingerprint)
      ? `grafana-${alert.fingerprint}`
      : `grafana-${createHash('sha256').update(JSON.stringify(alert.labels)).digest('hex').slice(0, 32)}`;
  const kind =
    alert.labels.alertname === 'high-carbon-hours' || alert.labels.kind === 'high_carbon_hours'
      ? 'high_carbon_hours'
      : 'info';
  const from = validIso(alert.startsAt);
  const to = validIso(alert.endsAt);
  return {
    v: COMMAND_PAYLOAD_VERSION,
    id,
    kind,
    title: (annotations.summary ?? alert.labels.alertname ?? 'CarbonReducer alert').slice(0, 200),
    body: (annotations.description ?? '').slice(0, 1000),
    at: now.toISOString(),
    ...(from ? { from } : {}),
    // Grafana sends 0001-01-01 for "not ended yet".
    ...(to && Date.parse(to) > Date.parse(from ?? '1970-01-01') ? { to } : {}),
  };
}

function validIso(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString() : undefined;
}

export function alertRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      id: 'alerts.grafana',
      method: 'post',
      path: '/api/alerts/grafana',
      summary: "Grafana alerting's webhook contact point: firing alerts go to the opted-in homes' notifications topic",
      tag: 'alerts',
      access: { kind: 'secret', secret: 'alerts' },
      body: { kind: 'json', schema: GrafanaWebhook },
      response: { status: 200, description: 'What was sent', schema: AlertFanout },
      errors: [503],
      handler: async ({ body, now }) => {
        const optedIn = await deps.directory.alertRecipients();
        let notified = 0;
        let skipped = 0;
        const homes = new Set<string>();
        for (const alert of body.alerts) {
          if (alert.status !== 'firing') continue;
          const payload = JSON.stringify(notificationFor(alert, now));
          for (const r of recipientsOf(alert.labels, optedIn)) {
            // SMS goes through the Keycloak SMS gateway interface once it exists; until then it is counted as skipped.
            if (r.channel !== 'mqtt') {
              skipped++;
              continue;
            }
            try {
              await deps.broker.publish(notificationTopic(r.homeId), payload);
            } catch (err) {
              throw new ApiProblem('broker_unavailable', `notifying ${notified} of the homes went through`, {
                cause: err,
              });
            }
            notified++;
            homes.add(r.homeId);
          }
        }
        return { body: { notified, homes: homes.size, skipped } };
      },
    }),
  ];
}
