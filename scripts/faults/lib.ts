import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InfluxDB, flux, fluxDateTime } from '@influxdata/influxdb-client';
import { encodeReading, telemetryTopic } from '@carbonreducer/telemetry';
import mqtt, { type MqttClient } from 'mqtt';
import { loadStackEnv, repoRoot } from '@carbonreducer/stack-env';

/**
 * The fault suite's harness: the native stack's servers stopped, killed and started again through `scripts/stack`,
 * a device publishing numbered readings for one home of its own, and InfluxDB counting exactly that home's points.
 * Loopback only. Run experiments under `flock /tmp/carbonreducer-stack.lock` (they restart shared servers).
 */

const run = promisify(execFile);
const STACK = join(repoRoot, 'scripts', 'stack');
export const stateDir = (): string => process.env.STACK_STATE ?? join(repoRoot, '.stack');

/** What one experiment measured. Passes only with nothing lost, nothing duplicated and recovery without a human. */
export interface FaultResult {
  name: string;
  sent: number;
  stored: number;
  duplicates: number;
  lost: number;
  /** Seconds from the fault's end (server back) until every sent reading was stored; undefined: never, within bounds. */
  recoverS: number | undefined;
  /** Further figures (rates, buffer depths, resends seen at the broker). */
  notes: Record<string, number | string>;
  passed: boolean;
}

export function result(
  name: string,
  sent: number,
  count: StoredCount,
  recoverS: number | undefined,
  notes: FaultResult['notes'] = {},
): FaultResult {
  const duplicates = Math.max(0, count.points - sent) + count.wrongValues;
  const lost = Math.max(0, sent - count.points);
  return {
    name,
    sent,
    stored: count.points,
    duplicates,
    lost,
    recoverS,
    notes,
    passed: lost === 0 && duplicates === 0 && recoverS !== undefined,
  };
}

export function formatResult(r: FaultResult): string {
  const notes = Object.entries(r.notes)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    `${r.passed ? 'PASS' : 'FAIL'} ${r.name}: sent ${r.sent}, stored ${r.stored}, duplicates ${r.duplicates}, ` +
    `lost ${r.lost}, recovered ${r.recoverS === undefined ? 'never (within the bound)' : `in ${r.recoverS.toFixed(1)} s`}` +
    (notes ? ` (${notes})` : '')
  );
}

/**
 * `scripts/stack ARGS…` (down / up NAME). `up` ends with `status`, which exits 1 while any other server is down
 * (a pipeline-only stack): only its `error:` lines (a server that did not start) count as failure.
 */
export async function stack(...args: string[]): Promise<void> {
  try {
    await run('bash', [STACK, ...args], { timeout: 600_000 });
  } catch (err) {
    const e = err as { stderr?: string; code?: unknown };
    const stderr = e.stderr ?? '';
    if (e.code === 1 && args[0] === 'up' && !/\] error: /.test(stderr)) return;
    throw new Error(`scripts/stack ${args.join(' ')} failed: ${stderr.slice(-2000)}`, { cause: err });
  }
}

/** kill -9 of a stack server's whole process group (what a crash or the OOM killer does); `stack up NAME` restarts. */
export async function killServer(name: string): Promise<void> {
  const pidFile = join(stateDir(), `${name}.pid`);
  if (!existsSync(pidFile)) throw new Error(`${name} is not running under scripts/stack (no ${pidFile})`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  throw new Error(`${name} (pid ${pid}) survived SIGKILL`);
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A home id no other run uses: each experiment counts only its own points. */
export function faultHomeId(experiment: string): string {
  return `fault-${experiment}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`.slice(0, 64);
}

export interface StackSettings {
  mqttUrl: string;
  devicePassword: string;
  servicePassword: string;
  influxUrl: string;
  influxToken: string;
  telegrafHealthUrl: string;
}

export function stackSettings(): StackSettings {
  const env = loadStackEnv();
  return {
    mqttUrl: process.env.MQTT_URL || `mqtt://127.0.0.1:${env.port('MQTT_PORT')}`,
    devicePassword: env.get('MQTT_DEVICE_PASSWORD'),
    servicePassword: env.get('MQTT_SERVICE_PASSWORD'),
    influxUrl: `http://127.0.0.1:${env.port('INFLUXDB_PORT')}`,
    influxToken: process.env.INFLUX_TOKEN || env.get('INFLUXDB_APP_TOKEN'),
    telegrafHealthUrl: `http://127.0.0.1:${env.port('TELEGRAF_HEALTH_PORT')}/`,
  };
}

/** Connects as `username` and waits for CONNACK (mqtt.js reconnects every second after a loss). */
export async function connect(url: string, username: string, password: string, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { username, password, clientId, reconnectPeriod: 1000, connectTimeout: 5000 });
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => {
      client.end(true);
      reject(new Error(`cannot connect to ${url} as ${username}`, { cause: err }));
    };
    client.once('error', failed);
    client.once('connect', () => {
      // From here on errors (the broker going away) only mean: reconnect.
      client.off('error', failed);
      client.on('error', () => undefined);
      resolve();
    });
  });
  return client;
}

/**
 * The readings of one experiment: reading `seq` of home `homeId` is meter `main` at `t0Ms + seq` ms with energy
 * register `seq` Wh (power `seq` mod 100,000 W, within the contract's range), so the stored points say exactly which
 * readings arrived (count of energy_wh) and that none is a stray (its value matches its time).
 */
export class Readings {
  /** Device time of reading 0: two hours back, so that every reading is valid whenever it arrives. */
  readonly t0Ms = Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000;
  sent = 0;
  constructor(readonly homeId: string) {}

  topic(): string {
    return telemetryTopic(this.homeId, 'meter', 'main');
  }

  payload(seq: number): string {
    return encodeReading({ tsMs: this.t0Ms + seq, powerW: seq % 100_000, energyWh: seq });
  }

  /**
   * Publishes the next `n` readings with QoS 1 at most `ratePerS` per second, at most `inflight` unacknowledged;
   * resolves when the broker acknowledged all of them.
   */
  async publish(client: MqttClient, n: number, ratePerS = Infinity, inflight = 500): Promise<void> {
    const start = Date.now();
    const first = this.sent;
    const pending = new Set<Promise<unknown>>();
    for (let i = 0; i < n; i++) {
      const seq = first + i;
      const due = start + (i / ratePerS) * 1000;
      if (Number.isFinite(ratePerS) && due > Date.now()) await sleep(due - Date.now());
      while (pending.size >= inflight) await Promise.race(pending);
      const p: Promise<unknown> = client.publishAsync(this.topic(), this.payload(seq), { qos: 1 }).finally(() => {
        pending.delete(p);
      });
      pending.add(p);
      this.sent = seq + 1;
    }
    await Promise.all(pending);
  }
}

export interface StoredCount {
  points: number;
  /** Points whose value is not what their device time says was sent (a stray or mangled reading). */
  wrongValues: number;
}

/** Counts one experiment's points in the telemetry bucket: energy_wh of the home's meter, and those off their time. */
export function storedCounter(settings: StackSettings, readings: Readings): () => Promise<StoredCount> {
  const api = new InfluxDB({ url: settings.influxUrl, token: settings.influxToken, timeout: 60_000 }).getQueryApi(
    'carbonreducer',
  );
  const iso = (ms: number) => fluxDateTime(new Date(ms).toISOString());
  return async () => {
    const query = flux`
      from(bucket: "telemetry")
        |> range(start: ${iso(readings.t0Ms - 60_000)}, stop: ${iso(Date.now() + 3_600_000)})
        |> filter(fn: (r) => r._measurement == "meter" and r.home_id == ${readings.homeId} and r._field == "energy_wh")
        |> group()
        |> map(fn: (r) => ({r with off: float(v: int(v: r._time) / 1000000 - ${readings.t0Ms})}))
        |> reduce(identity: {n: 0, sum: 0.0, bad: 0},
                  fn: (r, accumulator) => ({n: accumulator.n + 1, sum: accumulator.sum + r._value,
                                            bad: accumulator.bad + (if r._value == r.off then 0 else 1)}))`;
    try {
      const rows = await api.collectRows<{ n: number; sum: number; bad: number }>(query);
      const row = rows[0];
      return { points: Number(row?.n ?? 0), wrongValues: Number(row?.bad ?? 0) };
    } catch {
      // InfluxDB down or starting: nothing readable yet.
      return { points: -1, wrongValues: 0 };
    }
  };
}

/**
 * Polls the stored count every second until it reaches `sent` or `timeoutMs` passes. Returns the last count and the
 * seconds from `sinceMs` (the fault's end) to completion, undefined when it never completed.
 */
export async function awaitStored(
  count: () => Promise<StoredCount>,
  sent: number,
  sinceMs: number,
  timeoutMs: number,
): Promise<{ count: StoredCount; recoverS: number | undefined }> {
  const deadline = Date.now() + timeoutMs;
  let last: StoredCount = { points: 0, wrongValues: 0 };
  for (;;) {
    const c = await count();
    if (c.points >= 0) last = c;
    if (last.points >= sent) {
      // A last look a moment later: stragglers beyond `sent` would be duplicates or strays.
      await sleep(2000);
      const again = await count();
      return { count: again.points >= 0 ? again : last, recoverS: (Date.now() - 2000 - sinceMs) / 1000 };
    }
    if (Date.now() > deadline) return { count: last, recoverS: undefined };
    await sleep(1000);
  }
}

/**
 * Counts the reject points of messages whose topic contains `topicSubstring` (as InfluxDB holds them: a redelivery
 * that writes the same point again counts once), per reason, as the contract's count-per-reason query does
 * (libs/telemetry/CONTRACT.md, "In InfluxDB"). Undefined while InfluxDB cannot answer.
 */
export function rejectCounter(
  settings: StackSettings,
  topicSubstring: string,
  sinceMs: number,
): () => Promise<Record<string, number> | undefined> {
  const api = new InfluxDB({ url: settings.influxUrl, token: settings.influxToken, timeout: 60_000 }).getQueryApi(
    'carbonreducer',
  );
  const iso = (ms: number) => fluxDateTime(new Date(ms).toISOString());
  return async () => {
    const query = flux`import "strings"
      from(bucket: "telemetry")
        |> range(start: ${iso(sinceMs - 3_600_000)}, stop: ${iso(Date.now() + 3_600_000)})
        |> filter(fn: (r) => r._measurement == "telemetry_rejects" and r._field == "topic")
        |> filter(fn: (r) => strings.containsStr(v: r._value, substr: ${topicSubstring}))
        |> group(columns: ["reason"])
        |> count()`;
    try {
      const rows = await api.collectRows<{ reason: string; _value: number }>(query);
      return Object.fromEntries(rows.map((r) => [r.reason, Number(r._value)]));
    } catch {
      return undefined;
    }
  };
}

/** The last value of one ingest_flow counter (Telegraf's processor, every 5 s), or undefined when none is readable. */
export async function ingestFlowField(settings: StackSettings, field: string): Promise<number | undefined> {
  const api = new InfluxDB({ url: settings.influxUrl, token: settings.influxToken, timeout: 30_000 }).getQueryApi(
    'carbonreducer',
  );
  const query = flux`from(bucket: "telemetry")
    |> range(start: -2m)
    |> filter(fn: (r) => r._measurement == "ingest_flow" and r._field == ${field})
    |> last()`;
  try {
    const rows = await api.collectRows<{ _value: number }>(query);
    return rows.length > 0 ? Number(rows[0]?._value) : undefined;
  } catch {
    return undefined;
  }
}

/** Telegraf's health endpoint: HTTP status and body. */
export async function telegrafHealth(settings: StackSettings): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(settings.telegrafHealthUrl);
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: err instanceof Error ? err.message : String(err) };
  }
}
