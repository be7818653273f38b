/**
 * Every query the generated dashboards make, flattened: panel and annotation targets with their dashboard, panel
 * type and title, and the dashboard's default time range. The integration test executes them all.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARDS, type DashboardSpec } from './dashboards';
import { isCarbonTarget, isFluxTarget, type CarbonTarget, type FluxTarget } from './targets';

export interface PanelQuery<T> {
  dashboard: DashboardSpec;
  /** Panel title, or `annotation <name>`. */
  panel: string;
  panelType: string;
  target: T;
  /** The dashboard's time range, or the panel's own (`timeFrom`, e.g. `now/d`) up to now. */
  time: { from: string; to: string };
  /** The panel's unit (fieldConfig.defaults.unit), if it sets one. */
  unit?: string;
}

interface AnyPanel {
  type: string;
  title?: string;
  timeFrom?: string;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: unknown[];
  panels?: AnyPanel[];
}

export function panelQueries(specs: readonly DashboardSpec[] = DASHBOARDS): {
  flux: PanelQuery<FluxTarget>[];
  carbon: PanelQuery<CarbonTarget>[];
} {
  const flux: PanelQuery<FluxTarget>[] = [];
  const carbon: PanelQuery<CarbonTarget>[] = [];
  for (const spec of specs) {
    const d: dashboard.Dashboard = JSON.parse(JSON.stringify(spec.build()));
    const time = { from: d.time?.from ?? 'now-6h', to: d.time?.to ?? 'now' };
    const add = (panel: string, panelType: string, t: unknown, timeFrom?: string, unit?: string) => {
      const target = t as { datasource?: { uid?: string } };
      const range = timeFrom ? { from: timeFrom, to: 'now' } : time;
      if (isFluxTarget(target)) flux.push({ dashboard: spec, panel, panelType, target, time: range, unit });
      else if (isCarbonTarget(target)) carbon.push({ dashboard: spec, panel, panelType, target, time: range, unit });
      else throw new Error(`${spec.file}: panel "${panel}" has a query of no known data source`);
    };
    const walk = (panels: AnyPanel[]) => {
      for (const p of panels) {
        for (const t of p.targets ?? []) add(p.title ?? '', p.type, t, p.timeFrom, p.fieldConfig?.defaults?.unit);
        walk(p.panels ?? []);
      }
    };
    walk((d.panels ?? []) as AnyPanel[]);
    for (const a of d.annotations?.list ?? []) if (a.target) add(`annotation ${a.name}`, 'annotation', a.target);
  }
  return { flux, carbon };
}

/** `now`, `now-24h`, `now+1d`, `now/d`, `now/M` (the forms the dashboards use) at `nowMs`. */
export function resolveTime(expr: string, nowMs: number): number {
  if (expr === 'now') return nowMs;
  const rounded = /^now\/([dM])$/.exec(expr);
  if (rounded) {
    const d = new Date(nowMs);
    return rounded[1] === 'd'
      ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
      : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const m = /^now([-+])(\d+)([mhdw])$/.exec(expr);
  if (!m) throw new Error(`time "${expr}" is not one of now, now±N(m|h|d|w), now/d, now/M`);
  const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[3] as 'm' | 'h' | 'd' | 'w'];
  return nowMs + (m[1] === '-' ? -1 : 1) * Number(m[2]) * unitMs;
}

/**
 * The Flux Grafana's InfluxDB data source sends for a query: its macros replaced by the time range and interval
 * (Grafana: pkg/tsdb/influxdb/flux/macros.go), as time and duration literals.
 */
export function interpolateFlux(query: string, range: { fromMs: number; toMs: number }, windowS: number): string {
  return query
    .replaceAll('v.timeRangeStart', new Date(range.fromMs).toISOString())
    .replaceAll('v.timeRangeStop', new Date(range.toMs).toISOString())
    .replaceAll('v.windowPeriod', `${windowS}s`);
}
