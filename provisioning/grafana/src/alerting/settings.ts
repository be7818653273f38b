/**
 * What the alerting is made of, named once: the settings each rule's condition uses, the environment variables the
 * contact points read, contact point names and UIDs, rule UIDs and the folder. The rules, the generated files and the
 * tests read these. To change a threshold: edit `DEFAULT_ALERTING_SETTINGS` (or pass your own to `alertingFiles`) and
 * run `npm run generate -w @carbonreducer/grafana-provisioning`; Grafana does not interpolate a rule's queries, so the
 * numbers live in the generated files.
 */
// The webhook's contract file has no imports; the API's index would load the whole server to read three constants.
// eslint-disable-next-line no-restricted-imports
import { ALERT_WEBHOOK } from '@carbonreducer/api/src/alertContract';
import { INTENSITY_BANDS } from '../dashboards/common';
import { GRAFANA_ENV } from '../model';

export interface AlertingSettings {
  highCarbon: {
    /** A window's forecast must exceed this, gCO2/kWh (default: where the NESO index's "high" band starts). */
    thresholdGPerKWh: number;
    /** ...and the region's rolling percentile of actual intensity (0..1) over the last `percentileWindowD` days. */
    percentile: number;
    percentileWindowD: number;
    /** Windows that start within the next `lookaheadH` hours are reported (ahead of time: never one already begun). */
    lookaheadH: number;
    /** Forecast slots read ahead, h, so a window near the lookahead's edge keeps its true end (a stable label). */
    scanH: number;
    /** Length of one forecast slot, min (the forecast workflow's half-hours). */
    slotMin: number;
    /** How often Grafana evaluates the rule, s. */
    intervalS: number;
  };
  ingestStalled: {
    /** A home counts as active when it sent telemetry in the last `activeWithinH` hours... */
    activeWithinH: number;
    /** ...and as stalled when its newest point is older than this, min. */
    staleAfterMin: number;
  };
  rejectsSpike: {
    /** Rejects are summed over the last `windowMin` minutes, per stream and reason... */
    windowMin: number;
    /** ...and alert above this many. */
    maxRejects: number;
  };
  workflowsOverdue: {
    /** How old the newest output of each scheduled workflow may be, min (ingest every 30 min, forecast and score hourly). */
    ingestMaxAgeMin: number;
    forecastMaxAgeMin: number;
    scoreMaxAgeMin: number;
    /** How far back the newest output is looked for, d (older than this: no series, so no alert; see the README). */
    lookbackD: number;
  };
  workflowFailures: {
    /** Failed workflow executions (the worker's Temporal SDK count, scraped into InfluxDB) are summed per workflow type
     * over the last `windowMin` minutes... */
    windowMin: number;
    /** ...and alert above this many. */
    maxFailures: number;
  };
  forecastAccuracy: {
    /** Live MAE over the scoring window (`24h`) above the champion's backtest MAE × (1 + margin) alerts. */
    margin: number;
    /** The forecast_accuracy `window` tag compared. */
    window: string;
    /** Scores made of fewer slots than this are not judged. */
    minPoints: number;
  };
  /** Evaluation interval of the operators' rules, s. */
  operationsIntervalS: number;
}

const highBand = INTENSITY_BANDS.find((b) => b.text === 'high');
if (highBand?.from === undefined || highBand.from === null) throw new Error('INTENSITY_BANDS has no "high" band start');

export const DEFAULT_ALERTING_SETTINGS: AlertingSettings = {
  highCarbon: {
    thresholdGPerKWh: highBand.from,
    percentile: 0.8,
    percentileWindowD: 7,
    lookaheadH: 12,
    scanH: 24,
    slotMin: 30,
    intervalS: 300,
  },
  ingestStalled: { activeWithinH: 24, staleAfterMin: 10 },
  rejectsSpike: { windowMin: 10, maxRejects: 50 },
  workflowsOverdue: { ingestMaxAgeMin: 120, forecastMaxAgeMin: 150, scoreMaxAgeMin: 150, lookbackD: 7 },
  workflowFailures: { windowMin: 15, maxFailures: 0 },
  forecastAccuracy: { margin: 0.5, window: '24h', minPoints: 12 },
  operationsIntervalS: 60,
};

/** Environment variables the contact points read (Grafana interpolates `${NAME}` in contact point settings). */
export const ALERTING_ENV = {
  /** The API's base URL (the data sources use it too). */
  apiUrl: GRAFANA_ENV.apiUrl,
  /** The API's webhook secret: the same variable the API reads (`.stack/secrets.env`). */
  webhookToken: 'API_ALERT_WEBHOOK_TOKEN',
  /** Operators' e-mail addresses, `;`-separated (sent through Grafana's SMTP settings, `GF_SMTP_*`). */
  operatorEmails: 'OPERATOR_ALERT_EMAILS',
  /** Operators' webhook (chat, paging); e.g. the API's own webhook, which logs and counts operator alerts. */
  operatorWebhookUrl: 'OPERATOR_ALERT_WEBHOOK_URL',
  /** The bearer secret sent to it (the API's `API_ALERT_WEBHOOK_TOKEN` when it is the API's webhook). */
  operatorWebhookToken: 'OPERATOR_ALERT_WEBHOOK_TOKEN',
} as const;

export const CONTACT_POINTS = {
  homes: { name: 'CarbonReducer homes (API webhook)', uid: 'cr-homes-api-webhook' },
  operators: { name: 'CarbonReducer operators', emailUid: 'cr-operators-email', webhookUid: 'cr-operators-webhook' },
} as const;

/** Rule UIDs are what Grafana keys provisioned rules by: never change one (a new UID is a new rule). */
export const RULE_UIDS = {
  highCarbonHours: 'cr-high-carbon-hours',
  ingestStalled: 'cr-ingest-stalled',
  rejectsSpike: 'cr-rejects-spike',
  workflowsOverdue: 'cr-workflows-overdue',
  forecastAccuracyDegraded: 'cr-forecast-accuracy-degraded',
  workflowFailures: 'cr-workflow-failures',
} as const;

/** The folder the rule groups live in (file provisioning names it by title and creates it when missing). */
export const RULE_FOLDER = 'CarbonReducer alerts';
export const RULE_GROUPS = { homes: 'homes', operations: 'operations' } as const;

export const TEMPLATE_NAMES = {
  /** The template group (file) name; the templates it defines follow. */
  group: 'carbonreducer',
  operatorsTitle: 'carbonreducer.operators.title',
  operatorsMessage: 'carbonreducer.operators.message',
} as const;

export const ALERT_LABELS = ALERT_WEBHOOK.labels;
export const AUDIENCES = ALERT_WEBHOOK.audiences;
export const WEBHOOK_PATH = ALERT_WEBHOOK.path;
