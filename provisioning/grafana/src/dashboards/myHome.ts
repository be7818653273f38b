/**
 * My home (Homes): the homeowner's kiosk view, everything through the API with the homeowner's own token: intensity
 * now and its band, the cleanest hour ahead, next planned runs over the forecast (schedule panel), avoided kg today and
 * this month. Large text for a wall tablet; the kiosk URL hides the time picker, variables and links.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { UNITS } from '@carbonreducer/grafana-shared';
// The panel's options type (the plugin has no index to export it from).
// eslint-disable-next-line no-restricted-imports
import type { ScheduleOptions } from '@carbonreducer/grafana-schedule-panel/src/types';
import { DATASOURCES, FOLDERS, PLUGIN_IDS } from '../model';
import { carbon } from '../targets';
import {
  base,
  homeVariable,
  intensityBandMappings,
  intensityThresholds,
  numberPanels,
  regionVariable,
  type DashboardSpec,
} from './common';

/** The schedule panel's options (grafana-plugins/carbonreducer-schedule-panel/src/types.ts `ScheduleOptions`). */
export const SCHEDULE_OPTIONS: ScheduleOptions = { horizonHours: 24, appliances: [], kioskSize: 'wall' };

/** The forecast's value field: named `intensity`, displayed as `forecast` (pkg/plugin/queries.go), matched by either. */
const INTENSITY_FIELD = '/^(intensity|forecast)$/';

const bigText = () => new common.VizTextDisplayOptionsBuilder().titleSize(28).valueSize(72);

export const myHome: DashboardSpec = {
  folder: FOLDERS.myHome,
  file: 'my-home',
  build: () =>
    numberPanels(
      base(
        'My home',
        'cr-my-home',
        'Your home now: grid intensity and its band, the cleanest hour ahead, the next planned runs and the CO2 you avoided.',
      )
        .time({ from: 'now-1h', to: 'now+24h' })
        .refresh('5m')
        .withVariable(homeVariable())
        // The home's grid region (GB unless set; the kiosk URL hides variables).
        .withVariable(regionVariable())
        .withPanel(
          new stat.PanelBuilder()
            .title('Grid intensity now')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'intensity', region: '$region', hours: 24 }))
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['firstNotNull']).fields(INTENSITY_FIELD))
            .unit(UNITS.intensity)
            .decimals(0)
            .thresholds(intensityThresholds())
            .colorMode(common.BigValueColorMode.Background)
            .graphMode(common.BigValueGraphMode.None)
            .text(bigText())
            .height(7)
            .span(8),
        )
        .withPanel(
          new stat.PanelBuilder()
            .title('Band')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'intensity', region: '$region', hours: 24 }))
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['firstNotNull']).fields(INTENSITY_FIELD))
            .mappings(intensityBandMappings())
            .thresholds(intensityThresholds())
            .colorMode(common.BigValueColorMode.Background)
            .graphMode(common.BigValueGraphMode.None)
            .text(bigText())
            .height(7)
            .span(8),
        )
        .withPanel(
          new stat.PanelBuilder()
            .title('Cleanest in the next 24 h')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'intensity', region: '$region', hours: 24 }))
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['min']).fields(INTENSITY_FIELD))
            .unit(UNITS.intensity)
            .decimals(0)
            .thresholds(intensityThresholds())
            .colorMode(common.BigValueColorMode.Value)
            .graphMode(common.BigValueGraphMode.Area)
            .text(bigText())
            .height(7)
            .span(8),
        )
        .withPanel(
          new dashboard.PanelBuilder()
            .type(PLUGIN_IDS.schedulePanel)
            .title('Next planned runs over the forecast')
            .description(
              'Planned runs over the intensity forecast and its 80 % band; the highlighted span is the best window.',
            )
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'intensity', region: '$region', hours: 24 }))
            .withTarget(carbon('B', { queryType: 'plan', homeId: '$home' }))
            .options(SCHEDULE_OPTIONS)
            .height(12)
            .span(16),
        )
        .withPanel(
          new table.PanelBuilder()
            .title('Next runs')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'plan', homeId: '$home' }))
            .withTransformation({
              id: 'filterFieldsByName',
              options: { include: { names: ['appliance', 'startAt', 'endAt', 'avoided'] } },
            })
            .withTransformation({ id: 'sortBy', options: { sort: [{ field: 'startAt' }] } })
            .cellHeight(common.TableCellHeight.Lg)
            .height(12)
            .span(8),
        )
        .withPanel(
          new stat.PanelBuilder()
            .title('Avoided today')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'savings', homeId: '$home', period: 'day' }))
            .timeFrom('now/d')
            .hideTimeOverride(true)
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['sum']))
            .unit(UNITS.massKg)
            .decimals(2)
            .graphMode(common.BigValueGraphMode.None)
            .text(bigText())
            .height(6)
            .span(12),
        )
        .withPanel(
          new stat.PanelBuilder()
            .title('Avoided this month')
            .datasource(DATASOURCES.carbonreducer)
            .withTarget(carbon('A', { queryType: 'savings', homeId: '$home', period: 'month' }))
            .timeFrom('now/M')
            .hideTimeOverride(true)
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['sum']))
            .unit(UNITS.massKg)
            .decimals(1)
            .graphMode(common.BigValueGraphMode.None)
            .text(bigText())
            .height(6)
            .span(12),
        )
        .build(),
    ),
};
