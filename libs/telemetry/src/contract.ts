/**
 * Telemetry contract v1: the single source of truth for topics, payload fields, units, limits and reject reasons.
 * Every producer (simulator, gateway, devices) and the tests use it; Telegraf's processor plugin
 * (pipeline/telegraf-processor/contract.go) carries a generated copy of the tables below (`renderGoContract`), kept
 * in sync by a unit test. Documented in libs/telemetry/CONTRACT.md.
 */

export const CONTRACT_VERSION = 1;

/** First topic level of everything CarbonReducer publishes (the broker ACLs are written against it). */
export const TOPIC_ROOT = 'carbonreducer';

/** QoS of every telemetry and status publish: at-least-once, made idempotent by the device timestamp. */
export const TELEMETRY_QOS = 1;

/** Device kinds; each is also the InfluxDB measurement its readings are written to. */
export const DEVICE_KINDS = ['meter', 'plug', 'thermometer', 'intensity', 'gateway'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export interface FieldSpec {
  /** Key in the JSON payload (camelCase, unit as suffix). */
  key: string;
  /** InfluxDB field (snake_case, unit as suffix); always written as a float. */
  influxField: string;
  unit: string;
  /** Inclusive bounds; values outside are `out_of_range` (absurd for a home). */
  min: number;
  max: number;
}

/** Every reading field the contract knows, in the order validators check them. */
export const FIELDS = {
  powerW: { key: 'powerW', influxField: 'power_w', unit: 'W', min: -100_000, max: 100_000 },
  energyWh: { key: 'energyWh', influxField: 'energy_wh', unit: 'Wh', min: 0, max: 1e12 },
  currentA: { key: 'currentA', influxField: 'current_a', unit: 'A', min: -500, max: 500 },
  voltageV: { key: 'voltageV', influxField: 'voltage_v', unit: 'V', min: 0, max: 1000 },
  temperatureC: { key: 'temperatureC', influxField: 'temperature_c', unit: '°C', min: -80, max: 150 },
  intensityGPerKWh: {
    key: 'intensityGPerKWh',
    influxField: 'intensity_g_per_kwh',
    unit: 'gCO2/kWh',
    min: 0,
    max: 3000,
  },
  bufferedReadings: { key: 'bufferedReadings', influxField: 'buffered_readings', unit: 'count', min: 0, max: 1e12 },
  evictedReadings: { key: 'evictedReadings', influxField: 'evicted_readings', unit: 'count', min: 0, max: 1e12 },
  rejectedReadings: { key: 'rejectedReadings', influxField: 'rejected_readings', unit: 'count', min: 0, max: 1e12 },
} as const satisfies Record<string, FieldSpec>;
export type FieldKey = keyof typeof FIELDS;

export interface KindSpec {
  /** At least one reading field per kind is required; these must all be present. */
  required: readonly FieldKey[];
  optional: readonly FieldKey[];
}

export const KINDS: Record<DeviceKind, KindSpec> = {
  /** Whole-home smart meter; negative power is export (e.g. solar). */
  meter: { required: ['powerW'], optional: ['energyWh', 'currentA', 'voltageV'] },
  /** Smart plug in front of one appliance. */
  plug: { required: ['powerW'], optional: ['energyWh', 'currentA', 'voltageV'] },
  thermometer: { required: ['temperatureC'], optional: [] },
  /** Local carbon-intensity reading (in-home display or the home's own estimate). */
  intensity: { required: ['intensityGPerKWh'], optional: [] },
  /** The edge gateway's own health: its disk buffer and what it had to evict or reject. */
  gateway: { required: ['bufferedReadings'], optional: ['evictedReadings', 'rejectedReadings'] },
};

/**
 * Quantity prefixes: a key that starts with one of these but is not a contract key uses another unit
 * (`powerKW`, `temperatureF`, `energyKWh`) and is rejected as `wrong_unit` rather than `unknown_field`.
 */
export const QUANTITY_PREFIXES = ['power', 'energy', 'current', 'voltage', 'temperature', 'intensity'] as const;

export const LIMITS = {
  /** Bytes of one message (after trimming surrounding whitespace). */
  maxPayloadBytes: 65_536,
  /** Readings in one batched message. */
  maxBatchReadings: 500,
  /** Device clocks may run this far ahead of the receiver before a reading is `ts_in_future`. */
  maxFutureSkewMs: 300_000,
  /** Readings before 2000-01-01T00:00:00Z are `ts_too_old` (a device with an unset clock). */
  minTimestampMs: 946_684_800_000,
  /** Home and device ids: 1-64 of [a-z0-9_-], starting with a letter or digit. */
  maxIdLength: 64,
} as const;

/** Why a message or reading was rejected; the `reason` tag of the `telemetry_rejects` measurement. */
export const REJECT_REASONS = [
  'payload_too_large',
  'bad_json',
  'bad_topic',
  'bad_version',
  'bad_batch',
  'missing_field',
  'bad_type',
  'wrong_unit',
  'unknown_field',
  'out_of_range',
  'ts_in_future',
  'ts_too_old',
  'bad_state',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const MEASUREMENTS = {
  rejects: 'telemetry_rejects',
  status: 'device_status',
} as const;

/** Retained status payload states; `offline` is also the broker-published last will. */
export const DEVICE_STATES = ['online', 'offline'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** Tags on every accepted point (the series identity together with the measurement). */
export const TAGS = { homeId: 'home_id', deviceId: 'device_id' } as const;
