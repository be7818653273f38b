/** Operations (Analytics, for operators): ingest, rejects, Telegraf's output, schedule lag, model versions. */
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
export const NOT_IN_INFLUXDB = `The API's request rate, latency and authentication failures, InfluxDB's own write errors and Temporal's workflow
failures are Prometheus metrics (the API's \`/metrics\` with \`API_METRICS_TOKEN\`, InfluxDB's \`/metrics\`, Temporal's
metrics): no data source in this org reads them yet. Until they are scraped into InfluxDB (or a Prometheus data source is
provisioned), read them there. Write errors of Telegraf's InfluxDB output are shown above.`;

export const operations: DashboardSpec = {
  folder: FOLDERS.operations,
  file: 'operations',
  build: () =>
    numberPanels(
      base(
        'Operations',
        'cr-operations',
        'For operators: telemetry ingest rate, rejects by reason, Telegraf output buffer, drops and write errors, schedule lag, fallbacks and the model versions in service.',
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
          new table.PanelBuilder()
            .title('Intensity points refused at ingest (source, reason)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.intensityRejectsByReason()))
            .height(8)
            .span(8),
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
