import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOUR_MS } from '@carbonreducer/common';
import { BUCKETS, INFLUX_ORG, INTENSITY_FORECAST, writePoints, createInfluxClient } from '@carbonreducer/influx';
import { FileIntensitySource, InfluxIntensityWriter, type IntensityRegion } from '@carbonreducer/intensity';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { parse } from 'yaml';
import { declaredCondition, evaluate, type DeclaredCondition } from './evaluate';
import type { FileRuleGroup } from './fileFormat';
import { ALERTING_FILES } from './generate';
import { ALERT_LABELS, DEFAULT_ALERTING_SETTINGS, RULE_UIDS } from './settings';

/**
 * The rules' Flux, exactly as provisioned (alerting/rules.yaml), on the real InfluxDB with the read-only token Grafana
 * gets, and the result judged with the Reduce and Threshold the rule declares (`evaluate.ts`): Grafana itself cannot
 * run here. The high-carbon rule runs on real GB intensity (NESO 2023, ../shared/data) replayed into a region of this
 * run: the actuals through the ingest's own writer, the forecast as a perfect forecast (each slot's actual) issued just
 * before the evaluation instant, which InfluxDB's `now` sets to a replayed moment.
 */
const HOW_TO_START = 'start it with `bash scripts/stack up influxdb` (tokens land in .stack/secrets.env)';
const stack = loadStackEnv();
const url = `http://127.0.0.1:${stack.port('INFLUXDB_PORT')}`;
const run = `${process.pid}-${Date.now().toString(36)}`;
const region: IntensityRegion = { id: `ZZ-alert-${run}`, fileRegion: 'GB' };
const SPAN = { fromMs: Date.parse('2023-01-05T00:00:00Z'), toMs: Date.parse('2023-03-09T00:00:00Z') };

const rules = (
  parse(readFileSync(join(__dirname, '..', '..', ALERTING_FILES.rules), 'utf8')) as { groups: FileRuleGroup[] }
).groups.flatMap((g) => g.rules);
const rule = (uid: string) => {
  const r = rules.find((x) => x.uid === uid);
  if (!r) throw new Error(`no rule ${uid} in ${ALERTING_FILES.rules}`);
  return r;
};
const high = declaredCondition(rule(RULE_UIDS.highCarbonHours));

let appToken: string;
let grafana: InfluxDB;
let file: FileIntensitySource;

/** The rule's query as Grafana would run it, with InfluxDB's clock at `nowIso`; only this run's region. */
async function evaluateAt(condition: DeclaredCondition, nowIso: string) {
  const api = grafana.getQueryApi({ org: INFLUX_ORG, now: () => nowIso });
  const rows = await api.collectRows<Record<string, unknown>>(condition.query);
  return evaluate(
    condition,
    rows.filter((r) => r[ALERT_LABELS.region] === region.id),
  );
}

/** A forecast issue of this region: each slot of [from, to) at its value (the actual, or `valueG` for every slot). */
async function writeForecast(issuedAt: string, fromMs: number, toMs: number, valueG?: number) {
  const actuals = await file.fetchActuals({ fromMs, toMs, region });
  const f = INTENSITY_FORECAST;
  const points = actuals.map((p) =>
    new Point(f.measurement)
      .tag(f.tags.region, region.id)
      .tag(f.tags.modelVersion, 'replay')
      .tag(f.tags.issuedAt, issuedAt)
      .tag(f.tags.servedBy, 'champion')
      .tag(f.tags.fallbackReason, 'none')
      .floatField(f.fields.intensity, valueG ?? p.intensityGPerKWh)
      .timestamp(new Date(p.fromMs)),
  );
  await writePoints(
    createInfluxClient({ url, token: appToken, org: INFLUX_ORG }),
    { org: INFLUX_ORG, bucket: BUCKETS.forecasts, precision: 's' },
    points,
    'replayed forecast',
  );
  return actuals;
}

beforeAll(async () => {
  try {
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
    if (!health.ok) throw new Error(`HTTP ${health.status}`);
  } catch (err) {
    throw new Error(`InfluxDB is not reachable at ${url}: ${HOW_TO_START}`, { cause: err });
  }
  appToken = stack.get('INFLUXDB_APP_TOKEN');
  grafana = new InfluxDB({ url, token: stack.get('INFLUXDB_GRAFANA_TOKEN'), timeout: 60_000 });
  file = await FileIntensitySource.fromSharedData({ replay: false });
  // The region's actuals for the whole span, written the way the ingest writes them.
  const writer = new InfluxIntensityWriter({ url, token: appToken, org: INFLUX_ORG });
  await writer.write(await file.fetchActuals({ ...SPAN, region }), region);
}, 120_000);

afterAll(async () => {
  if (!appToken) return;
  for (const bucket of [BUCKETS.carbonIntensity, BUCKETS.forecasts]) {
    const res = await fetch(
      `${url}/api/v2/delete?org=${encodeURIComponent(INFLUX_ORG)}&bucket=${encodeURIComponent(bucket)}`,
      {
        method: 'POST',
        headers: { Authorization: `Token ${appToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          start: new Date(SPAN.fromMs).toISOString(),
          stop: new Date(SPAN.toMs).toISOString(),
          predicate: `region="${region.id}"`,
        }),
      },
    );
    if (!res.ok) throw new Error(`cleaning up region ${region.id} failed: HTTP ${res.status} ${await res.text()}`);
  }
});

describe('the high-carbon rule on replayed real GB intensity', () => {
  const { thresholdGPerKWh, scanH, slotMin } = DEFAULT_ALERTING_SETTINGS.highCarbon;
  const forecastAround = (nowIso: string, issuedAt: string, valueG?: number, startInH = 0) => {
    const nowMs = Date.parse(nowIso);
    return writeForecast(issuedAt, nowMs + startInH * HOUR_MS - slotMin * 60_000, nowMs + scanH * HOUR_MS, valueG);
  };

  it('fires for the morning peak of 7 March 2023 (06:00-10:00 UTC, 281 g) seen the evening before, and not once it began', async () => {
    const now = '2023-03-06T19:00:00Z';
    const slots = await forecastAround(now, '2023-03-06T18:55:00Z');
    expect(slots.length).toBeGreaterThan(45);
    const instances = await evaluateAt(high, now);
    expect(instances).toEqual([
      {
        labels: {
          [ALERT_LABELS.region]: region.id,
          [ALERT_LABELS.window]: '2023-03-07T06:00:00Z/2023-03-07T10:00:00Z',
        },
        value: 281,
        firing: true,
      },
    ]);
    // Once the window has begun it is not "ahead" any more (no instance with a shifted start); the same issue's
    // evening peak now is.
    expect(await evaluateAt(high, '2023-03-07T06:10:00Z')).toEqual([
      {
        labels: {
          [ALERT_LABELS.region]: region.id,
          [ALERT_LABELS.window]: '2023-03-07T15:30:00Z/2023-03-07T19:00:00Z',
        },
        value: 294,
        firing: true,
      },
    ]);
  }, 60_000);

  it('stays quiet on a windy day (14 January 2023: at most 84 g), even after an older issue said 400 g', async () => {
    const now = '2023-01-14T12:00:00Z';
    // An older issue said 400 g from 14:00 on: alone, it fires (so the query does read this data).
    await forecastAround(now, '2023-01-14T09:00:00Z', 400, 2.5);
    expect(await evaluateAt(high, now)).toEqual([
      {
        labels: {
          [ALERT_LABELS.region]: region.id,
          [ALERT_LABELS.window]: '2023-01-14T14:00:00Z/2023-01-15T12:00:00Z',
        },
        value: 400,
        firing: true,
      },
    ]);
    const slots = await forecastAround(now, '2023-01-14T11:55:00Z');
    expect(Math.max(...slots.map((s) => s.intensityGPerKWh))).toBeLessThan(thresholdGPerKWh);
    // The newest issue of each slot counts: NoData, which the rule declares OK.
    expect(await evaluateAt(high, now)).toEqual([]);
    expect(rule(RULE_UIDS.highCarbonHours).noDataState).toBe('OK');
  }, 60_000);

  it("stays quiet on 25 January 2023: 235 g is above the threshold but not above that week's 80th percentile (239 g)", async () => {
    const now = '2023-01-25T12:00:00Z';
    const slots = await forecastAround(now, '2023-01-25T11:55:00Z');
    const peak = Math.max(...slots.map((s) => s.intensityGPerKWh));
    expect(peak).toBeGreaterThan(thresholdGPerKWh);
    expect(await evaluateAt(high, now)).toEqual([]);
  }, 60_000);

  it('every rule query runs on the live buckets with the read-only token, each row a labelled number', async () => {
    for (const r of rules) {
      const c = declaredCondition(r);
      const rows = await grafana.getQueryApi(INFLUX_ORG).collectRows<Record<string, unknown>>(c.query);
      for (const row of rows) expect([r.uid, typeof row._value]).toEqual([r.uid, 'number']);
      // The reduce and threshold apply to whatever the buckets hold now (mostly no data on a quiet stack).
      expect(() => evaluate(c, rows)).not.toThrow();
    }
  }, 120_000);
});
