import { createHash } from 'node:crypto';
import {
  COMMAND_PAYLOAD_VERSION,
  NOTIFICATION_KINDS,
  notificationTopic,
  type NotificationKind,
  type NotificationPayload,
} from '@carbonreducer/telemetry';
import type { z } from 'zod';
import { ALERT_WEBHOOK } from '../alertContract';
import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { AlertFanout, GrafanaWebhook } from '../schemas';

type Webhook = z.output<typeof GrafanaWebhook>;
const L = ALERT_WEBHOOK.labels;

/**
 * Which homes one firing alert is about. Only alerts labelled `audience=homes` ever reach a home (an operator alert
 * routed here by mistake, with a region or home label, tells nobody); then a `home_id` label names one home, a
 * `region` label every opted-in home of that region; neither: none.
 */
export function recipientsOf(
  labels: Record<string, string>,
  optedIn: readonly { homeId: string; region: string; channel: 'mqtt' | 'sms' }[],
): { homeId: string; channel: 'mqtt' | 'sms' }[] {
  if (labels[L.audience] !== ALERT_WEBHOOK.audiences.homes) return [];
  const homeId = labels[L.homeId];
  if (homeId !== undefined) return optedIn.filter((h) => h.homeId === homeId);
  const region = labels[L.region];
  if (region !== undefined) return optedIn.filter((h) => h.region === region);
  return [];
}

/** `<start>/<end>` (ISO 8601 interval, both instants) → its instants, or undefined when it is not one. */
export function parseWindow(value: string | undefined): { from: string; to: string } | undefined {
  const [start, end, extra] = (value ?? '').split('/');
  if (start === undefined || end === undefined || extra !== undefined) return undefined;
  const from = validIso(start);
  const to = validIso(end);
  return from && to && Date.parse(to) > Date.parse(from) ? { from, to } : undefined;
}

function kindOf(labels: Record<string, string>): NotificationKind {
  const k = labels[L.kind];
  if (k !== undefined && (NOTIFICATION_KINDS as readonly string[]).includes(k)) return k as NotificationKind;
  return labels.alertname === 'high-carbon-hours' ? 'high_carbon_hours' : 'info';
}

export function notificationFor(alert: Webhook['alerts'][number], now: Date): NotificationPayload {
  const annotations = alert.annotations ?? {};
  const id =
    alert.fingerprint && /^[A-Za-z0-9_-]{1,64}$/.test(alert.fingerprint)
      ? `grafana-${alert.fingerprint}`
      : `grafana-${createHash('sha256').update(JSON.stringify(alert.labels)).digest('hex').slice(0, 32)}`;
  // The period the alert is about: its `window` label; otherwise when it started firing (and ended, if it has).
  const window = parseWindow(alert.labels[L.window]);
  const from = window?.from ?? validIso(alert.startsAt);
  const to = window?.to ?? validIso(alert.endsAt);
  return {
    v: COMMAND_PAYLOAD_VERSION,
    id,
    kind: kindOf(alert.labels),
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
      path: ALERT_WEBHOOK.path,
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
        // Resolved alerts and alerts not for homes (operators' alerts) tell nobody.
        let ignored = 0;
        const homes = new Set<string>();
        for (const alert of body.alerts) {
          if (alert.status !== 'firing' || alert.labels[L.audience] !== ALERT_WEBHOOK.audiences.homes) {
            ignored++;
            continue;
          }
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
        deps.log.info('grafana alert webhook', {
          receiver: body.receiver,
          status: body.status,
          alerts: body.alerts.length,
          alertnames: [...new Set(body.alerts.map((a) => a.labels.alertname ?? ''))].slice(0, 10),
          notified,
          homes: homes.size,
          skipped,
          ignored,
        });
        return { body: { notified, homes: homes.size, skipped } };
      },
    }),
  ];
}
