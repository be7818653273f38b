/** Energy monitoring (Analytics): power and energy per device and per home, top consumers, the fleet. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { UNITS } from '@carbonreducer/grafana-shared';
import { DATASOURCES, FOLDERS } from '../model';
import * as q from '../flux';
import { carbon, flux } from '../targets';
import { base, deviceVariable, homeVariable, numberPanels, type DashboardSpec } from './common';

export const energyMonitoring: DashboardSpec = {
  folder: FOLDERS.energy,
  file: 'energy-monitoring',
  build: () =>
    numberPanels(
      base(
        'Energy monitoring',
        'cr-energy-monitoring',
        'Power and energy per device and per home (pseudonymous ids for analysts, through the API), top consumers, and the whole fleet from InfluxDB.',
      )
        .time({ from: 'now-24h', to: 'now' })
        .withVariable(homeVariable())
        .withVariable(deviceVariable())
        .withRow(new dashboard.RowBuilder('Fleet'))
        .withPanel(
          new stat.PanelBuilder()
            .title('Homes reporting')
            .description('Homes with metered power in the time range.')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.activeHomes()))
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
            .graphMode(common.BigValueGraphMode.None)
            .height(6)
            .span(6),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Metered power, all homes')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.fleetPowerW()))
            .unit(UNITS.powerW)
            .min(0)
            .height(6)
            .span(9),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Power by device kind, all homes')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.powerByKindW()))
            .unit(UNITS.powerW)
            .min(0)
            .height(6)
            .span(9),
        )
        .withRow(new dashboard.RowBuilder('Home $home'))
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Power per device')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'telemetry', homeId: '$home', field: 'power_w', every: '5m' }))
            .unit(UNITS.powerW)
            .min(0)
            .height(8)
            .span(12),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Energy per device, per hour')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'telemetry', homeId: '$home', field: 'energy_wh', every: '1h' }))
            .unit(UNITS.energyWh)
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80)
            .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
            .height(8)
            .span(12),
        )
        .withPanel(
          new bargauge.PanelBuilder()
            .title('Top consumers (mean power)')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'telemetry', homeId: '$home', field: 'power_w', every: '1h' }))
            .unit(UNITS.powerW)
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['mean']))
            .orientation(common.VizOrientation.Horizontal)
            .displayMode(common.BarGaugeDisplayMode.Gradient)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Power of $device')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(
              carbon('A', {
                queryType: 'telemetry',
                homeId: '$home',
                deviceId: '$device',
                field: 'power_w',
                every: '1m',
              }),
            )
            .unit(UNITS.powerW)
            .min(0)
            .height(8)
            .span(16),
        )
        .build(),
    ),
};
