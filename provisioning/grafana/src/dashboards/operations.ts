/**
 * Operations (Analytics, for operators): ingest, rejects, Telegraf's output, the API's requests, latency and refusals,
 * workflow failures and task lag, schedule lag, model versions.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as text from '@grafana/grafana-foundation-sdk/text';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCES, FOLDERS } from '../model';
import * as q from '../flux';
import { flux } from '../targets';
import { base, numberPanels, type DashboardSpec } from './common';

/** What this dashboard cannot show yet, said on the dashboard rather than left out silently. */
export const NOT_IN_INFLUXDB = `The Temporal server's own metrics (schedule action delay, its view of workflow failures) are not scraped into
InfluxDB: the native dev server runs without a metrics endpoint; read them at the Temporal server's metrics endpoint where
one is configured. The API's, the worker's and InfluxDB's metrics are scraped by Telegraf every 15 s
(\`provisioning/telegraf/telegraf.d/operations.conf\`); a counter series appears with its first increment, which is
therefore not counted.`;

export const operations: DashboardSpec = {
  folder: FOLDERS.operations,
  file: 'operations',
  build: () =>
    numberPanels(
      base(
        'Operations',
        'cr-operations',
        'For operators: telemetry ingest rate, rejects by reason, Telegraf output buffer, drops and write errors, API request rate, latency and refusals, workflow failures, task and schedule lag, fallbacks and the model versions in service.',
      )
        .time({ from: 'now-6h', to: 'now' })
        .refresh('30s')
        .withRow(new dashboard.RowBuilder('Ingest'))
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Accepted telemetry points/s per device kind')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.ingestPointsPerS()))
            .unit('pps')
            .min(0)
            .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
            .fillOpacity(30)
            .height(8)
            .span(12),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Telemetry rejects by reason')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.telemetryRejectsByReason()))
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80)
            .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
            .min(0)
            .height(8)
            .span(12),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title("Telegraf's InfluxDB output: buffered metrics")
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.telegrafOutput('bufferSize')))
            .min(0)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title("Telegraf's InfluxDB output: dropped metrics and write errors")
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.telegrafOutput('dropped')))
            .withTarget(flux('B', q.telegrafOutput('errors')))
            .drawStyle(common.GraphDrawStyle.Bars)
            .min(0)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('InfluxDB writes/s per answer and client (5XX = write errors)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.influxdbWritesPerS()))
            .unit('reqps')
            .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
            .fillOpacity(30)
            .min(0)
            .height(8)
            .span(8),
        )
        .withPanel(
          new table.PanelBuilder()
            .title('Intensity points refused at ingest (source, reason)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.intensityRejectsByReason()))
            .height(8)
            .span(8),
        )
        .withRow(new dashboard.RowBuilder('API and workflows'))
        .withPanel(
          new timeseries.PanelBuilder()
            .title('API requests/s per status')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.apiRequestsPerS()))
            .unit('reqps')
            .min(0)
            .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
            .fillOpacity(30)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('API latency p50 and p99 (every route)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.apiLatencyS(0.5)))
            .withTarget(flux('B', q.apiLatencyS(0.99)))
            .unit('s')
            .min(0)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('API refusals by reason: credentials (401) and authorization (403/404)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.apiAuthRefusals()))
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80)
            .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
            .min(0)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Workflow failures per workflow type')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.workflowFailures()))
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80)
            .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
            .min(0)
            .height(8)
            .span(12),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Task lag: schedule-to-start p99 of workflow and activity tasks')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.taskScheduleToStartP99Ms()))
            .unit('ms')
            .min(0)
            .height(8)
            .span(12),
        )
        .withRow(new dashboard.RowBuilder('Schedules and models'))
        .withPanel(
          new table.PanelBuilder()
            .title('Schedule lag: age of the newest actual intensity and forecast issue')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.scheduleLagS()))
            .unit('s')
            .height(7)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Fallback forecasts per kind and server')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.forecastFallbacks()))
            .drawStyle(common.GraphDrawStyle.Bars)
            .min(0)
            .height(7)
            .span(8),
        )
        .withPanel(
          new table.PanelBuilder()
            .title('Model versions in service')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.modelVersionsInService()))
            .height(7)
            .span(8),
        )
        .withPanel(
          new text.PanelBuilder()
            .title('Not on this dashboard yet')
            .mode(text.TextMode.Markdown)
            .content(NOT_IN_INFLUXDB)
            .height(5)
            .span(24),
        )
        .build(),
    ),
};
