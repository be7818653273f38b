import { HALF_HOUR_MS } from '@carbonreducer/common';
import { InfluxIntensityQuery } from '@carbonreducer/intensity';
import {
  BUCKETS,
  createInfluxClient,
  telemetryFieldQuery,
  VERIFIED_HOME_DAY,
  VERIFIED_RUN,
  writePoints,
  type InfluxSettings,
} from '@carbonreducer/influx';
import { Point, type InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { workflowIds } from '../ids';
import type { PlanReader, VerificationStore, VerifiedRunRecord } from '../ports';
import type { CurrentPlanView } from '../types';
import { currentPlanQuery } from '../workflows/definitions';

/** A home's current plan, from its optimizer's `currentPlan` query; null when the home has no optimizer. */
export class TemporalPlanReader implements PlanReader {
  constructor(private readonly client: Client) {}

  async currentPlan(homeId: string): Promise<CurrentPlanView | null> {
    try {
      return await this.client.workflow.getHandle(workflowIds.optimizeHome(homeId)).query(currentPlanQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw new Error(`querying the plan of home ${homeId} failed`, { cause: err });
    }
  }
}

/** Device power from the telemetry bucket, actual intensity from carbon_intensity; results to the schedules bucket. */
export class InfluxVerificationStore implements VerificationStore {
  private readonly client: InfluxDB;
  private readonly queryApi: QueryApi;
  private readonly intensity: InfluxIntensityQuery;

  constructor(private readonly settings: InfluxSettings) {
    this.client = createInfluxClient(settings);
    this.queryApi = this.client.getQueryApi(settings.org);
    this.intensity = new InfluxIntensityQuery({ ...settings, bucket: BUCKETS.carbonIntensity });
  }

  async devicePower(args: { homeId: string; deviceId: string; fromMs: number; toMs: number }) {
    const rows = await this.queryApi.collectRows<{ _time: string; _value: number }>(
      telemetryFieldQuery(BUCKETS.telemetry, {
        homeId: args.homeId,
        deviceId: args.deviceId,
        field: 'power_w',
        startMs: args.fromMs,
        stopMs: args.toMs,
      }),
    );
    return rows
      .map((r) => ({ timeMs: Date.parse(r._time), powerW: Number(r._value) }))
      .filter((s) => Number.isFinite(s.timeMs) && Number.isFinite(s.powerW))
      .sort((a, b) => a.timeMs - b.timeMs);
  }

  async actualIntensity(args: { region: string; fromMs: number; toMs: number }): Promise<Map<number, number>> {
    const points = await this.intensity.recentActuals({
      regionId: args.region,
      sinceMs: Math.floor(args.fromMs / HALF_HOUR_MS) * HALF_HOUR_MS,
      untilMs: args.toMs,
    });
    return new Map(points.map((p) => [p.fromMs, p.intensityGPerKWh]));
  }

  async writeVerified(records: VerifiedRunRecord[]): Promise<void> {
    const runs = records.map((r) =>
      new Point(VERIFIED_RUN.measurement)
        .tag(VERIFIED_RUN.tags.homeId, r.homeId)
        .tag(VERIFIED_RUN.tags.deviceId, r.deviceId)
        .tag(VERIFIED_RUN.tags.requestId, r.requestId)
        .floatField(VERIFIED_RUN.fields.realised, r.realisedG)
        .floatField(VERIFIED_RUN.fields.counterfactual, r.counterfactualG)
        .floatField(VERIFIED_RUN.fields.avoided, r.avoidedG)
        .floatField(VERIFIED_RUN.fields.expectedAvoided, r.expectedAvoidedG)
        .floatField(VERIFIED_RUN.fields.energy, r.energyWh)
        .timestamp(new Date(r.startedAt)),
    );
    // Per home and UTC day of the run's start: the sum of the runs verified so far (rewritten as runs are added).
    const days = new Map<
      string,
      { homeId: string; day: string; realised: number; cf: number; expected: number; n: number }
    >();
    for (const r of records) {
      const day = r.startedAt.slice(0, 10);
      const key = `${r.homeId}/${day}`;
      const d = days.get(key) ?? { homeId: r.homeId, day, realised: 0, cf: 0, expected: 0, n: 0 };
      d.realised += r.realisedG;
      d.cf += r.counterfactualG;
      d.expected += r.expectedAvoidedG;
      d.n++;
      days.set(key, d);
    }
    const perDay = [...days.values()].map((d) =>
      new Point(VERIFIED_HOME_DAY.measurement)
        .tag(VERIFIED_HOME_DAY.tags.homeId, d.homeId)
        .floatField(VERIFIED_HOME_DAY.fields.realised, d.realised)
        .floatField(VERIFIED_HOME_DAY.fields.counterfactual, d.cf)
        .floatField(VERIFIED_HOME_DAY.fields.avoided, d.cf - d.realised)
        .floatField(VERIFIED_HOME_DAY.fields.expectedAvoided, d.expected)
        .intField(VERIFIED_HOME_DAY.fields.runs, d.n)
        .timestamp(new Date(`${d.day}T00:00:00Z`)),
    );
    await writePoints(
      this.client,
      { org: this.settings.org, bucket: BUCKETS.schedules, precision: 's' },
      [...runs, ...perDay],
      'verified emissions',
    );
  }
}
