/**
 * The CarbonReducer API's response bodies as the plugins read them. The API's zod schemas (api/src/schemas.ts) are the
 * source; these are their shapes for browser code that must not bundle zod. `api.test.ts` parses fixtures typed by
 * these interfaces with the real schemas, so a drift fails a test.
 */
export interface ApiHome {
  homeId: string;
  region: string;
  timeZone: string;
  importLimitW: number | null;
  active: boolean;
}
export interface ApiHomeList {
  homes: ApiHome[];
}
export interface ApiIntensityForecast {
  region: string;
  issuedAt: string;
  modelVersion: string;
  servedBy: string;
  coverage: number | null;
  points: { time: string; intensityGPerKWh: number; lowerGPerKWh: number | null; upperGPerKWh: number | null }[];
}
export interface ApiPlannedRun {
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
}
export interface ApiPlan {
  homeId: string;
  version: number | null;
  plannedAt: string | null;
  forecastIssuedAt: string | null;
  forecastModelVersion: string | null;
  runs: ApiPlannedRun[];
  slots: { time: string; powerW: number }[];
  requests: {
    requestId: string;
    deviceId: string;
    appliance: string;
    status: string;
    reason?: string;
    /** A homeowner's pin: the run starts at or after `from` and ends by `to`. */
    pin?: { from: string; to: string; pinnedAt: string };
  }[];
  commands: { deviceId: string; requestId: string; action: string; at: string; status: string }[];
  expectedAvoidedEmissionsG: number;
  /** Measured for the finished runs by the verify-savings workflow, g CO2. */
  verifiedAvoidedEmissionsG: number;
  /** `status` is `verified`, or why not (yet): not_acked, no_telemetry, did_not_run, too_little_energy, no_actuals. */
  verifiedRuns: {
    requestId: string;
    deviceId: string;
    status: string;
    expectedAvoidedG: number;
    avoidedG: number | null;
  }[];
}
export interface ApiRunRequest {
  idempotencyKey: string;
  deviceId: string;
  appliance: string;
  durationMin: number;
  powerW: number;
  profileW?: number[];
  earliestStart?: string;
  readyBy: string;
  stopAtEnd?: boolean;
}
export interface ApiRunPlanned {
  requestId: string;
  startAt: string;
  endAt: string;
  avoidedEmissionsG: number;
  planVersion: number;
}
/** POST …/runs/{requestId}/start-now | cancel | pin and POST …/pins. */
export interface ApiOverrideResult {
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
export interface ApiPins {
  idempotencyKey?: string;
  pins: { requestId: string; from: string; to: string }[];
}
export interface ApiParetoPoint {
  co2PricePerKg: number;
  costExpected: number;
  kgCO2Expected: number;
  dominated: boolean;
  runs: { requestId: string; deviceId: string; appliance: string; startAt: string; endAt: string }[];
}
/** GET …/pareto: cost against CO2 of the runs still to plan, one plan per CO2 price. */
export interface ApiPareto {
  homeId: string;
  computedAt: string | null;
  tariff: { name: string; currency: string } | null;
  forecastIssuedAt: string | null;
  forecastModelVersion: string | null;
  chosenCo2PricePerKg: number;
  points: ApiParetoPoint[];
}
export interface ApiPreferences {
  co2PricePerKg: number;
  comfort: { earliestHour: number; latestHour: number };
  fuseA: number | null;
  alerts: { optIn: boolean; channel: 'mqtt' | 'sms' };
  leaderboardOptIn: boolean;
}
export interface ApiReport {
  homeId: string;
  period: 'day' | 'month';
  rows: { start: string; expectedAvoidedKg: number; verifiedAvoidedKg: number | null }[];
}
export interface ApiLeaderboard {
  month: string;
  entries: { rank: number; home: string; avoidedKg: number }[];
}
export interface ApiMe {
  subject: string;
  username: string | null;
  roles: ('homeowner' | 'analyst' | 'operator')[];
  view: 'raw' | 'pseudonymous';
  acr: string | null;
  mfa: { satisfied: boolean; methods: string[] };
  homes: { homeId: string; role: string }[];
}
export interface ApiProblem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  field?: string;
}

/**
 * Resource routes of the data source (Grafana: /api/datasources/uid/{uid}/resources/{path}). The Go backend passes each
 * to the API path beside it with the signed-in user's token. Keep in step with pkg/plugin/resources.go (its test reads
 * the `RESOURCE_ROUTES` list from resources.json).
 */
export { default as RESOURCE_ROUTES } from './resources.json';
