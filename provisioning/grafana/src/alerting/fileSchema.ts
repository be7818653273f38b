/**
 * Grafana's alerting file-provisioning format (apiVersion 1) as a JSON Schema, written from Grafana's documentation
 * ("Use configuration files to provision alerting resources",
 * https://grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/) and the
 * file types it describes (grafana/grafana pkg/services/provisioning/alerting: AlertingFileV1, AlertRuleGroupV1,
 * AlertRuleV1, QueryV1, ContactPointV1, ReceiverV1, NotificiationPolicyV1, TemplateV1). Every object is closed
 * (`additionalProperties: false`): Grafana ignores an unknown or misspelt key silently, so a typo would otherwise
 * provision a rule without the setting. Grafana ships no schema for these files; the SDK's schemas cover the HTTP
 * shapes (`schemas/`), checked before the conversion.
 */

/** Prometheus-style durations Grafana parses in these files (`model.ParseDuration`): 30s, 5m, 1h30m, 0s. */
const DURATION = { type: 'string', pattern: '^(0|([0-9]+(ms|s|m|h|d|w|y))+)$' } as const;
const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } } as const;
/** Rule and integration UIDs: Grafana allows at most 40 of letters, digits, `-` and `_`. */
const UID = { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,40}$' } as const;
const ORG_ID = { type: 'integer', minimum: 1 } as const;
const STATES = { noData: ['NoData', 'Alerting', 'OK', 'KeepLast'], execErr: ['Error', 'Alerting', 'OK', 'KeepLast'] };

/** The documented settings keys of the integrations we provision (the docs' "Settings" examples per type). */
export const INTEGRATION_SETTINGS: Record<string, { required: string[]; optional: string[] }> = {
  webhook: {
    required: ['url'],
    optional: [
      'httpMethod',
      'username',
      'password',
      'authorization_scheme',
      'authorization_credentials',
      'maxAlerts',
      'title',
      'message',
    ],
  },
  email: { required: ['addresses'], optional: ['singleEmail', 'message', 'subject'] },
};

const query = {
  type: 'object',
  additionalProperties: false,
  required: ['refId', 'datasourceUid', 'model'],
  properties: {
    refId: { type: 'string', minLength: 1 },
    queryType: { type: 'string' },
    relativeTimeRange: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: { from: { type: 'integer', minimum: 0 }, to: { type: 'integer', minimum: 0 } },
    },
    datasourceUid: { type: 'string', minLength: 1 },
    model: { type: 'object' },
  },
} as const;

const notificationSettings = {
  type: 'object',
  additionalProperties: false,
  required: ['receiver'],
  properties: {
    receiver: { type: 'string', minLength: 1 },
    group_by: { type: 'array', items: { type: 'string' } },
    group_wait: DURATION,
    group_interval: DURATION,
    repeat_interval: DURATION,
    mute_time_intervals: { type: 'array', items: { type: 'string' } },
    active_time_intervals: { type: 'array', items: { type: 'string' } },
  },
} as const;

const rule = {
  type: 'object',
  additionalProperties: false,
  required: ['uid', 'title', 'condition', 'data'],
  properties: {
    uid: UID,
    title: { type: 'string', minLength: 1, maxLength: 190 },
    condition: { type: 'string', minLength: 1 },
    data: { type: 'array', minItems: 1, items: query },
    dashboardUid: { type: 'string' },
    panelId: { type: 'integer' },
    noDataState: { enum: STATES.noData },
    execErrState: { enum: STATES.execErr },
    for: DURATION,
    keepFiringFor: DURATION,
    missing_series_evals_to_resolve: { type: 'integer', minimum: 1 },
    annotations: STRING_MAP,
    labels: STRING_MAP,
    isPaused: { type: 'boolean' },
    notification_settings: notificationSettings,
    record: {
      type: 'object',
      additionalProperties: false,
      required: ['metric', 'from'],
      properties: { metric: { type: 'string' }, from: { type: 'string' } },
    },
  },
} as const;

const ruleGroup = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'folder', 'interval', 'rules'],
  properties: {
    orgId: ORG_ID,
    name: { type: 'string', minLength: 1 },
    folder: { type: 'string', minLength: 1 },
    interval: DURATION,
    rules: { type: 'array', minItems: 1, items: rule },
  },
} as const;

const contactPoint = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'receivers'],
  properties: {
    orgId: ORG_ID,
    name: { type: 'string', minLength: 1 },
    receivers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['uid', 'type', 'settings'],
        properties: {
          uid: UID,
          type: { type: 'string', minLength: 1 },
          settings: { type: 'object', minProperties: 1 },
          disableResolveMessage: { type: 'boolean' },
        },
      },
    },
  },
} as const;

const MATCHER_OPS = ['=', '!=', '=~', '!~'];

/** A route of the policy tree (Alertmanager's route with Grafana's object matchers). */
const route = {
  $id: 'route',
  type: 'object',
  additionalProperties: false,
  properties: {
    receiver: { type: 'string', minLength: 1 },
    group_by: { type: 'array', items: { type: 'string' } },
    matchers: { type: 'array', items: { type: 'string' } },
    object_matchers: {
      type: 'array',
      items: {
        type: 'array',
        minItems: 3,
        maxItems: 3,
        items: [{ type: 'string', minLength: 1 }, { enum: MATCHER_OPS }, { type: 'string' }],
      },
    },
    mute_time_intervals: { type: 'array', items: { type: 'string' } },
    active_time_intervals: { type: 'array', items: { type: 'string' } },
    continue: { type: 'boolean' },
    group_wait: DURATION,
    group_interval: DURATION,
    repeat_interval: DURATION,
    routes: { type: 'array', items: { $ref: 'route' } },
  },
} as const;

const policy = {
  type: 'object',
  additionalProperties: false,
  required: ['receiver'],
  properties: { orgId: ORG_ID, name: { type: 'string' }, ...route.properties, routes: route.properties.routes },
} as const;

const template = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'template'],
  properties: { orgId: ORG_ID, name: { type: 'string', minLength: 1 }, template: { type: 'string', minLength: 1 } },
} as const;

const byOrg = (key: string) => ({
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: [key],
    properties: { orgId: ORG_ID, [key]: { type: 'string', minLength: 1 } },
  },
});

/** One alerting provisioning file: any of its sections (Grafana reads every *.yaml/*.yml/*.json in the folder). */
export const ALERTING_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion'],
  properties: {
    apiVersion: { const: 1 },
    groups: { type: 'array', items: ruleGroup },
    deleteRules: byOrg('uid'),
    contactPoints: { type: 'array', items: contactPoint },
    deleteContactPoints: byOrg('uid'),
    policies: { type: 'array', items: policy },
    resetPolicies: { type: 'array', items: ORG_ID },
    templates: { type: 'array', items: template },
    deleteTemplates: byOrg('name'),
    muteTimes: { type: 'array', items: { type: 'object' } },
    deleteMuteTimes: byOrg('name'),
  },
  definitions: { route },
} as const;
