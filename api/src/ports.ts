/**
 * What the routes need from the outside world, as small interfaces: PostgreSQL, InfluxDB, the broker and Temporal
 * sit behind them (src/adapters), and unit tests can hand in fakes around the pure parts.
 */
import type { DeviceKind } from '@carbonreducer/telemetry';
import type { z } from 'zod';
import type { Preferences as PreferencesSchema } from './schemas';

export type Preferences = z.output<typeof PreferencesSchema>;

export interface HomeRow {
  homeId: string;
  region: string;
  timeZone: string;
  importLimitW: number | null;
  active: boolean;
}

export interface MemberRow {
  subject: string;
  role: 'owner' | 'resident';
  addedAt: Date;
}

export interface DeviceRow {
  homeId: string;
  deviceId: string;
  kind: string;
  tokenSha256: Buffer;
  revoked: boolean;
}

export interface Directory {
  listHomes(): Promise<HomeRow[]>;
  getHome(homeId: string): Promise<HomeRow | null>;
  /** false when the home id is taken. */
  registerHome(home: HomeRow): Promise<boolean>;
  /** false when there is no such home. */
  setActive(homeId: string, active: boolean): Promise<boolean>;
  homesOf(subject: string): Promise<{ homeId: string; role: string }[]>;
  isMember(subject: string, homeId: string): Promise<boolean>;
  listMembers(homeId: string): Promise<MemberRow[]>;
  putMember(homeId: string, subject: string, role: 'owner' | 'resident'): Promise<MemberRow>;
  deleteMember(homeId: string, subject: string): Promise<boolean>;
  getPreferences(homeId: string): Promise<Preferences>;
  putPreferences(homeId: string, preferences: Preferences): Promise<void>;
  /** Active homes that opted in to alerts, with their region and channel. */
  alertRecipients(): Promise<{ homeId: string; region: string; channel: 'mqtt' | 'sms' }[]>;
  leaderboardHomes(): Promise<string[]>;
  ping(): Promise<void>;
}

export interface DeviceRegistry {
  /** false when an unrevoked device with this id exists in the home. */
  register(device: {
    homeId: string;
    deviceId: string;
    kind: string;
    label: string | null;
    tokenId: string;
    tokenSha256: Buffer;
    mqttUsername: string | null;
  }): Promise<{ created: boolean; createdAt: Date }>;
  /** false when there is no unrevoked device with this id. */
  revoke(homeId: string, deviceId: string): Promise<boolean>;
  byTokenId(tokenId: string): Promise<DeviceRow | null>;
}

/** Publishes into the one ingest path (Mosquitto → Telegraf → InfluxDB); resolves once the broker acknowledged. */
export interface BrokerPublisher {
  publish(topic: string, payload: string, options?: { retain?: boolean }): Promise<void>;
  ping(): Promise<void>;
}

/**
 * Per-device broker identities (Mosquitto's dynamic-security plugin, src/adapters/dynsec.ts). Both calls reject with
 * `DependencyUnavailable` when the broker does not answer and `BrokerRefused` when it refuses the change.
 */
export interface DeviceIdentities {
  /** The device's broker username (what registration stores and returns). */
  username(homeId: string, deviceId: string): string;
  /** Creates the device's client and role (replacing leftovers under its names); the password is shown once. */
  create(device: {
    homeId: string;
    deviceId: string;
    kind: DeviceKind;
  }): Promise<{ username: string; password: string }>;
  /** Deletes the device's client, which disconnects it, and its role; resolves also when there is none. */
  remove(device: { homeId: string; deviceId: string }): Promise<void>;
  ping(): Promise<void>;
}

export interface ReadingSeries {
  deviceId: string;
  kind: string;
  points: { time: string; value: number }[];
}

export interface ForecastIssue<P> {
  issuedAt: string;
  modelVersion: string;
  points: P[];
}

/** InfluxDB reads of the API (one adapter file, to move onto @carbonreducer/influx once it exists). */
export interface TimeSeries {
  readings(args: { homeId: string; field: string; from: Date; to: Date; every: string }): Promise<ReadingSeries[]>;
  latestIntensityForecast(args: { region: string; from: Date; to: Date }): Promise<ForecastIssue<{
    time: string;
    intensityGPerKWh: number;
    lower: number | null;
    upper: number | null;
  }> | null>;
  latestLoadForecast(args: {
    homeId: string;
    from: Date;
    to: Date;
  }): Promise<ForecastIssue<{ time: string; powerW: number }> | null>;
  /** Expected avoided emissions of planned runs (latest plan version per request), g, keyed by run start. */
  plannedAvoided(args: {
    homeIds: string[] | 'all';
    from: Date;
    to: Date;
  }): Promise<{ homeId: string; startAt: string; avoidedG: number }[]>;
  /** Avoided emissions of verified runs (measured, verify-savings workflow), g, keyed by the run's real start. */
  verifiedAvoided(args: {
    homeIds: string[];
    from: Date;
    to: Date;
  }): Promise<{ homeId: string; startAt: string; avoidedG: number }[]>;
  /** Actual intensity of a region per slot (slot start), g/kWh. */
  intensityActuals(args: { region: string; from: Date; to: Date }): Promise<{ timeMs: number; value: number }[]>;
  /** Every issue's forecast points for slots in [from, to) issued at or after `issuedFrom`. */
  intensityIssues(args: { region: string; from: Date; to: Date; issuedFrom: Date }): Promise<IntensityIssuePoint[]>;
  ping(): Promise<void>;
}

/** One slot of one issued intensity forecast (g/kWh; band null without one). */
export interface IntensityIssuePoint {
  issuedAtMs: number;
  slotMs: number;
  servedBy: string;
  value: number;
  lower: number | null;
  upper: number | null;
}

/** The workflow shapes the API reads and writes (workflows/src/types.ts: RunRequest, CurrentPlanView). */
export interface RunRequestInput {
  requestId: string;
  deviceId: string;
  appliance: string;
  durationMin: number;
  powerW: number;
  profileW?: number[];
  earliestStart?: string;
  readyBy: string;
  stopAtEnd?: boolean;
}

export interface PlanView {
  homeId: string;
  plan: {
    version: number;
    plannedAt: string;
    forecastIssuedAt: string | null;
    forecastModelVersion: string | null;
    runs: {
      requestId: string;
      deviceId: string;
      appliance: string;
      startAt: string;
      endAt: string;
      powerW: number;
      energyWh: number;
      emissionsG: number;
      baselineEmissionsG: number;
      avoidedEmissionsG: number;
    }[];
    slots: { time: string; powerW: number }[];
  } | null;
  commands: { deviceId: string; requestId: string; action: string; at: string; status: string }[];
  requests: {
    request: { requestId: string; deviceId: string; appliance: string; durationMin?: number; readyBy?: string };
    status: string;
    reason?: string;
    /** A homeowner's pin (the run starts at or after `from` and ends by `to`). */
    pin?: { from: string; to: string; pinnedAt: string };
  }[];
  expectedAvoidedEmissionsG: number;
  /** Avoided emissions the verify-savings workflow measured for the home's finished runs, g (absent before it ran). */
  verifiedAvoidedEmissionsG?: number;
  /** Latest verifications (workflows' RunVerification): `verified`, or why not (yet). */
  verifiedRuns?: { requestId: string; deviceId: string; status: string; expectedAvoidedG: number; avoidedG?: number }[];
}

export interface Planner {
  /** Rejects with a `RunRejected` when the workflow refuses the request (bad input, infeasible). */
  requestRun(
    homeId: string,
    region: string,
    request: RunRequestInput,
  ): Promise<{
    requestId: string;
    startAt: string;
    endAt: string;
    avoidedEmissionsG: number;
    planVersion: number;
  }>;
  currentPlan(homeId: string): Promise<PlanView | null>;
  /**
   * Start now, cancel or pin runs (the workflow's `overrideRuns` update); resolves once re-planned. Rejects with an
   * `OverrideRefused` naming each run's reason.
   */
  overrideRuns(homeId: string, input: OverrideInput): Promise<OverrideOutcome>;
  /** The cost vs CO2 curve of the runs still to plan (the workflow's `pareto` update); null: no optimizer runs. */
  pareto(homeId: string, co2PricesPerKg: number[]): Promise<ParetoView | null>;
  ping(): Promise<void>;
}

/** The workflow's OverrideRunsInput (workflows/src/types.ts). */
export interface OverrideInput {
  overrideId: string;
  overrides: { requestId: string; action: 'start-now' | 'cancel' | 'pin'; window?: { from: string; to: string } }[];
}

/** The workflow's OverrideRunsResult. */
export interface OverrideOutcome {
  overrideId: string;
  planVersion: number;
  runs: {
    requestId: string;
    action: 'start-now' | 'cancel' | 'pin';
    status: string;
    startAt?: string;
    endAt?: string;
    pin?: { from: string; to: string; pinnedAt: string };
    command?: { idempotencyKey: string; status: string; error?: string };
  }[];
}

/** The workflow's ParetoResult. */
export interface ParetoView {
  homeId: string;
  computedAt: string;
  tariff: { name: string; currency: string } | null;
  forecastIssuedAt: string | null;
  forecastModelVersion: string | null;
  points: {
    co2PricePerKg: number;
    costExpected: number;
    kgCO2Expected: number;
    dominated: boolean;
    runs: { requestId: string; deviceId: string; appliance: string; startAt: string; endAt: string }[];
  }[];
}

/** The workflow's stable refusal codes of an override (workflows/src/types.ts OverrideRefusalCode). */
export const OVERRIDE_REFUSALS = [
  'no_overrides',
  'duplicate_run',
  'unknown_run',
  'already_started',
  'already_cancelled',
  'rejected_run',
  'not_planned_yet',
  'window_missing',
  'window_unexpected',
  'window_invalid',
  'window_in_past',
  'window_too_short',
  'window_too_far',
  'replan_failed',
] as const;
export type OverrideRefusalCode = (typeof OVERRIDE_REFUSALS)[number];

/** The optimizer refused an override: each run with its reason. */
export class OverrideRefused extends Error {
  constructor(
    readonly refusals: { requestId: string; code: OverrideRefusalCode; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(refusals.map((r) => r.message).join('; ') || 'override refused', options);
    this.name = 'OverrideRefused';
  }
}

export class RunRejected extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunRejected';
  }
}

/** A backing service (InfluxDB, …) failed or timed out: the API answers 503 `dependency_unavailable`, not 500. */
export class DependencyUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DependencyUnavailable';
  }
}

/** The broker answered but refused a change (e.g. of a device identity): the API answers 502 `broker_refused`. */
export class BrokerRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerRefused';
  }
}
