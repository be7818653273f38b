import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { DASHBOARDS } from './dashboards';
import { SCHEDULE_OPTIONS } from './dashboards/myHome';
import { dashboardPath, datasources, generate } from './generate';
import { DATASOURCES, FOLDERS, ORGS, PLUGIN_IDS, type Folder, type OrgKey } from './model';

const root = join(__dirname, '..');

interface Panel {
  type: string;
  id?: number;
  datasource?: { uid?: string; type?: string };
  targets?: { refId: string; datasource?: { uid?: string; type?: string } }[];
  options?: unknown;
  fieldConfig?: { defaults?: { custom?: unknown } };
  panels?: Panel[];
}
interface DashboardJson {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list?: { name: string; datasource?: { uid?: string; type?: string } }[] };
  annotations?: {
    list?: { datasource?: { uid?: string; type?: string }; target?: { datasource?: { uid?: string } } }[];
  };
}

const committed = (path: string) => readFileSync(join(root, path), 'utf8');
const orgOf = (path: string): OrgKey => (path.split('/')[1] === 'homes' ? 'homes' : 'analytics');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [relative(root, join(dir, e.name))],
  );
}

/** Every data source reference a dashboard makes: panels, their targets, variables, annotations. */
function datasourceRefs(d: DashboardJson): { where: string; uid: string; type?: string }[] {
  const refs: { where: string; uid: string; type?: string }[] = [];
  const add = (where: string, ds?: { uid?: string; type?: string }) => {
    if (ds?.uid !== undefined) refs.push({ where, uid: ds.uid, type: ds.type });
  };
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      add(`panel ${p.id}`, p.datasource);
      for (const t of p.targets ?? []) add(`panel ${p.id} target ${t.refId}`, t.datasource);
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  for (const v of d.templating?.list ?? []) add(`variable ${v.name}`, v.datasource);
  for (const a of d.annotations?.list ?? []) {
    add('annotation', a.datasource);
    add('annotation target', a.target?.datasource);
  }
  return refs;
}

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

describe('generated provisioning', () => {
  let files: Map<string, string>;
  beforeAll(() => {
    files = generate();
  });

  it('is committed and up to date (regenerated in memory)', () => {
    const stale = [...files].filter(([path, text]) => !existsSync(join(root, path)) || committed(path) !== text);
    expect(stale.map(([p]) => p)).toEqual([]);
    // No stray dashboards: every JSON file under dashboards/ is one the generator writes.
    const onDisk = listFiles(join(root, 'dashboards')).filter((p) => p.endsWith('.json'));
    expect(onDisk.sort()).toEqual(DASHBOARDS.map(dashboardPath).sort());
  });

  it('gives every dashboard and folder the stable UID users bookmark', () => {
    const uids = DASHBOARDS.map((s) => [
      dashboardPath(s),
      (JSON.parse(files.get(dashboardPath(s)) ?? '{}') as DashboardJson).uid,
    ]);
    expect(uids).toEqual([
      ['dashboards/analytics/energy/energy-monitoring.json', 'cr-energy-monitoring'],
      ['dashboards/analytics/forecasting/forecasting.json', 'cr-forecasting'],
      ['dashboards/analytics/savings/savings.json', 'cr-savings'],
      ['dashboards/analytics/operations/operations.json', 'cr-operations'],
      ['dashboards/homes/my-home/my-home.json', 'cr-my-home'],
    ]);
    expect(Object.values(FOLDERS).map((f) => f.uid)).toEqual([
      'cr-energy',
      'cr-forecasting',
      'cr-savings',
      'cr-operations',
      'cr-my-home',
    ]);
    // Built twice, the same: nothing depends on the clock or on random ids.
    for (const s of DASHBOARDS) expect(JSON.stringify(s.build())).toEqual(JSON.stringify(s.build()));
  });

  it('gives panels unique ids and every target a refId', () => {
    for (const s of DASHBOARDS) {
      const panels = allPanels((JSON.parse(files.get(dashboardPath(s)) ?? '{}') as DashboardJson).panels);
      const ids = panels.map((p) => p.id);
      expect([s.file, new Set(ids).size]).toEqual([s.file, ids.length]);
      for (const p of panels) for (const t of p.targets ?? []) expect(t.refId).toMatch(/^[A-Z][A-Za-z]*$/);
    }
  });

  it('references only data sources provisioned in the dashboard’s own org', () => {
    for (const [path, text] of files) {
      if (!path.endsWith('.json')) continue;
      const org = orgOf(path);
      const provisioned = parse(files.get(`datasources/${org}.yaml`) ?? '') as {
        datasources: { uid: string; type: string; orgId: number }[];
      };
      const have = new Map(provisioned.datasources.map((d) => [d.uid, d]));
      const refs = datasourceRefs(JSON.parse(text) as DashboardJson);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const ds = have.get(ref.uid);
        expect([path, ref.where, ref.uid, ds?.type, ds?.orgId]).toEqual([
          path,
          ref.where,
          ref.uid,
          ref.type,
          ORGS[org].id,
        ]);
      }
    }
  });

  it('gives the Homes org no InfluxDB data source, and its dashboard no InfluxDB query', () => {
    expect(datasources('homes').map((d) => d.type)).toEqual([PLUGIN_IDS.datasource]);
    expect(datasources('analytics').map((d) => d.type)).toEqual([PLUGIN_IDS.datasource, 'influxdb']);
    const homes = [...files].filter(([p]) => p.startsWith('dashboards/homes/'));
    expect(homes.length).toBe(1);
    for (const [, text] of homes) {
      expect(text).not.toContain(DATASOURCES.influxdb.uid);
      expect(text).not.toMatch(/influx|from\(bucket/i);
    }
  });

  it('passes the signed-in user’s token to the API and reads InfluxDB with the read-only token from the environment', () => {
    const analytics = parse(files.get('datasources/analytics.yaml') ?? '') as {
      datasources: { type: string; jsonData: Record<string, unknown>; secureJsonData?: Record<string, string> }[];
    };
    const cr = analytics.datasources.find((d) => d.type === PLUGIN_IDS.datasource);
    expect(cr?.jsonData.oauthPassThru).toBe(true);
    const influx = analytics.datasources.find((d) => d.type === 'influxdb');
    expect(influx?.jsonData.version).toBe('Flux');
    expect(influx?.secureJsonData?.token).toBe('$INFLUX_GRAFANA_TOKEN');
  });

  it('provisions each folder in its org, reading the folder the dashboard files are in', () => {
    const providers = parse(files.get('dashboards/providers.yaml') ?? '') as {
      providers: { orgId: number; folderUid: string; options: { path: string } }[];
    };
    for (const s of DASHBOARDS) {
      const p = providers.providers.find((x) => x.folderUid === s.folder.uid);
      expect(p?.orgId).toBe(ORGS[s.folder.org].id);
      expect(p?.options.path).toBe(`/etc/grafana/provisioning/${dashboardPath(s).split('/').slice(0, 3).join('/')}`);
    }
  });

  it("is listed in the README's Quick start with working URLs, and the kiosk URL hides the chrome", () => {
    const readme = readFileSync(join(root, '..', '..', 'README.md'), 'utf8');
    for (const s of DASHBOARDS) {
      const d = JSON.parse(files.get(dashboardPath(s)) ?? '{}') as DashboardJson;
      expect(readme).toContain(`http://127.0.0.1:3000/d/${d.uid}/`);
      expect(readme).toMatch(new RegExp(`/d/${d.uid}/[a-z-]+\\?orgId=${ORGS[s.folder.org].id}\\b`));
      expect(readme).toMatch(new RegExp(`\\|\\s*${d.title}\\s*\\|`));
    }
    expect(readme).toContain(
      '/d/cr-my-home/my-home?orgId=2&kiosk&_dash.hideTimePicker&_dash.hideVariables&_dash.hideLinks',
    );
  });

  it('lists the orgs start.sh creates with the ids the provisioning uses', () => {
    expect(files.get('orgs.env')).toContain(`GRAFANA_ORGS='2:Homes 3:Analytics'`);
    expect(files.get('orgs.env')).toContain(`GRAFANA_ADMIN_FOLDERS='3:cr-operations:Operations'`);
    // start.sh splits these lists on spaces and colons.
    for (const name of [
      ...Object.values(ORGS)
        .slice(1)
        .map((o) => o.name),
      ...(Object.values(FOLDERS) as Folder[]).filter((f) => f.adminOnly).map((f) => f.title),
    ])
      expect(name).toMatch(/^[A-Za-z]+$/);
    expect(ORGS.homes.id).toBe(2);
  });
});

describe('dashboards against the foundation SDK JSON schemas (schemas/, v0.0.18)', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const schema = (name: string) => JSON.parse(readFileSync(join(root, 'schemas', `${name}.jsonschema.json`), 'utf8'));
  const dashboardSchema = schema('dashboard');
  // Grafana's CUE schema types these two as `_` (any value); the SDK's JSON Schema export turns that into "object",
  // which its own builders do not follow (overrideByName writes a string matcher option, displayName a string value).
  // Only these two properties are relaxed back to "any"; everything else is checked as vendored.
  const defs = dashboardSchema.definitions as Record<string, { properties: Record<string, unknown> }>;
  defs.MatcherConfig!.properties.options = {};
  defs.DynamicConfigValue!.properties.value = {};
  ajv.addSchema(dashboardSchema, 'dashboard');
  const validateDashboard = ajv.compile({ $ref: 'dashboard#/definitions/Dashboard' });
  const panelSchemas = ['timeseries', 'stat', 'table', 'bargauge', 'text'];
  for (const p of panelSchemas) ajv.addSchema(schema(p), p);
  const hasDef = (p: string, def: string) => def in (schema(p).definitions as Record<string, unknown>);

  it.each(DASHBOARDS.map((s) => [s.file, s] as const))('%s is a valid dashboard with valid panel options', (_f, s) => {
    const files = generate();
    const d = JSON.parse(files.get(dashboardPath(s)) ?? '{}') as DashboardJson;
    expect(validateDashboard(d) ? [] : validateDashboard.errors).toEqual([]);
    for (const p of allPanels(d.panels)) {
      if (p.type === 'row') continue;
      if (p.type === PLUGIN_IDS.schedulePanel) {
        expect(p.options).toEqual(SCHEDULE_OPTIONS);
        continue;
      }
      expect([p.id, p.type, panelSchemas.includes(p.type)]).toEqual([p.id, p.type, true]);
      const options = ajv.compile({ $ref: `${p.type}#/definitions/Options` });
      expect([p.id, options(p.options ?? {}) ? [] : options.errors]).toEqual([p.id, []]);
      if (hasDef(p.type, 'FieldConfig')) {
        const custom = ajv.compile({ $ref: `${p.type}#/definitions/FieldConfig` });
        const value = p.fieldConfig?.defaults?.custom ?? {};
        expect([p.id, custom(value) ? [] : custom.errors]).toEqual([p.id, []]);
      }
    }
  });

  it('bites: a dashboard without a title or with a mistyped panel field is rejected', () => {
    expect(validateDashboard({ uid: 'x' })).toBe(false);
    expect(validateDashboard({ title: 'x', panels: [{ type: 'stat', gridPos: { h: 'tall' } }] })).toBe(false);
    const stat = ajv.compile({ $ref: 'stat#/definitions/Options' });
    expect(stat({ graphMode: 'sparkles' })).toBe(false);
    // The relaxed properties still sit in a checked object: an override without a matcher id is rejected.
    expect(
      validateDashboard({
        title: 'x',
        panels: [
          { type: 'stat', fieldConfig: { defaults: {}, overrides: [{ matcher: { options: 'a' }, properties: [] }] } },
        ],
      }),
    ).toBe(false);
  });
});
