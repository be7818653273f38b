/**
 * What Grafana's alerting and the API's webhook agree on: the webhook's path and the alert labels the API reads.
 * Grafana's provisioning (`@carbonreducer/grafana-provisioning`, src/alerting) builds its rules and contact points from
 * these; `routes/alerts.ts` reads them. No imports, so the provisioning generator can read it without the server.
 */
export const ALERT_WEBHOOK = {
  /** POST, `Authorization: Bearer $API_ALERT_WEBHOOK_TOKEN`, Grafana's webhook payload. */
  path: '/api/alerts/grafana',
  labels: {
    /** `homes`: the alert is for homes (only those are ever sent to a home); anything else is an operator alert. */
    audience: 'audience',
    /** The grid region whose opted-in homes are told. */
    region: 'region',
    /** One home (instead of a region). */
    homeId: 'home_id',
    /** The period the alert is about, an ISO 8601 interval `<start>/<end>` (UTC): the notification's `from`/`to`. */
    window: 'window',
    /** The contract notification kind (`@carbonreducer/telemetry` NOTIFICATION_KINDS); `info` when absent. */
    kind: 'kind',
  },
  audiences: { homes: 'homes', operators: 'operators' },
} as const;
