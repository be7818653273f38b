import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
// The webhook's contract file has no imports; the API's index would load the whole server to read three constants.
// eslint-disable-next-line no-restricted-imports
import { ALERT_WEBHOOK } from '@carbonreducer/api/src/alertContract';
import { NOTIFICATION_KINDS } from '@carbonreducer/telemetry';
import { DATASOURCES, ORGS } from '../model';
import { loadChampionBacktest, REGISTRY_DIR } from './backtest';
import { ALERTING_FILE_SCHEMA, INTEGRATION_SETTINGS } from './fileSchema';
import type { FileContactPoint, FilePolicy, FileRuleGroup, FileTemplate } from './fileFormat';
import { ALERTING_FILES, alertingFiles, alertingResources } from './generate';
import { EXPRESSION_DATASOURCE, REF } from './rules';
import { ALERTING_ENV, AUDIENCES, CONTACT_POINTS, DEFAULT_ALERTING_SETTINGS, RULE_UIDS } from './settings';
import alertingSchema from './schemas/alerting.jsonschema.json';
import exprSchema from './schemas/expr.jsonschema.json';

const root = join(__dirname, '..', '..');
const backtest = loadChampionBacktest(REGISTRY_DIR);
const committed = (path: string) => readFileSync(join(root, path), 'utf8');
const doc = <T>(key: keyof typeof ALERTING_FILES): T => parse(committed(ALERTING_FILES[key])) as T;

// The SDK's only format is date-time on a rule's read-only `updated`, which we never set.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
ajv.addSchema(alertingSchema, 'alerting');
ajv.addSchema(exprSchema, 'expr');
const validateFile = ajv.compile(ALERTING_FILE_SCHEMA);
const errorsOf = (v: { errors?: unknown }) => JSON.stringify(v.errors, null, 1);
const sdk = (definition: string) => {
  const v = ajv.getSchema(`alerting#/definitions/${definition}`);
  if (!v) throw new Error(`no ${definition} in the SDK's alerting schema`);
  return v;
};
const exprModel = ajv.getSchema('expr');
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const groups = () => doc<{ groups: FileRuleGroup[] }>('rules').groups;
const rules = () => groups().flatMap((g) => g.rules);
const contactPoints = () => doc<{ contactPoints: FileContactPoint[] }>('contactPoints').contactPoints;

describe('alerting provisioning', () => {
  it('is committed and up to date (regenerated in memory), and nothing else is in alerting/', () => {
    const files = alertingFiles({ backtest });
    const stale = [...files].filter(([path, text]) => !existsSync(join(root, path)) || committed(path) !== text);
    expect(stale.map(([p]) => p)).toEqual([]);
    // Grafana reads every file of the folder: a stray one would be provisioned too.
    expect(readdirSync(join(root, 'alerting')).sort()).toEqual(
      Object.values(ALERTING_FILES)
        .map((p) => p.replace('alerting/', ''))
        .sort(),
    );
  });

  it('builds HTTP-API shapes that the foundation SDK schemas accept (rules, expressions, contact points, policy, templates)', () => {
    const r = alertingResources({ backtest });
    for (const rule of r.rules) {
      const v = sdk('Rule');
      expect([rule.uid, v(plain(rule)) ? 'ok' : errorsOf(v)]).toEqual([rule.uid, 'ok']);
      for (const q of rule.data.filter((d) => d.datasourceUid === EXPRESSION_DATASOURCE.uid)) {
        const ok = exprModel?.(plain(q.model));
        expect([rule.uid, q.refId, ok ? 'ok' : errorsOf(exprModel ?? {})]).toEqual([rule.uid, q.refId, 'ok']);
      }
    }
    for (const cp of r.contactPoints) expect(sdk('ContactPoint')(plain(cp))).toBe(true);
    expect(sdk('NotificationPolicy')(plain(r.policy))).toBe(true);
    for (const t of r.templates) expect(sdk('NotificationTemplate')(plain(t))).toBe(true);
  });

  it("writes only Grafana's documented file-provisioning fields, with valid values", () => {
    for (const key of Object.keys(ALERTING_FILES) as (keyof typeof ALERTING_FILES)[]) {
      const ok = validateFile(doc(key));
      expect([key, ok ? 'ok' : errorsOf(validateFile)]).toEqual([key, 'ok']);
    }
    for (const cp of contactPoints())
      for (const r of cp.receivers) {
        const documented = INTEGRATION_SETTINGS[r.type];
        expect(documented).toBeDefined();
        const keys = Object.keys(r.settings);
        expect(keys.filter((k) => ![...documented!.required, ...documented!.optional].includes(k))).toEqual([]);
        expect(documented!.required.filter((k) => !keys.includes(k))).toEqual([]);
      }
  });

  it('the schema refuses what Grafana would drop or refuse (it can fail)', () => {
    const g = groups()[0]!;
    const rule = g.rules[0]!;
    const bad = [
      { apiVersion: 1, groups: [{ ...g, rules: [{ ...rule, keep_firing_for: '5m' }] }] },
      { apiVersion: 1, groups: [{ ...g, rules: [{ ...rule, noDataState: 'Nodata' }] }] },
      { apiVersion: 1, groups: [{ ...g, interval: '5 minutes' }] },
      { apiVersion: 1, groups: [{ ...g, folder: undefined }] },
      { apiVersion: 2, groups: [g] },
    ];
    expect(bad.map((b) => validateFile(plain(b)))).toEqual([false, false, false, false, false]);
  });

  it('keeps rule UIDs stable and puts every rule in the Analytics org, on its InfluxDB data source', () => {
    expect(rules().map((r) => r.uid)).toEqual(Object.values(RULE_UIDS));
    expect(groups().map((g) => g.orgId)).toEqual(groups().map(() => ORGS.analytics.id));
    // The data source these rules query is the one provisioned in that org, with that UID and type.
    const provisioned = parse(committed('datasources/analytics.yaml')) as {
      datasources: { uid: string; type: string; orgId: number }[];
    };
    const influx = provisioned.datasources.find((d) => d.uid === DATASOURCES.influxdb.uid);
    expect(influx).toMatchObject({ type: 'influxdb', orgId: ORGS.analytics.id });
    for (const rule of rules()) {
      const uids = new Set(rule.data.map((d) => d.datasourceUid));
      expect([rule.uid, [...uids].sort()]).toEqual([rule.uid, [EXPRESSION_DATASOURCE.uid, DATASOURCES.influxdb.uid]]);
      // Condition C thresholds B, which reduces A: every reference resolves to a query of the rule.
      expect(rule.condition).toBe(REF.condition);
      const refIds = rule.data.map((d) => d.refId);
      for (const d of rule.data) {
        const ref = (d.model as { expression?: string }).expression;
        if (ref !== undefined) expect(refIds).toContain(ref);
        // Alert evaluation has no dashboard time range or template variables: none may appear in the Flux.
        const query = (d.model as { query?: string }).query;
        if (query !== undefined) expect(query).not.toMatch(/v\.timeRange|v\.windowPeriod|\$\{?[A-Za-z]/);
      }
    }
  });

  it('labels high-carbon alerts for homes (region, window, notification kind) and nothing else', () => {
    const byUid = new Map(rules().map((r) => [r.uid, r]));
    const high = byUid.get(RULE_UIDS.highCarbonHours)!;
    expect(high.labels).toEqual({
      [ALERT_WEBHOOK.labels.audience]: AUDIENCES.homes,
      [ALERT_WEBHOOK.labels.kind]: 'high_carbon_hours',
    });
    expect(NOTIFICATION_KINDS).toContain(high.labels![ALERT_WEBHOOK.labels.kind]);
    // region and window come from the query's series (its group key), so each window is its own alert instance.
    const flux = (high.data[0]!.model as { query: string }).query;
    expect(flux).toMatch(
      new RegExp(`group\\(columns: \\["${ALERT_WEBHOOK.labels.region}", "${ALERT_WEBHOOK.labels.window}"\\]\\)$`),
    );
    for (const r of rules().filter((x) => x.uid !== RULE_UIDS.highCarbonHours))
      expect([r.uid, r.labels?.[ALERT_WEBHOOK.labels.audience]]).toEqual([r.uid, AUDIENCES.operators]);
    const threshold = high.data.find((d) => d.refId === REF.condition)!.model as {
      conditions: { evaluator: { params: number[] } }[];
    };
    expect(threshold.conditions[0]!.evaluator.params).toEqual([DEFAULT_ALERTING_SETTINGS.highCarbon.thresholdGPerKWh]);
  });

  it("routes homes' alerts to the API webhook and everything else (rule errors too) to operators", () => {
    const [policy] = doc<{ policies: FilePolicy[] }>('policies').policies;
    const names = new Set(contactPoints().map((c) => c.name));
    const receivers = (p: FilePolicy | NonNullable<FilePolicy['routes']>[number]): string[] => [
      p.receiver ?? '',
      ...(p.routes ?? []).flatMap(receivers),
    ];
    expect(receivers(policy!).filter((r) => !names.has(r))).toEqual([]);
    expect(policy!.receiver).toBe(CONTACT_POINTS.operators.name);
    const [errors, homes] = policy!.routes!;
    expect(errors!.object_matchers).toEqual([['alertname', '=~', 'DatasourceError|DatasourceNoData']]);
    expect(homes).toMatchObject({
      receiver: CONTACT_POINTS.homes.name,
      object_matchers: [[ALERT_WEBHOOK.labels.audience, '=', AUDIENCES.homes]],
    });
    const api = contactPoints().find((c) => c.name === CONTACT_POINTS.homes.name)!.receivers[0]!;
    expect(api.settings).toMatchObject({
      url: `\${${ALERTING_ENV.apiUrl}}${ALERT_WEBHOOK.path}`,
      authorization_scheme: 'Bearer',
      authorization_credentials: `\${${ALERTING_ENV.webhookToken}}`,
    });
  });

  it('reads only the environment variables it names, and uses only templates it defines', () => {
    const text = committed(ALERTING_FILES.contactPoints);
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.values(ALERTING_ENV).sort());
    const templates = doc<{ templates: FileTemplate[] }>('templates').templates;
    const defined = new Set(templates.flatMap((t) => [...t.template.matchAll(/define "([^"]+)"/g)].map((m) => m[1])));
    const referenced = [...text.matchAll(/template "([^"]+)"/g)].map((m) => m[1]);
    expect(referenced.length).toBeGreaterThan(0);
    expect(referenced.filter((r) => !defined.has(r))).toEqual([]);
    // No `$` in a rule's labels: Grafana interpolates environment variables there.
    for (const r of rules()) expect(JSON.stringify(r.labels ?? {})).not.toContain('$');
  });

  it("compares live accuracy with the committed champion's backtest, horizon by horizon", () => {
    const rule = rules().find((r) => r.uid === RULE_UIDS.forecastAccuracyDegraded)!;
    const flux = (rule.data[0]!.model as { query: string }).query;
    for (const [h, mae] of Object.entries(backtest.maeByHorizon)) expect(flux).toContain(`"${h}": ${mae}`);
    expect(committed(ALERTING_FILES.rules)).toContain(`intensity champion ${backtest.version}`);
  });
});
