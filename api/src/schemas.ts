/**
 * Every request and response of the API, written once: the routes validate with them, handlers are typed by them and
 * the OpenAPI document (`/api/openapi.json`) is generated from them. Objects are strict: unknown fields are refused.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { DEVICE_KINDS, ID_PATTERN, LIMITS } from '@carbonreducer/telemetry';
import { z } from 'zod';
import { PROBLEMS, type ProblemCode } from './http/problem';

extendZodWithOpenApi(z);

export { z };

export const ROLES = ['homeowner', 'analyst', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** Home and device ids follow the contract's one id rule. Analysts see (and pass) pseudonyms of the same shape. */
export const Id = z
  .string()
  .min(1)
  .max(LIMITS.maxIdLength)
  .regex(new RegExp(ID_PATTERN), 'must be 1-64 of [a-z0-9_-], starting with a letter or digit');
export const HomeId = Id.openapi({ description: 'Home id (raw for homeowners and operators, pseudonym for analysts)' });
export const DeviceId = Id.openapi({ description: 'Device id (pseudonym for analysts)' });
export const Region = z
  .string()
  .regex(/^[A-Z]{2}[A-Z0-9-]{0,14}$/, 'an upper-case region code such as GB')
  .openapi({ example: 'GB' });
export const IsoTime = z.iso.datetime({ offset: true }).openapi({ example: '2026-12-03T06:00:00Z' });

export const HomeParams = z.strictObject({ homeId: HomeId });
export const HomeDeviceParams = z.strictObject({ homeId: HomeId, deviceId: DeviceId });
export const HomeMemberParams = z.strictObject({
  homeId: HomeId,
  subject: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9._:@-]+$/, 'a Keycloak subject (user id)'),
});
export const RegionParams = z.strictObject({ region: Region });

// ── errors ───────────────────────────────────────────────────────────────────────────────────────────────────────
const problemCodes = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];
export const Problem = z
  .strictObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(problemCodes),
    detail: z.string().optional(),
    field: z.string().optional(),
    errors: z.array(z.strictObject({ field: z.string(), code: z.string(), message: z.string() })).optional(),
    instance: z.string().optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details with a stable `code`' });

// ── health ───────────────────────────────────────────────────────────────────────────────────────────────────────
export const DependencyState = z.strictObject({
  ok: z.boolean(),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
});
export const Health = z
  .strictObject({
    status: z.enum(['ok', 'degraded']),
    dependencies: z.record(z.string(), DependencyState),
  })
  .openapi('Health');

// ── auth ─────────────────────────────────────────────────────────────────────────────────────────────────────────
export const Me = z
  .strictObject({
    subject: z.string(),
    username: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    view: z.enum(['raw', 'pseudonymous']),
    acr: z.string().nullable(),
    mfa: z.strictObject({ satisfied: z.boolean(), methods: z.array(z.string()) }),
    homes: z.array(z.strictObject({ homeId: HomeId, role: z.string() })),
  })
  .openapi('Me');

export const DeviceKind = z.enum(DEVICE_KINDS);
export const RegisterDeviceBody = z
  .strictObject({ deviceId: Id, kind: DeviceKind, label: z.string().max(200).optional() })
  .openapi('RegisterDevice');
export const DeviceCredentials = z
  .strictObject({
    homeId: HomeId,
    deviceId: DeviceId,
    kind: DeviceKind,
    http: z.strictObject({
      token: z.string().openapi({ description: 'Bearer token for POST /api/data; shown once, stored hashed' }),
      dataUrl: z.string(),
    }),
    mqtt: z
      .strictObject({
        url: z.string(),
        username: z.string(),
        password: z.string(),
        telemetryTopic: z.string(),
        commandTopic: z.string(),
      })
      .openapi({ description: 'Per-device broker identity (username {homeId}/{deviceId}); shown once' }),
    createdAt: IsoTime,
  })
  .openapi('DeviceCredentials');

// ── data ─────────────────────────────────────────────────────────────────────────────────────────────────────────
/** Described here for the document; the device contract (`@carbonreducer/telemetry`) is the validator. */
export const TelemetryMessage = z
  .looseObject({ v: z.literal(1), ts: z.number().int().optional(), readings: z.array(z.looseObject({})).optional() })
  .openapi('TelemetryMessage', {
    description: 'Device contract v1 message (libs/telemetry/CONTRACT.md): one reading or a batch of readings',
    example: { v: 1, ts: 1764201600000, powerW: 412.5 },
  });
export const IngestAccepted = z
  .strictObject({ accepted: z.number().int(), topic: z.string() })
  .openapi('IngestAccepted');

export const Every = z.enum(['1m', '5m', '15m', '30m', '1h', '1d']);
export const ReadingsQuery = z.strictObject({
  deviceId: DeviceId.optional(),
  field: z.enum(['power_w', 'energy_wh', 'current_a', 'voltage_v', 'temperature_c']).default('power_w'),
  from: IsoTime,
  to: IsoTime,
  every: Every.default('15m'),
});
export const Readings = z
  .strictObject({
    homeId: HomeId,
    field: z.string(),
    every: Every,
    series: z.array(
      z.strictObject({
        deviceId: DeviceId,
        kind: z.string(),
        points: z.array(z.strictObject({ time: IsoTime, value: z.number() })),
      }),
    ),
  })
  .openapi('Readings');

// ── predict ──────────────────────────────────────────────────────────────────────────────────────────────────────
export const ForecastWindowQuery = z.strictObject({
  from: IsoTime.optional(),
  hours: z.coerce.number().int().min(1).max(96).default(48),
});
export const IntensityForecast = z
  .strictObject({
    region: Region,
    issuedAt: IsoTime,
    modelVersion: z.string(),
    servedBy: z.string(),
    coverage: z.number().nullable().openapi({ description: 'Nominal interval coverage (0.8); null without a band' }),
    points: z.array(
      z.strictObject({
        time: IsoTime,
        intensityGPerKWh: z.number(),
        lowerGPerKWh: z.number().nullable(),
        upperGPerKWh: z.number().nullable(),
      }),
    ),
  })
  .openapi('IntensityForecast');
/** Lead times of the live scoring (workflows' accuracy, @carbonreducer/forecast INTENSITY_HORIZONS_MIN). */
export const ACCURACY_HORIZONS = ['30m', '1h', '2h', '4h', '8h', '12h', '24h', '48h'] as const;
export type AccuracyHorizon = (typeof ACCURACY_HORIZONS)[number];
export const AccuracyQuery = z.strictObject({
  from: IsoTime,
  to: IsoTime,
  horizon: z.enum(ACCURACY_HORIZONS).default('24h').openapi({ description: 'Lead: slot end − issue time' }),
});
export const IntensityAccuracy = z
  .strictObject({
    region: Region,
    horizon: z.enum(ACCURACY_HORIZONS),
    from: IsoTime,
    to: IsoTime,
    maeGPerKWh: z.number().nullable(),
    coverage80: z.number().nullable().openapi({ description: 'Share of actuals inside the 80 % band; null without' }),
    scoredSlots: z.number().int(),
    slots: z.array(
      z.strictObject({
        time: IsoTime,
        actualGPerKWh: z.number(),
        forecastGPerKWh: z.number().nullable(),
        absErrorGPerKWh: z.number().nullable(),
        lowerGPerKWh: z.number().nullable(),
        upperGPerKWh: z.number().nullable(),
        issuedAt: IsoTime.nullable(),
        servedBy: z.string().nullable(),
      }),
    ),
  })
  .openapi('IntensityAccuracy');
export const LoadForecast = z
  .strictObject({
    homeId: HomeId,
    issuedAt: IsoTime,
    modelVersion: z.string(),
    points: z.array(z.strictObject({ time: IsoTime, powerW: z.number() })),
    expectedEmissionsG: z
      .number()
      .nullable()
      .openapi({ description: 'Forecast load × forecast intensity over the window (g CO2)' }),
  })
  .openapi('LoadForecast');

// ── optimize ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const RunRequestBody = z
  .strictObject({
    idempotencyKey: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/),
    deviceId: Id,
    appliance: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9_-]+$/),
    durationMin: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    powerW: z.number().positive().max(100_000),
    profileW: z
      .array(z.number().min(0).max(100_000))
      .min(1)
      .max(24 * 60)
      .optional()
      .openapi({ description: 'Real power profile (W), the mean of each minute from the cycle start' }),
    earliestStart: IsoTime.optional(),
    readyBy: IsoTime,
    stopAtEnd: z.boolean().optional(),
  })
  .openapi('RunRequest');
export const RunPlanned = z
  .strictObject({
    requestId: z.string(),
    startAt: IsoTime,
    endAt: IsoTime,
    avoidedEmissionsG: z.number(),
    planVersion: z.number().int(),
  })
  .openapi('RunPlanned');
export const PlannedRun = z.strictObject({
  requestId: z.string(),
  deviceId: DeviceId,
  appliance: z.string(),
  startAt: IsoTime,
  endAt: IsoTime,
  powerW: z.number(),
  energyWh: z.number(),
  emissionsG: z.number(),
  baselineEmissionsG: z.number(),
  avoidedEmissionsG: z.number(),
});
export const Plan = z
  .strictObject({
    homeId: HomeId,
    version: z.number().int().nullable(),
    plannedAt: IsoTime.nullable(),
    forecastIssuedAt: z.string().nullable(),
    forecastModelVersion: z.string().nullable(),
    runs: z.array(PlannedRun),
    slots: z.array(z.strictObject({ time: IsoTime, powerW: z.number() })),
    requests: z.array(
      z.strictObject({
        requestId: z.string(),
        deviceId: DeviceId,
        appliance: z.string(),
        status: z.string(),
        reason: z.string().optional(),
        pin: z.strictObject({ from: IsoTime, to: IsoTime, pinnedAt: IsoTime }).optional(),
      }),
    ),
    commands: z.array(
      z.strictObject({
        deviceId: DeviceId,
        requestId: z.string(),
        action: z.string(),
        at: z.string(),
        status: z.string(),
      }),
    ),
    expectedAvoidedEmissionsG: z.number(),
    /** Measured by the verify-savings workflow for the finished runs; 0 before any run is verified. */
    verifiedAvoidedEmissionsG: z.number(),
    verifiedRuns: z.array(
      z.strictObject({
        requestId: z.string(),
        deviceId: DeviceId,
        status: z.string(),
        expectedAvoidedG: z.number(),
        avoidedG: z.number().nullable(),
      }),
    ),
  })
  .openapi('Plan');

// ── homes, members, preferences ──────────────────────────────────────────────────────────────────────────────────
export const Home = z
  .strictObject({
    homeId: HomeId,
    region: Region,
    timeZone: z.string(),
    importLimitW: z.number().int().nullable(),
    active: z.boolean(),
  })
  .openapi('Home');
export const HomeList = z.strictObject({ homes: z.array(Home) }).openapi('HomeList');
export const RegisterHomeBody = z
  .strictObject({
    homeId: Id,
    region: Region.default('GB'),
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/)
      .default('Europe/London'),
    importLimitW: z.number().int().positive().max(1_000_000).nullable().default(null),
  })
  .openapi('RegisterHome');
export const MemberRole = z.enum(['owner', 'resident']);
export const Member = z.strictObject({ subject: z.string(), role: MemberRole, addedAt: IsoTime }).openapi('Member');
export const MemberList = z.strictObject({ homeId: HomeId, members: z.array(Member) }).openapi('MemberList');
export const PutMemberBody = z.strictObject({ role: MemberRole }).openapi('PutMember');

export const Preferences = z
  .strictObject({
    co2PricePerKg: z.number().min(0).max(10).openapi({ description: 'Price put on 1 kg CO2 in plans (currency/kg)' }),
    comfort: z
      .strictObject({ earliestHour: z.number().int().min(0).max(23), latestHour: z.number().int().min(1).max(24) })
      .refine((c) => c.earliestHour < c.latestHour, { message: 'earliestHour must be before latestHour' }),
    fuseA: z.number().int().min(1).max(400).nullable(),
    alerts: z.strictObject({ optIn: z.boolean(), channel: z.enum(['mqtt', 'sms']) }),
    leaderboardOptIn: z.boolean(),
  })
  .openapi('Preferences');

// ── reports ──────────────────────────────────────────────────────────────────────────────────────────────────────
export const ReportQuery = z.strictObject({
  period: z.enum(['day', 'month']).default('day'),
  from: IsoTime,
  to: IsoTime,
});
export const Report = z
  .strictObject({
    homeId: HomeId,
    period: z.enum(['day', 'month']),
    rows: z.array(
      z.strictObject({ start: IsoTime, expectedAvoidedKg: z.number(), verifiedAvoidedKg: z.number().nullable() }),
    ),
  })
  .openapi('Report');
export const LeaderboardQuery = z.strictObject({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM') });
export const Leaderboard = z
  .strictObject({
    month: z.string(),
    entries: z.array(z.strictObject({ rank: z.number().int(), home: z.string(), avoidedKg: z.number() })),
  })
  .openapi('Leaderboard');

// ── alerts ───────────────────────────────────────────────────────────────────────────────────────────────────────
/** Grafana's webhook contact point payload (documented fields; Grafana adds more over versions, so loose). */
export const GrafanaAlert = z.looseObject({
  status: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  fingerprint: z.string().optional(),
});
export const GrafanaWebhook = z
  .looseObject({
    receiver: z.string().optional(),
    status: z.enum(['firing', 'resolved']),
    alerts: z.array(GrafanaAlert).max(1000),
    title: z.string().optional(),
    message: z.string().optional(),
    commonLabels: z.record(z.string(), z.string()).optional(),
  })
  .openapi('GrafanaWebhook');
export const AlertFanout = z
  .strictObject({ notified: z.number().int(), homes: z.number().int(), skipped: z.number().int() })
  .openapi('AlertFanout');

// ── overrides and the Pareto curve ───────────────────────────────────────────────────────────────────────────────
const IdempotencyKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .openapi({ description: 'Repeating a key answers the first call again (optional)' });
export const RunParams = z.strictObject({
  homeId: HomeId,
  requestId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'a run request id'),
});
export const OverrideBody = z.strictObject({ idempotencyKey: IdempotencyKey.optional() }).openapi('Override');
const Window = {
  from: IsoTime.openapi({ description: 'The run starts at or after this time' }),
  to: IsoTime.openapi({ description: 'The run has ended by this time (honoured to the 30 min planning slot)' }),
};
export const PinBody = z.strictObject({ idempotencyKey: IdempotencyKey.optional(), ...Window }).openapi('Pin');
export const PinsBody = z
  .strictObject({
    idempotencyKey: IdempotencyKey.optional(),
    pins: z
      .array(z.strictObject({ requestId: RunParams.shape.requestId, ...Window }))
      .min(1)
      .max(50),
  })
  .openapi('Pins', { description: 'Several runs pinned at once (e.g. a point of the Pareto curve): one re-plan' });
export const OverrideResult = z
  .strictObject({
    overrideId: z.string(),
    planVersion: z.number().int(),
    runs: z.array(
      z.strictObject({
        requestId: z.string(),
        action: z.enum(['start-now', 'cancel', 'pin']),
        status: z.string(),
        startAt: IsoTime.optional(),
        endAt: IsoTime.optional(),
        pin: z.strictObject({ from: IsoTime, to: IsoTime, pinnedAt: IsoTime }).optional(),
        command: z
          .strictObject({ idempotencyKey: z.string(), status: z.string(), error: z.string().optional() })
          .optional()
          .openapi({ description: 'start-now: the start command, once it left for the device' }),
      }),
    ),
  })
  .openapi('OverrideResult');
export const DEFAULT_PARETO_PRICES_PER_KG = [0, 0.05, 0.1, 0.2, 0.5, 1, 2] as const;
export const ParetoQuery = z.strictObject({
  co2PricesPerKg: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?){0,11}$/, 'comma-separated prices per kg CO2, at most 12, e.g. 0,0.1,0.5')
    .transform((v) => v.split(',').map(Number))
    .refine((prices) => prices.every((p) => p <= 10), 'each price at most 10 per kg')
    .optional()
    .openapi({ type: 'string', example: '0,0.1,0.5,2' }),
});
export const Pareto = z
  .strictObject({
    homeId: HomeId,
    computedAt: IsoTime.nullable(),
    tariff: z.strictObject({ name: z.string(), currency: z.string() }).nullable(),
    forecastIssuedAt: z.string().nullable(),
    forecastModelVersion: z.string().nullable(),
    chosenCo2PricePerKg: z.number().openapi({ description: "The home's CO2 price preference (currency/kg)" }),
    points: z.array(
      z.strictObject({
        co2PricePerKg: z.number(),
        costExpected: z.number().openapi({ description: 'Expected energy cost over the horizon, tariff currency' }),
        kgCO2Expected: z.number(),
        dominated: z.boolean(),
        runs: z.array(
          z.strictObject({
            requestId: z.string(),
            deviceId: DeviceId,
            appliance: z.string(),
            startAt: IsoTime,
            endAt: IsoTime,
          }),
        ),
      }),
    ),
  })
  .openapi('Pareto', { description: 'Cost against CO2 of the runs still to plan, one plan per CO2 price' });
