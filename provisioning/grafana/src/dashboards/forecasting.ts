/** Forecasting (Analytics): intensity forecast vs actual with its band and model versions; live accuracy; load. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { UNITS } from '@carbonreducer/grafana-shared';
import { INTENSITY_FORECAST } from '@carbonreducer/influx';
import { DATASOURCES, FOLDERS } from '../model';
import * as q from '../flux';
import { carbon, flux } from '../targets';
import { base, homeVariable, numberPanels, regionVariable, type DashboardSpec } from './common';

const F = INTENSITY_FORECAST.fields;

export const forecasting: DashboardSpec = {
  folder: FOLDERS.forecasting,
  file: 'forecasting',
  build: () =>
    numberPanels(
      base(
        'Forecasting',
        'cr-forecasting',
        'Grid intensity forecast against the actual with the 80 % band and model versions, live accuracy per horizon, fallbacks, and household load forecast against the metered load.',
      )
        .time({ from: 'now-2d', to: 'now+1d' })
        .withVariable(regionVariable())
        .withVariable(homeVariable())
        .annotation(
          new dashboard.AnnotationQueryBuilder()
            .name('Model versions')
            .datasource(DATASOURCES.influxdb)
            .enable(true)
            .iconColor('purple')
            .target(flux('Anno', q.modelVersionAnnotations())),
        )
        .withRow(new dashboard.RowBuilder('Grid intensity'))
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Intensity in $region: forecast (newest issue before each slot) vs actual, 80 % band')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.forecastWithBand()))
            .withTarget(flux('B', q.actualIntensity()))
            .unit(UNITS.intensity)
            .min(0)
            .overrideByName(F.upper, [
              { id: 'custom.fillBelowTo', value: F.lower },
              { id: 'custom.lineWidth', value: 0 },
              { id: 'custom.fillOpacity', value: 20 },
              { id: 'displayName', value: '80 % upper' },
            ])
            .overrideByName(F.lower, [
              { id: 'custom.lineWidth', value: 0 },
              { id: 'displayName', value: '80 % lower' },
            ])
            .overrideByName(F.intensity, [{ id: 'displayName', value: 'forecast' }])
            .height(10)
            .span(24),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Live MAE per horizon (rolling 24 h)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.forecastAccuracy('mae')))
            .unit(UNITS.intensity)
            .min(0)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Live 80 % band coverage per horizon (rolling 24 h)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.forecastAccuracy('coverage80')))
            .unit('percentunit')
            .min(0)
            .max(1)
            .height(8)
            .span(8),
        )
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Fallback forecasts (not the champion)')
            .datasource(DATASOURCES.influxdb)
            .withTarget(flux('A', q.forecastFallbacks()))
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80)
            .min(0)
            .height(8)
            .span(8),
        )
        .withRow(new dashboard.RowBuilder('Household load, $home'))
        .withPanel(
          new timeseries.PanelBuilder()
            .title('Load forecast vs metered power')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'loadForecast', homeId: '$home', hours: 48 }))
            .withTarget(carbon('B', { queryType: 'telemetry', homeId: '$home', field: 'power_w', every: '30m' }))
            .unit(UNITS.powerW)
            .min(0)
            .height(8)
            .span(24),
        )
        .build(),
    ),
};
