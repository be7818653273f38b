/**
 * Where alerts go, built with the foundation SDK: the homes' contact point is the API's webhook (it tells the homes of
 * the alert's region that opted in, over their MQTT notifications topic); operators get e-mail (Grafana's SMTP settings,
 * `GF_SMTP_*`) and a webhook. The policy tree sends `audience=homes` alerts to the API and everything else, Grafana's
 * own DatasourceError/DatasourceNoData alerts included, to operators.
 */
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import { ALERT_LABELS, ALERTING_ENV, AUDIENCES, CONTACT_POINTS, TEMPLATE_NAMES, WEBHOOK_PATH } from './settings';

/** `${NAME}`: Grafana replaces it with the environment variable when it reads the contact point file. */
export const env = (name: string): string => `\${${name}}`;
const template = (name: string): string => `{{ template "${name}" . }}`;

export function contactPoints(): alerting.ContactPoint[] {
  return [
    new alerting.ContactPointBuilder()
      .name(CONTACT_POINTS.homes.name)
      .uid(CONTACT_POINTS.homes.uid)
      .type('webhook')
      .settings({
        url: `${env(ALERTING_ENV.apiUrl)}${WEBHOOK_PATH}`,
        httpMethod: 'POST',
        authorization_scheme: 'Bearer',
        authorization_credentials: env(ALERTING_ENV.webhookToken),
        // Every alert of a group in one request (0: no limit); the API fans out per alert.
        maxAlerts: '0',
      })
      // Homes hear about a coming window once; its end is in the notification.
      .disableResolveMessage(true)
      .build(),
    new alerting.ContactPointBuilder()
      .name(CONTACT_POINTS.operators.name)
      .uid(CONTACT_POINTS.operators.emailUid)
      .type('email')
      .settings({
        addresses: env(ALERTING_ENV.operatorEmails),
        singleEmail: true,
        subject: template(TEMPLATE_NAMES.operatorsTitle),
        message: template(TEMPLATE_NAMES.operatorsMessage),
      })
      .disableResolveMessage(false)
      .build(),
    new alerting.ContactPointBuilder()
      .name(CONTACT_POINTS.operators.name)
      .uid(CONTACT_POINTS.operators.webhookUid)
      .type('webhook')
      .settings({
        url: env(ALERTING_ENV.operatorWebhookUrl),
        httpMethod: 'POST',
        authorization_scheme: 'Bearer',
        // Its own secret: the API's webhook secret never goes to a third party's endpoint.
        authorization_credentials: env(ALERTING_ENV.operatorWebhookToken),
        maxAlerts: '0',
        title: template(TEMPLATE_NAMES.operatorsTitle),
        message: template(TEMPLATE_NAMES.operatorsMessage),
      })
      .disableResolveMessage(false)
      .build(),
  ];
}

export function notificationPolicy(): alerting.NotificationPolicy {
  return new alerting.NotificationPolicyBuilder()
    .receiver(CONTACT_POINTS.operators.name)
    .groupBy(['grafana_folder', 'alertname'])
    .groupWait('30s')
    .groupInterval('5m')
    .repeatInterval('4h')
    .routes([
      // A rule whose query fails or returns nothing is an operator's problem, whoever the rule is for.
      new alerting.NotificationPolicyBuilder()
        .receiver(CONTACT_POINTS.operators.name)
        .objectMatchers([['alertname', '=~', 'DatasourceError|DatasourceNoData']])
        .continueVal(false),
      new alerting.NotificationPolicyBuilder()
        .receiver(CONTACT_POINTS.homes.name)
        .objectMatchers([[ALERT_LABELS.audience, '=', AUDIENCES.homes]])
        // One notification per window and region, sent at once; a window still ahead is repeated twice a day at most.
        .groupBy(['alertname', ALERT_LABELS.region, ALERT_LABELS.window])
        .groupWait('0s')
        .groupInterval('1m')
        .repeatInterval('12h')
        .continueVal(false),
    ])
    .build();
}

/** The operators' e-mail and webhook text (Go templates, as Grafana's notification templates are). */
export function notificationTemplates(): alerting.NotificationTemplate[] {
  const body = `{{ define "${TEMPLATE_NAMES.operatorsTitle}" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] CarbonReducer: {{ .CommonLabels.alertname }}{{ end }}

{{ define "${TEMPLATE_NAMES.operatorsMessage}" }}{{ range .Alerts }}{{ if eq .Status "firing" }}FIRING{{ else }}RESOLVED{{ end }}: {{ .Annotations.summary }}
{{ .Annotations.description }}
{{ range .Labels.SortedPairs }}  {{ .Name }} = {{ .Value }}
{{ end }}{{ if .GeneratorURL }}Rule: {{ .GeneratorURL }}
{{ end }}
{{ end }}{{ end }}
`;
  return [new alerting.NotificationTemplateBuilder().name(TEMPLATE_NAMES.group).template(body).build()];
}
