/** Savings (Analytics): expected and verified avoided kg per day, per appliance kind, per home, cumulative; leaderboard. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { UNITS } from '@carbonreducer/grafana-shared';
import { DATASOURCES, FOLDERS } from '../model';
import * as q from '../flux';
import { carbon, flux } from '../targets';
import { base, homeVariable, numberPanels, type DashboardSpec } from './common';

export const savings: DashboardSpec = {
  folder: FOLDERS.savings,
  file: 'savings',
  build: () =>
    numberPanels(
      base(
        'Savings',
        'cr-savings',
        'Avoided CO2: expected (plans) and verified (runs measured against running at the request), per day, per appliance kind, per home and cumulative.',
      )
        .time({ from: 'now-30d', to: 'now' })
        .withVariable(homeVariable())
        .withRow(new dashboard.RowBuilder('All homes'))
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Avoided kg CO2 per day')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.fleetAvoidedKgPerDay()))
            .unit(UNITS.massKg)
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80)
            .height(8)
            .span(12),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Verified avoided kg CO2, cumulative')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.fleetAvoidedKgCumulative()))
            .unit(UNITS.massKg)
            .fillOpacity(20)
            .height(8)
            .span(12),
        )
        .withPanel(
          new bargauge.PanelBuilder()
            .title('Expected avoided kg CO2 per appliance kind (planned runs)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.expectedAvoidedKgPerAppliance()))
            .unit(UNITS.massKg)
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
            .orientation(common.VizOrientation.Horizontal)
            .height(8)
            .span(12),
        )
        .withPanel(
          new bargauge.PanelBuilder()
            .title('Verified avoided kg CO2 per appliance kind (measured runs)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.verifiedAvoidedKgPerAppliance()))
            .unit(UNITS.massKg)
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
            .orientation(common.VizOrientation.Horizontal)
            .height(8)
            .span(12),
        )
        .withPanel(
          new table.PanelBuilder()
            .title('Leaderboard: avoided kg CO2 this month (homes that opted in, by pseudonym)')
            .description(
              "The API's leaderboard: planned avoided kg CO2 of the month the range ends in, per home that opted in, under the same keyed pseudonym for every viewer.",
            )
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'leaderboard' }))
            .overrideByName('avoided', [{ id: 'unit', value: UNITS.massKg }])
            .height(8)
            .span(12),
        )
        .withRow(new dashboard.RowBuilder('Home $home'))
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Expected and verified avoided kg CO2 per day')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'savings', homeId: '$home', period: 'day' }))
            .unit(UNITS.massKg)
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80)
            .height(8)
            .span(16),
        )
        .withPanel(
          new bargauge.PanelBuilder()
            .title('This range, $home')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'savings', homeId: '$home', period: 'month' }))
            .unit(UNITS.massKg)
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['sum']))
            .height(8)
            .span(8),
        )
        .build(),
    ),
};
