/**
 * What the Grafana provisioning is made of, named once: organisations (and the ids `start.sh` gives them), data
 * sources with their UIDs, dashboard folders. Dashboards, the generated provisioning files and the tests read these.
 */
// The data source's and the panel's plugin.json are those plugins' contract with Grafana (no index exports them).
// eslint-disable-next-line no-restricted-imports
import datasourcePlugin from '@carbonreducer/grafana-datasource/src/plugin.json';
// eslint-disable-next-line no-restricted-imports
import schedulePanelPlugin from '@carbonreducer/grafana-schedule-panel/src/plugin.json';
// eslint-disable-next-line no-restricted-imports
import appPlugin from '@carbonreducer/grafana-app/src/plugin.json';
import { INFLUX_ORG, BUCKETS } from '@carbonreducer/influx';

export const PLUGIN_IDS = {
  datasource: datasourcePlugin.id,
  schedulePanel: schedulePanelPlugin.id,
  app: appPlugin.id,
} as const;

/**
 * Grafana organisations. Grafana's file provisioning cannot create organisations and refuses data sources and
 * dashboards for an org id that does not exist, so `start.sh` creates them (in this order, so with these ids) before
 * the server that reads the provisioning starts. Org 1 ("Main Org.") stays empty: it is where Grafana puts a user no
 * mapping matched, so nobody lands in an org with data by default.
 */
export const ORGS = {
  main: { id: 1, name: 'Main Org.' },
  homes: { id: 2, name: 'Homes' },
  analytics: { id: 3, name: 'Analytics' },
} as const;
export type OrgKey = Exclude<keyof typeof ORGS, 'main'>;

export interface DatasourceRef {
  type: string;
  uid: string;
}

/** Data source UIDs are unique per org, so the CarbonReducer data source has the same UID in both. */
export const DATASOURCES = {
  carbonreducer: { type: PLUGIN_IDS.datasource, uid: 'carbonreducer' },
  influxdb: { type: 'influxdb', uid: 'influxdb' },
} as const satisfies Record<string, DatasourceRef>;

/** Which data sources each org holds: homeowners never get the raw InfluxDB data source. */
export const ORG_DATASOURCES: Record<OrgKey, readonly (keyof typeof DATASOURCES)[]> = {
  homes: ['carbonreducer'],
  analytics: ['carbonreducer', 'influxdb'],
};

/** Environment variables Grafana's provisioning reads (compose sets them from .stack/secrets.env). */
export const GRAFANA_ENV = {
  apiUrl: 'CARBONREDUCER_API_URL',
  influxUrl: 'INFLUX_URL',
  /** The read-only InfluxDB token (`INFLUXDB_GRAFANA_TOKEN`, "grafana: read all buckets", made by `scripts/stack up`). */
  influxReadToken: 'INFLUX_GRAFANA_TOKEN',
} as const;

export const INFLUX = { org: INFLUX_ORG, defaultBucket: BUCKETS.telemetry } as const;

export interface Folder {
  org: OrgKey;
  /** Folder (and path) segment: provisioning/grafana/dashboards/<org>/<key>/. */
  key: string;
  uid: string;
  title: string;
  /** Only the org's Admins (operators) see it: start.sh sets the folder's permissions (file provisioning cannot). */
  adminOnly?: boolean;
}

export const FOLDERS = {
  energy: { org: 'analytics', key: 'energy', uid: 'cr-energy', title: 'Energy' },
  forecasting: { org: 'analytics', key: 'forecasting', uid: 'cr-forecasting', title: 'Forecasting' },
  savings: { org: 'analytics', key: 'savings', uid: 'cr-savings', title: 'Savings' },
  operations: { org: 'analytics', key: 'operations', uid: 'cr-operations', title: 'Operations', adminOnly: true },
  myHome: { org: 'homes', key: 'my-home', uid: 'cr-my-home', title: 'My home' },
} as const satisfies Record<string, Folder>;

/** Where Grafana sees this folder inside the container (compose mounts provisioning/grafana/dashboards there). */
export const CONTAINER_DASHBOARDS_DIR = '/etc/grafana/provisioning/dashboards';

/** The grid region the dashboards show by default (the simulated homes and the ingest are GB). */
export const DEFAULT_REGION = 'GB';
/** How Flux queries name the dashboard's `region` variable (Grafana replaces it before sending the query). */
export const REGION_VARIABLE = '${region}';
