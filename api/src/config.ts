/**
 * The API's configuration, read from the environment once and validated (`scripts/stack env` provides every value
 * for the native stack; docker-compose passes the same names). The error lists every missing or bad variable.
 */
import { TEMPORAL_NAMESPACE, type LogLevel } from '@carbonreducer/common';
import { INFLUX_ORG } from '@carbonreducer/influx';
import { LIMITS } from '@carbonreducer/telemetry';
import { z } from 'zod';

export interface ApiConfig {
  host: string;
  port: number;
  /** URL clients use to reach this API (printed by main.sh, put into device credentials). */
  publicUrl: string;
  auth: {
    issuer: string;
    jwksUrl: string;
    audience: string;
    /** `acr` values that prove the MFA level (API_REQUIRED_ACR, comma-separated). */
    requiredAcr: string[];
    clockSkewS: number;
  };
  postgresUrl: string;
  mqtt: { url: string; publicUrl: string; username: string; password: string; ackTimeoutMs: number };
  /** The dynamic-security plugin's admin client (device identities). */
  dynsec: { url: string; username: string; password: string; timeoutMs: number };
  influx: { url: string; token: string; org: string };
  temporal: { address: string; namespace: string; timeoutMs: number };
  secrets: { pseudonymKey: string; alertWebhookToken: string; metricsToken: string };
  bodyLimitBytes: number;
  logLevel: LogLevel;
  /** HTTPS beside the loopback HTTP listener, with a certificate from the local CA (.stack/tls) or the operator's. */
  tls: { port: number; certFile: string; keyFile: string; publicUrl: string } | null;
}

const nonEmpty = (hint: string) => z.string({ error: `is not set (${hint})` }).min(1, `is empty (${hint})`);
const fromStack =
  'run `bash scripts/stack up` (its settings are found from the checkout) or see `bash scripts/stack env`';
const port = z.coerce.number().int().min(1).max(65535);

const Env = z.object({
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(8380),
  API_PUBLIC_URL: z.url().optional(),
  KEYCLOAK_ISSUER: z.url({ error: `is not a URL (${fromStack})` }),
  API_JWKS_URL: z.url().optional(),
  API_AUDIENCE: z.string().min(1).default('carbonreducer-api'),
  /**
   * The realm's level-of-authentication map gives `acr: mfa` to logins that passed password and a second factor
   * (provisioning/keycloak/README.md); `password` and `0` (SSO re-use without a level) are refused.
   */
  API_REQUIRED_ACR: z.string().min(1).default('mfa'),
  API_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(30),
  POSTGRES_URL: nonEmpty(fromStack),
  MQTT_URL: z.string().optional(),
  MQTT_PORT: port.default(1883),
  MQTT_PUBLIC_URL: z.string().optional(),
  MQTT_API_USER: z.string().optional(),
  MQTT_API_PASSWORD: z.string().optional(),
  MQTT_SERVICE_USER: z.string().default('service'),
  MQTT_SERVICE_PASSWORD: z.string().optional(),
  API_MQTT_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  MQTT_DYNSEC_USER: z.string().min(1).default('dynsec-admin'),
  MQTT_DYNSEC_ADMIN_PASSWORD: nonEmpty(fromStack),
  INFLUX_URL: z.string().optional(),
  INFLUXDB_PORT: port.default(8086),
  INFLUX_TOKEN: nonEmpty(fromStack),
  INFLUX_ORG: z.string().default(INFLUX_ORG),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_NAMESPACE: z.string().default(TEMPORAL_NAMESPACE),
  API_TEMPORAL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  API_PSEUDONYM_KEY: nonEmpty(fromStack).pipe(z.string().min(16, 'needs at least 16 characters')),
  API_ALERT_WEBHOOK_TOKEN: nonEmpty(fromStack).pipe(z.string().min(16, 'needs at least 16 characters')),
  API_METRICS_TOKEN: nonEmpty(fromStack).pipe(z.string().min(16, 'needs at least 16 characters')),
  API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(LIMITS.maxPayloadBytes),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  API_TLS_PORT: port.optional(),
  API_TLS_CERT_FILE: z.string().optional(),
  API_TLS_KEY_FILE: z.string().optional(),
  API_TLS_PUBLIC_URL: z.url().optional(),
});

type EnvInput = Record<string, string | undefined>;

export function loadConfig(env: EnvInput = process.env): ApiConfig {
  // Empty strings count as unset, as in the other services' config modules.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(cleaned);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`);
  const e = parsed.success ? parsed.data : undefined;
  const mqttPassword = cleaned.MQTT_API_PASSWORD ?? cleaned.MQTT_SERVICE_PASSWORD;
  if (mqttPassword === undefined) problems.push(`MQTT_API_PASSWORD or MQTT_SERVICE_PASSWORD is not set (${fromStack})`);
  const tlsSet = [cleaned.API_TLS_CERT_FILE, cleaned.API_TLS_KEY_FILE].filter((v) => v !== undefined).length;
  if (tlsSet === 1) problems.push('API_TLS_CERT_FILE and API_TLS_KEY_FILE go together: set both or neither');
  if (tlsSet === 2 && cleaned.API_TLS_PORT === undefined)
    problems.push('API_TLS_PORT is not set (HTTPS needs its own port beside API_PORT)');
  if (!e || problems.length > 0) throw new Error(`invalid API configuration:\n  - ${problems.join('\n  - ')}`);
  const issuer = e.KEYCLOAK_ISSUER.replace(/\/$/, '');
  const mqttUrl = e.MQTT_URL ?? `mqtt://127.0.0.1:${e.MQTT_PORT}`;
  return {
    host: e.API_HOST,
    port: e.API_PORT,
    publicUrl: (e.API_PUBLIC_URL ?? `http://${e.API_HOST}:${e.API_PORT}`).replace(/\/$/, ''),
    auth: {
      issuer,
      jwksUrl: e.API_JWKS_URL ?? `${issuer}/protocol/openid-connect/certs`,
      audience: e.API_AUDIENCE,
      requiredAcr: e.API_REQUIRED_ACR.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      clockSkewS: e.API_CLOCK_SKEW_S,
    },
    postgresUrl: e.POSTGRES_URL,
    mqtt: {
      url: mqttUrl,
      publicUrl: e.MQTT_PUBLIC_URL ?? mqttUrl,
      username: e.MQTT_API_USER ?? e.MQTT_SERVICE_USER,
      password: mqttPassword as string,
      ackTimeoutMs: e.API_MQTT_ACK_TIMEOUT_MS,
    },
    dynsec: {
      url: mqttUrl,
      username: e.MQTT_DYNSEC_USER,
      password: e.MQTT_DYNSEC_ADMIN_PASSWORD,
      timeoutMs: e.API_MQTT_ACK_TIMEOUT_MS,
    },
    influx: { url: e.INFLUX_URL ?? `http://127.0.0.1:${e.INFLUXDB_PORT}`, token: e.INFLUX_TOKEN, org: e.INFLUX_ORG },
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      timeoutMs: e.API_TEMPORAL_TIMEOUT_MS,
    },
    secrets: {
      pseudonymKey: e.API_PSEUDONYM_KEY,
      alertWebhookToken: e.API_ALERT_WEBHOOK_TOKEN,
      metricsToken: e.API_METRICS_TOKEN,
    },
    bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    tls:
      e.API_TLS_CERT_FILE && e.API_TLS_KEY_FILE && e.API_TLS_PORT
        ? {
            port: e.API_TLS_PORT,
            certFile: e.API_TLS_CERT_FILE,
            keyFile: e.API_TLS_KEY_FILE,
            publicUrl: (e.API_TLS_PUBLIC_URL ?? `https://${e.API_HOST}:${e.API_TLS_PORT}`).replace(/\/$/, ''),
          }
        : null,
  };
}

/** The variables `--help` lists. */
export const CONFIG_HELP = `Environment (read from the checkout's .stack/ after 'bash scripts/stack up'; explicit variables win):
  API_HOST, API_PORT            listen address (default 127.0.0.1:8380)
  API_PUBLIC_URL                URL clients use (default http://API_HOST:API_PORT)
  API_TLS_PORT, API_TLS_CERT_FILE, API_TLS_KEY_FILE
                                HTTPS listener beside HTTP (all three; 'stack env' gives the local CA's)
  API_TLS_PUBLIC_URL            HTTPS URL clients use (default https://API_HOST:API_TLS_PORT)
  KEYCLOAK_ISSUER               realm issuer, e.g. http://127.0.0.1:8180/realms/carbonreducer (required)
  API_JWKS_URL                  default <issuer>/protocol/openid-connect/certs
  API_AUDIENCE                  required aud (default carbonreducer-api)
  API_REQUIRED_ACR              acr value(s) proving MFA, comma-separated (default mfa)
  API_CLOCK_SKEW_S              exp/nbf tolerance (default 30)
  POSTGRES_URL                  homes, members, devices, preferences (required)
  MQTT_URL, MQTT_API_USER/PASSWORD (else MQTT_SERVICE_USER/PASSWORD)   broker client for ingest and notifications
  MQTT_DYNSEC_USER (dynsec-admin), MQTT_DYNSEC_ADMIN_PASSWORD (required)  broker admin client: per-device identities
  INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG                                  readings, forecasts, schedules
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, API_TEMPORAL_TIMEOUT_MS (15000)  per-home optimizer workflows
  API_PSEUDONYM_KEY             HMAC key of analysts' pseudonymous ids (required, from the stack's secrets)
  API_ALERT_WEBHOOK_TOKEN       bearer secret of Grafana's alert webhook (required)
  API_METRICS_TOKEN             bearer secret of the /metrics scrape (required)
  API_BODY_LIMIT_BYTES          largest request body (default 65536)
  LOG_LEVEL                     debug|info|warn|error`;
