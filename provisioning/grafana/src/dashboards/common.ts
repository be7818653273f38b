/** What the dashboards share: variables, band thresholds, and the spec each dashboard module exports. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { Folder } from '../model';
import { DATASOURCES, DEFAULT_REGION } from '../model';

export interface DashboardSpec {
  folder: Folder;
  /** File name under provisioning/grafana/dashboards/<org>/<folder>/ (without .json). */
  file: string;
  build: () => dashboard.Dashboard;
}

/** `home`: the homes the signed-in user may see, from the API (pseudonymous ids for analysts, raw for operators). */
export function homeVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('home')
    .label('Home')
    .datasource(DATASOURCES.carbonreducer)
    .query('homes')
    .definition('homes')
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .allowCustomValue(false);
}

/** `device`: the devices of `$home` that reported in the last 24 h (the API has no device list). */
export function deviceVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('device')
    .label('Device')
    .datasource(DATASOURCES.carbonreducer)
    .query('devices($home)')
    .definition('devices($home)')
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .allowCustomValue(false);
}

/** `region`: the grid region of the intensity panels (a code such as GB; more regions are comma-separated values). */
export function regionVariable(): dashboard.CustomVariableBuilder {
  return new dashboard.CustomVariableBuilder('region')
    .label('Region')
    .values(DEFAULT_REGION)
    .current({ text: DEFAULT_REGION, value: DEFAULT_REGION, selected: true });
}

/**
 * Grid intensity bands, gCO2/kWh: NESO's index as its GB file labels the 2023 half-hours
 * (../shared/data/carbon-intensity/neso-gb-national-2023H1.csv: very low < 40, low < 120, moderate < 200, high < 290).
 */
export const INTENSITY_BANDS = [
  { from: null, to: 40, text: 'very low', color: 'dark-green' },
  { from: 40, to: 120, text: 'low', color: 'green' },
  { from: 120, to: 200, text: 'moderate', color: 'yellow' },
  { from: 200, to: 290, text: 'high', color: 'orange' },
  { from: 290, to: null, text: 'very high', color: 'red' },
] as const;

export function intensityThresholds(): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(INTENSITY_BANDS.map((b) => ({ value: b.from, color: b.color })));
}

export function intensityBandMappings(): dashboard.ValueMapping[] {
  return INTENSITY_BANDS.map((b, i) => ({
    type: dashboard.MappingType.RangeToText,
    options: {
      // Ranges are inclusive at both ends; the next band starts just above this one's end.
      from: b.from === null ? 0 : b.from,
      to: b.to === null ? 10000 : b.to - 0.001,
      result: { text: b.text, color: b.color, index: i },
    },
  }));
}

/** Gives every panel a stable id in layout order (Grafana would number them on load, differently after edits). */
export function numberPanels(d: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const p of d.panels ?? []) {
    p.id = id++;
    if ('panels' in p && Array.isArray(p.panels)) for (const q of p.panels) q.id = id++;
  }
  return d;
}

export function base(title: string, uid: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['carbonreducer'])
    .readonly()
    .timezone('browser')
    .refresh('1m');
}
