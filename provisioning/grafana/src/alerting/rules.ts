/**
 * The alert rules, built with the foundation SDK's alerting and expression builders (the HTTP-API shape, `alerting.Rule`;
 * `fileFormat.ts` turns them into Grafana's file-provisioning format). Every rule is three queries: A, the Flux on the
 * Analytics org's InfluxDB data source; B, a Reduce (`max`) of each series of A; C, a Threshold on B, the condition.
 */
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import { NOTIFICATION_KINDS, type NotificationKind } from '@carbonreducer/telemetry';
import { DATASOURCES, ORGS } from '../model';
import { flux } from '../targets';
import * as q from './flux';
import { ALERT_LABELS, AUDIENCES, RULE_FOLDER, RULE_GROUPS, RULE_UIDS, type AlertingSettings } from './settings';

/** Grafana's server-side expressions pseudo data source. */
export const EXPRESSION_DATASOURCE = { type: '__expr__', uid: '__expr__' } as const;

export const REF = { query: 'A', reduce: 'B', condition: 'C' } as const;

export type ThresholdType = 'gt' | 'lt';

/** What a rule declares about its condition, in the terms the tests evaluate a query's result with. */
export interface RuleCondition {
  reducer: 'max';
  threshold: { type: ThresholdType; value: number };
}

export interface RuleSpec {
  uid: string;
  group: keyof typeof RULE_GROUPS;
  title: string;
  flux: string;
  /** Seconds of history the query reads (Grafana's relative time range; the Flux sets its own ranges from now()). */
  lookbackS: number;
  condition: RuleCondition;
  forDuration: string;
  noDataState: alerting.Rule['noDataState'];
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const kind = (k: NotificationKind): NotificationKind => {
  if (!(NOTIFICATION_KINDS as readonly string[]).includes(k)) throw new Error(`unknown notification kind ${k}`);
  return k;
};

const DAY_S = 86_400;
const HOUR_S = 3_600;
const MIN_S = 60;
const value = `{{ printf "%.0f" $values.${REF.reduce}.Value }}`;

/** Every rule, with what its condition declares. */
export function ruleSpecs(settings: AlertingSettings, backtest: q.BacktestMae): RuleSpec[] {
  const hc = settings.highCarbon;
  const operators = { [ALERT_LABELS.audience]: AUDIENCES.operators };
  return [
    {
      uid: RULE_UIDS.highCarbonHours,
      group: 'homes',
      title: 'High-carbon hours ahead',
      flux: q.highCarbonHours(hc),
      lookbackS: hc.percentileWindowD * DAY_S,
      condition: { reducer: 'max', threshold: { type: 'gt', value: hc.thresholdGPerKWh } },
      forDuration: '0s',
      // No window ahead is the normal state, not a problem.
      noDataState: 'OK',
      labels: { [ALERT_LABELS.audience]: AUDIENCES.homes, [ALERT_LABELS.kind]: kind('high_carbon_hours') },
      annotations: {
        summary: `High-carbon hours ahead in {{ $labels.${ALERT_LABELS.region} }}`,
        description:
          `The grid's carbon intensity is forecast above ${hc.thresholdGPerKWh} gCO2/kWh and above its usual level ` +
          `(${Math.round(hc.percentile * 100)}th percentile of the last ${hc.percentileWindowD} days) in ` +
          `{{ $labels.${ALERT_LABELS.window} }} (UTC), peaking at ${value} gCO2/kWh. Flexible appliances wait for cleaner hours.`,
      },
    },
    {
      uid: RULE_UIDS.ingestStalled,
      group: 'operations',
      title: 'Ingest stalled',
      flux: q.ingestStalled(settings.ingestStalled),
      lookbackS: settings.ingestStalled.activeWithinH * HOUR_S,
      condition: { reducer: 'max', threshold: { type: 'gt', value: settings.ingestStalled.staleAfterMin } },
      forDuration: '2m',
      // No series: no home reported in the whole active window (a fresh install, or a stall older than it).
      noDataState: 'OK',
      labels: { ...operators, severity: 'critical' },
      annotations: {
        summary: `No telemetry from home {{ $labels.${ALERT_LABELS.homeId} }} for ${value} min`,
        description: `The home sent telemetry in the last ${settings.ingestStalled.activeWithinH} h but nothing for more than ${settings.ingestStalled.staleAfterMin} min: check Mosquitto, Telegraf (bash scripts/stack status) and the home's devices.`,
      },
    },
    {
      uid: RULE_UIDS.rejectsSpike,
      group: 'operations',
      title: 'Rejects spike',
      flux: q.rejectsSpike(settings.rejectsSpike),
      lookbackS: settings.rejectsSpike.windowMin * MIN_S,
      condition: { reducer: 'max', threshold: { type: 'gt', value: settings.rejectsSpike.maxRejects } },
      forDuration: '0s',
      noDataState: 'OK',
      labels: { ...operators, severity: 'warning' },
      annotations: {
        summary: `${value} {{ $labels.stream }} rejects ({{ $labels.reason }}) in ${settings.rejectsSpike.windowMin} min`,
        description: `More than ${settings.rejectsSpike.maxRejects} points refused in ${settings.rejectsSpike.windowMin} min (source {{ $labels.source }}, reason {{ $labels.reason }}): see the Operations dashboard's rejects panels.`,
      },
    },
    {
      uid: RULE_UIDS.workflowsOverdue,
      group: 'operations',
      title: 'Scheduled workflow overdue',
      flux: q.workflowsOverdue(settings.workflowsOverdue),
      lookbackS: settings.workflowsOverdue.lookbackD * DAY_S,
      condition: { reducer: 'max', threshold: { type: 'gt', value: 0 } },
      forDuration: '5m',
      noDataState: 'OK',
      labels: { ...operators, severity: 'critical' },
      annotations: {
        summary: `Workflow {{ $labels.workflow }} of {{ $labels.${ALERT_LABELS.region} }} is ${value} min overdue`,
        description:
          'Its newest output is older than its schedule allows: a failing or stopped Temporal worker or schedule ' +
          '(Temporal UI, schedules ingest-carbon-intensity-every-30min, forecast-hourly, score-forecasts-hourly).',
      },
    },
    {
      uid: RULE_UIDS.forecastAccuracyDegraded,
      group: 'operations',
      title: 'Forecast accuracy degraded',
      flux: q.forecastAccuracyDegraded(settings.forecastAccuracy, backtest),
      lookbackS: 3 * HOUR_S,
      condition: { reducer: 'max', threshold: { type: 'gt', value: 1 + settings.forecastAccuracy.margin } },
      forDuration: '1h',
      noDataState: 'OK',
      labels: { ...operators, severity: 'warning' },
      annotations: {
        summary: `Intensity forecast of {{ $labels.${ALERT_LABELS.region} }} at {{ $labels.horizon }}: live MAE {{ printf "%.2f" $values.${REF.reduce}.Value }} × backtest`,
        description: `The champion's live MAE over the last ${settings.forecastAccuracy.window} is more than ${Math.round(settings.forecastAccuracy.margin * 100)} % above its backtest MAE at this horizon: see the Forecasting dashboard; a retrain (retrain-models-weekly) or a source change may be due.`,
      },
    },
    {
      uid: RULE_UIDS.workflowFailures,
      group: 'operations',
      title: 'Workflow failures',
      flux: q.workflowFailures(settings.workflowFailures),
      lookbackS: settings.workflowFailures.windowMin * MIN_S,
      condition: { reducer: 'max', threshold: { type: 'gt', value: settings.workflowFailures.maxFailures } },
      forDuration: '0s',
      // No failure (no counter increase) in the window is the normal state.
      noDataState: 'OK',
      labels: { ...operators, severity: 'critical' },
      annotations: {
        summary: `${value} {{ $labels.${q.WORKFLOW_TYPE_LABEL} }} workflow(s) failed in ${settings.workflowFailures.windowMin} min`,
        description:
          'Workflow executions of this type ended failed on the Temporal worker (bad input, infeasible requests, ' +
          'retries exhausted): see the Temporal UI (filter ExecutionStatus = Failed) and the Operations dashboard.',
      },
    },
  ];
}

/** Grafana's expressions carry their refId and the expression data source in their model too. */
function withRef(builder: cog.Builder<cog.Dataquery>, refId: string): cog.Builder<cog.Dataquery> {
  return {
    build: () => ({ ...builder.build(), refId, datasource: EXPRESSION_DATASOURCE }) as cog.Dataquery,
  };
}

export function buildRule(spec: RuleSpec): alerting.Rule {
  const { reducer, threshold } = spec.condition;
  return (
    new alerting.RuleBuilder(spec.title)
      .uid(spec.uid)
      .orgID(ORGS.analytics.id)
      .ruleGroup(RULE_GROUPS[spec.group])
      // File provisioning names the folder by title; the HTTP shape needs a UID, the same text here.
      .folderUID(RULE_FOLDER)
      .condition(REF.condition)
      .queries([
        new alerting.QueryBuilder(REF.query)
          .datasourceUid(DATASOURCES.influxdb.uid)
          .relativeTimeRange({ from: spec.lookbackS, to: 0 })
          .model(flux(REF.query, spec.flux)),
        new alerting.QueryBuilder(REF.reduce)
          .datasourceUid(EXPRESSION_DATASOURCE.uid)
          .relativeTimeRange({ from: 0, to: 0 })
          .model(withRef(new expr.TypeReduceBuilder().expression(REF.query).reducer(reducer), REF.reduce)),
        new alerting.QueryBuilder(REF.condition)
          .datasourceUid(EXPRESSION_DATASOURCE.uid)
          .relativeTimeRange({ from: 0, to: 0 })
          .model(
            withRef(
              new expr.TypeThresholdBuilder()
                .expression(REF.reduce)
                .conditions([{ evaluator: { type: threshold.type, params: [threshold.value] } }]),
              REF.condition,
            ),
          ),
      ])
      .noDataState(spec.noDataState)
      // A failing query becomes Grafana's DatasourceError alert, which the policies send to operators.
      .execErrState('Error')
      .forDuration(spec.forDuration)
      .labels(spec.labels)
      .annotations(spec.annotations)
      .isPaused(false)
      .build()
  );
}
