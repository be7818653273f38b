import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { homeBrokerConfig } from '@carbonreducer/pipeline';
import mqtt, { type MqttClient } from 'mqtt';
import { repoRoot } from '@carbonreducer/stack-env';
import {
  Readings,
  awaitStored,
  connect,
  faultHomeId,
  freePort,
  ingestFlowField,
  killServer,
  rejectCounter,
  result,
  stateDir,
  sleep,
  stack,
  stackSettings,
  storedCounter,
  telegrafHealth,
  type FaultResult,
  type StackSettings,
} from './lib';
import { keycloakRestartUnderApiLoad, postgresRestartUnderApiLoad } from './api';
import { workerKillMidDispatch } from './dispatch';

/** How big an experiment is: the CI short form, or the long form run by hand (10 min outages at 1,000 msg/s). */
export interface Scale {
  name: 'short' | 'long';
  /** Readings per second a device (or a home's devices behind a gateway) publishes while an experiment streams. */
  ratePerS: number;
  /** How long the broker or InfluxDB stays down. */
  outageS: number;
  /** How long everything may take to be stored after the fault ended. */
  recoverTimeoutS: number;
}

export const SHORT: Scale = { name: 'short', ratePerS: 500, outageS: 15, recoverTimeoutS: 120 };
export const LONG: Scale = { name: 'long', ratePerS: 1000, outageS: 600, recoverTimeoutS: 900 };

/** Telegraf's undelivered window (max_undelivered_messages in provisioning/telegraf/telegraf.d/telemetry.conf). */
const TELEGRAF_WINDOW = 8000;

export type Log = (line: string) => void;

/**
 * Where readings keep streaming after the fault, time to recover includes the rest of the stream: this is how long
 * after the last reading was sent everything was stored (-1: never).
 */
function afterLastSent(recoverS: number | undefined, faultEndMs: number, sentAllMs: number): number {
  if (recoverS === undefined) return -1;
  return Math.round(Math.max(0, recoverS - (sentAllMs - faultEndMs) / 1000) * 10) / 10;
}

async function device(settings: StackSettings, name: string): Promise<MqttClient> {
  return connect(settings.mqttUrl, 'device', settings.devicePassword, `fault-${name}-${process.pid}`);
}

async function connected(client: MqttClient, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!client.connected) {
    if (Date.now() > deadline) throw new Error('the device did not reconnect to the broker');
    await sleep(200);
  }
}

/**
 * The broker restarts while Telegraf's undelivered window is full (InfluxDB down, more readings than the window
 * queued), and stays down longer than Telegraf's gather interval (10 s) so that Telegraf fails a reconnect: with
 * Telegraf 1.37.2 as released that stopped every acknowledgement, and ingestion stalled until a human restarted it.
 */
export async function brokerRestartWindowFull(scale: Scale, log: Log): Promise<FaultResult> {
  const name = 'broker-restart-window-full';
  const settings = stackSettings();
  const readings = new Readings(faultHomeId('broker'));
  const stored = storedCounter(settings, readings);
  const client = await device(settings, 'broker');
  try {
    await stack('down', 'influxdb');
    // Long form: the window fills from a stream at the long rate; short: at once.
    const before = scale.name === 'long' ? scale.ratePerS * 60 : TELEGRAF_WINDOW + 4000;
    await readings.publish(client, before, scale.name === 'long' ? scale.ratePerS : Infinity);
    log(`${name}: ${readings.sent} published with InfluxDB down; stopping the broker for ${scale.outageS} s`);
    await sleep(3000);
    await stack('down', 'mosquitto');
    await sleep(Math.max(12, scale.outageS) * 1000);
    await stack('up', 'mosquitto');
    await stack('up', 'influxdb');
    const faultEndMs = Date.now();
    await connected(client);
    const after = scale.name === 'long' ? scale.ratePerS * 60 : 2000;
    await readings.publish(client, after, scale.name === 'long' ? scale.ratePerS : Infinity);
    log(`${name}: broker and InfluxDB back, ${readings.sent} published in all; waiting for them in InfluxDB`);
    const done = await awaitStored(stored, readings.sent, faultEndMs, scale.recoverTimeoutS * 1000);
    return result(name, readings.sent, done.count, done.recoverS, { outageS: scale.outageS });
  } finally {
    await stack('up', 'mosquitto', 'influxdb').catch(() => undefined);
    client.end(true);
  }
}

/** InfluxDB stops while devices keep publishing at the scale's rate; Telegraf holds, the broker queues the rest. */
export async function influxOutage(scale: Scale, log: Log): Promise<FaultResult> {
  const name = 'influxdb-outage';
  const settings = stackSettings();
  const readings = new Readings(faultHomeId('influx'));
  const stored = storedCounter(settings, readings);
  const client = await device(settings, 'influx');
  try {
    const streaming = readings.publish(client, scale.ratePerS * (scale.outageS + 20), scale.ratePerS);
    streaming.catch(() => undefined); // awaited below; a failure meanwhile must not go unhandled
    await sleep(5000);
    await stack('down', 'influxdb');
    log(`${name}: InfluxDB down for ${scale.outageS} s at ${scale.ratePerS} readings/s`);
    await sleep(scale.outageS * 1000);
    const health = (await telegrafHealth(settings)).status;
    await stack('up', 'influxdb');
    const faultEndMs = Date.now();
    await streaming;
    const sentAllMs = Date.now();
    log(
      `${name}: InfluxDB back (Telegraf's health said ${health} while it was down), ${readings.sent} published; waiting for them in InfluxDB`,
    );
    const done = await awaitStored(stored, readings.sent, faultEndMs, scale.recoverTimeoutS * 1000);
    return result(name, readings.sent, done.count, done.recoverS, {
      outageS: scale.outageS,
      ratePerS: scale.ratePerS,
      telegrafHealthDuringOutage: health,
      storedAfterLastSentS: afterLastSent(done.recoverS, faultEndMs, sentAllMs),
    });
  } finally {
    await stack('up', 'influxdb').catch(() => undefined);
    client.end(true);
  }
}

/** Telegraf killed with SIGKILL mid-stream and started again: its persistent session redelivers what it had not written. */
export async function telegrafSigkill(scale: Scale, log: Log): Promise<FaultResult> {
  const name = 'telegraf-sigkill';
  const settings = stackSettings();
  const readings = new Readings(faultHomeId('tgkill'));
  const stored = storedCounter(settings, readings);
  const client = await device(settings, 'tgkill');
  try {
    const downS = scale.name === 'long' ? 60 : 5;
    const streaming = readings.publish(client, scale.ratePerS * (downS + 25), scale.ratePerS);
    streaming.catch(() => undefined); // awaited below
    await sleep(8000);
    await killServer('telegraf');
    log(`${name}: telegraf killed after ${readings.sent} readings; down for ${downS} s`);
    await sleep(downS * 1000);
    await stack('up', 'telegraf');
    const faultEndMs = Date.now();
    await streaming;
    const sentAllMs = Date.now();
    const done = await awaitStored(stored, readings.sent, faultEndMs, scale.recoverTimeoutS * 1000);
    return result(name, readings.sent, done.count, done.recoverS, {
      downS,
      storedAfterLastSentS: afterLastSent(done.recoverS, faultEndMs, sentAllMs),
    });
  } finally {
    await stack('up', 'telegraf').catch(() => undefined);
    client.end(true);
  }
}

/** The home's own Mosquitto, as pipeline/src/gateway/mosquitto.local.conf configures it, on a free port. */
async function startHomeBroker(): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-fault-home-'));
  const port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), homeBrokerConfig(port, dir));
  const proc = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await connect(`mqtt://127.0.0.1:${port}`, '', '', `probe-${process.pid}`).then((c) => c.end(true));
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error('the home Mosquitto did not start', { cause: err });
      await sleep(100);
    }
  }
  return {
    port,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface GatewayStatusJson {
  bufferedRecords: number;
  forwarded: number;
  forwardedPerS: number;
  receivedPerS: number;
  connected: boolean;
  lastReplay?: { records: number; durationMs: number; perS: number };
}

/** A home behind an edge gateway: its own Mosquitto, the gateway process, a device publishing to the home broker. */
class Home {
  private proc: ChildProcess | undefined;
  private output = '';
  private constructor(
    readonly readings: Readings,
    private readonly local: { port: number; stop(): Promise<void> },
    private readonly bufferDir: string,
    readonly statusPort: number,
    readonly device: MqttClient,
    private readonly settings: StackSettings,
  ) {}

  static async open(settings: StackSettings, experiment: string): Promise<Home> {
    const local = await startHomeBroker();
    const device = mqtt.connect(`mqtt://127.0.0.1:${local.port}`, { clientId: `fault-dev-${process.pid}` });
    await new Promise((r) => device.once('connect', r));
    const home = new Home(
      new Readings(faultHomeId(experiment)),
      local,
      mkdtempSync(join(tmpdir(), 'cr-fault-gw-')),
      await freePort(),
      device,
      settings,
    );
    home.startGateway();
    const deadline = Date.now() + 60_000;
    while (!home.output.includes('subscribed to the local broker')) {
      if (Date.now() > deadline) throw new Error(`the gateway did not start: ${home.output.slice(-2000)}`);
      await sleep(100);
    }
    return home;
  }

  startGateway(): void {
    const proc = spawn(process.execPath, ['--require', 'tsx/cjs', join(repoRoot, 'pipeline/src/gateway/cli.ts')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        GATEWAY_HOME_ID: this.readings.homeId,
        GATEWAY_ID: 'gw',
        GATEWAY_LOCAL_MQTT_URL: `mqtt://127.0.0.1:${this.local.port}`,
        MQTT_URL: this.settings.mqttUrl,
        MQTT_USERNAME: 'device',
        MQTT_PASSWORD: this.settings.devicePassword,
        GATEWAY_BUFFER_DIR: this.bufferDir,
        GATEWAY_STATUS_PORT: String(this.statusPort),
        GATEWAY_HEARTBEAT_S: '3600',
        GATEWAY_RETRY_S: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-200_000)));
    proc.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-200_000)));
    this.proc = proc;
  }

  async stopGateway(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  }

  async status(): Promise<GatewayStatusJson | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.statusPort}/status`);
      return (await res.json()) as GatewayStatusJson;
    } catch {
      return undefined;
    }
  }

  /** Waits until the gateway's buffer holds at most `records` (or the timeout), polling every 5 ms. */
  async bufferAtMost(records: number, timeoutMs: number): Promise<GatewayStatusJson | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status();
      if ((s && s.bufferedRecords <= records) || Date.now() > deadline) return s;
      await sleep(5);
    }
  }

  async close(): Promise<void> {
    await this.stopGateway('SIGTERM');
    this.device.end(true);
    await this.local.stop();
    rmSync(this.bufferDir, { recursive: true, force: true });
  }
}

/**
 * Fills a gateway's buffer through a central broker outage while the home keeps publishing, brings the broker back
 * and, while the buffer replays, applies `duringReplay`; live readings keep coming throughout. Reports the replay's
 * forwarding rate against the live rate.
 */
async function gatewayReplay(
  name: string,
  scale: Scale,
  log: Log,
  duringReplay: (home: Home) => Promise<void>,
): Promise<FaultResult> {
  const settings = stackSettings();
  const home = await Home.open(settings, name.split('-')[1] ?? 'gw');
  const stored = storedCounter(settings, home.readings);
  // A home sends far less than the central stack takes: the live rate behind one gateway.
  const liveRatePerS = scale.name === 'long' ? 200 : 100;
  const outageS = scale.name === 'long' ? 120 : 30;
  try {
    await stack('down', 'mosquitto');
    const live = home.readings.publish(home.device, liveRatePerS * (outageS + 40), liveRatePerS, 50);
    live.catch(() => undefined); // awaited below
    await sleep(outageS * 1000);
    const buffered = (await home.status())?.bufferedRecords ?? 0;
    log(`${name}: ${buffered} records buffered after ${outageS} s without the central broker; bringing it back`);
    // Watched from before the broker is back: a replay takes well under a second, less than `stack up` itself. The
    // fault lands a tenth into it.
    const tenth = home.bufferAtMost(Math.floor(buffered * 0.9), 60_000);
    await stack('up', 'mosquitto');
    const mid = await tenth;
    await duringReplay(home);
    const faultEndMs = Date.now();
    await live;
    const sentAllMs = Date.now();
    log(`${name}: ${home.readings.sent} published; waiting for them in InfluxDB`);
    const done = await awaitStored(stored, home.readings.sent, faultEndMs, scale.recoverTimeoutS * 1000);
    const drained = await home.bufferAtMost(0, 30_000);
    // The gateway's own measure of its last replay (after the fault: the resumed one).
    const replay = drained?.lastReplay;
    return result(name, home.readings.sent, done.count, done.recoverS, {
      buffered,
      bufferAtFault: mid?.bufferedRecords ?? -1,
      liveRatePerS,
      replayedRecords: replay?.records ?? 0,
      replayRatePerS: replay?.perS ?? 0,
      replayOverLive: Math.round(((replay?.perS ?? 0) / liveRatePerS) * 10) / 10,
      bufferLeft: drained?.bufferedRecords ?? -1,
      storedAfterLastSentS: afterLastSent(done.recoverS, faultEndMs, sentAllMs),
    });
  } finally {
    await stack('up', 'mosquitto').catch(() => undefined);
    await home.close();
  }
}

/** The replay must drain the buffer at least this many times faster than the live rate (issue #21). */
export const MIN_REPLAY_OVER_LIVE = 10;

/**
 * A central broker outage and nothing else: how fast the gateway replays its buffer while live readings go on. Passes
 * only when it replayed at least MIN_REPLAY_OVER_LIVE times the live rate (and, as every experiment, with every
 * reading, live ones included, stored once).
 */
export async function gatewayReplayRate(scale: Scale, log: Log): Promise<FaultResult> {
  const r = await gatewayReplay('gateway-replay', scale, log, async () => undefined);
  r.passed = r.passed && Number(r.notes.replayOverLive) >= MIN_REPLAY_OVER_LIVE;
  return r;
}

/** The gateway killed with SIGKILL while it replays its buffer, then started again. */
export function gatewaySigkillMidReplay(scale: Scale, log: Log): Promise<FaultResult> {
  return gatewayReplay('gateway-sigkill-mid-replay', scale, log, async (home) => {
    await home.stopGateway('SIGKILL');
    await sleep(2000);
    home.startGateway();
  });
}

/** The central broker restarts (15 s down) while the gateway replays its buffer. */
export function brokerRestartDuringReplay(scale: Scale, log: Log): Promise<FaultResult> {
  return gatewayReplay('broker-restart-during-replay', scale, log, async () => {
    await stack('down', 'mosquitto');
    await sleep(15_000);
    await stack('up', 'mosquitto');
  });
}

/**
 * A bad message that the broker redelivers after Telegraf already wrote its rejects is counted once (issue #21).
 * InfluxDB down: Telegraf takes N bad and N good readings and holds them unacknowledged. The broker goes down (it
 * keeps them in flight for Telegraf's session), InfluxDB comes back: Telegraf writes every point, but its PUBACKs have
 * no connection to go to. The broker comes back and, as MQTT requires, sends all N + N again (DUP flag) when Telegraf
 * reconnects. Before the fix every redelivered reject became a second point (rejects take the receive time).
 * Passes with N readings and N rejects stored once each, and Telegraf having taken the redeliveries (its MQTT message
 * count, ingest_flow.mqtt_messages, grew by at least 2N after the broker was back).
 */
export async function redeliveredRejects(scale: Scale, log: Log): Promise<FaultResult> {
  return redelivery('redelivered-rejects', scale, log, false);
}

/**
 * As redelivered-rejects, but Telegraf is killed (SIGKILL) after it wrote the points and before the broker is back, and
 * started again: the broker redelivers all 2N to the new process. Its memory of first deliveries lives in
 * remember_file (pipeline/telegraf-processor/redelivery.go); with memory only, as before, every reject counted twice.
 */
export async function redeliveredRejectsTelegrafRestart(scale: Scale, log: Log): Promise<FaultResult> {
  return redelivery('redelivered-rejects-telegraf-restart', scale, log, true);
}

async function redelivery(name: string, scale: Scale, log: Log, killTelegraf: boolean): Promise<FaultResult> {
  const settings = stackSettings();
  const readings = new Readings(faultHomeId(killTelegraf ? 'redeliver-tg' : 'redeliver'));
  const stored = storedCounter(settings, readings);
  const rejects = rejectCounter(settings, readings.homeId, readings.t0Ms);
  const n = scale.name === 'long' ? 4000 : 1000;
  const bad = (i: number) => `{"v":1,"ts":${readings.t0Ms + i},"powerW":"not a number ${i}"}`;
  const client = await device(settings, killTelegraf ? 'redeliver-tg' : 'redeliver');
  try {
    await stack('down', 'influxdb');
    await readings.publish(client, n);
    for (let i = 0; i < n; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, n - i) }, (_, j) =>
          client.publishAsync(readings.topic(), bad(i + j), { qos: 1 }),
        ),
      );
    }
    // Telegraf has taken them (its window holds 8,000) and cannot write: none is acknowledged.
    await sleep(3000);
    await stack('down', 'mosquitto');
    await stack('up', 'influxdb');
    log(`${name}: ${n} good + ${n} bad published with InfluxDB down; broker down, InfluxDB back: Telegraf writes them`);
    const firstRejects = await waitFor(
      async () => (await rejects())?.bad_type ?? 0,
      (v) => v >= n,
      120_000,
    );
    const first = await awaitStored(stored, readings.sent, Date.now(), 120_000);
    let takenBefore = (await ingestFlowField(settings, 'mqtt_messages')) ?? -1;
    log(`${name}: first delivery stored (${first.count.points} readings, ${firstRejects} rejects)`);
    if (killTelegraf) {
      await killServer('telegraf');
      // The new process counts its MQTT messages from 0.
      takenBefore = 0;
      if (process.env.FAULTS_FORGET_REMEMBER_FILE === '1') {
        // Control run: the new process starts with an empty memory, as Telegraf did before remember_file.
        rmSync(join(stateDir(), 'telegraf', 'redeliveries.bin'), { force: true });
        log(`${name}: control run: remember_file deleted, as if Telegraf kept its memory only in the process`);
      }
      log(`${name}: telegraf killed; broker back, telegraf started again`);
    }
    await stack('up', 'mosquitto');
    if (killTelegraf) await stack('up', 'telegraf');
    const faultEndMs = Date.now();
    // Telegraf reconnects within its 10-s gather interval and the broker redelivers what it never saw acknowledged;
    // then a marker reject, which arrives after the redeliveries, tells when they are through.
    await connected(client);
    await client.publishAsync(readings.topic(), '{"marker', { qos: 1 });
    const marker = await waitFor(
      async () => (await rejects())?.bad_json ?? 0,
      (v) => v >= 1,
      120_000,
    );
    // Two ingest_flow ticks, so that the last one counts the redeliveries.
    await sleep(11_000);
    const takenAfter = (await ingestFlowField(settings, 'mqtt_messages')) ?? -1;
    const after = (await rejects()) ?? {};
    const recoverS = marker >= 1 ? (Date.now() - 11_000 - faultEndMs) / 1000 : undefined;
    const done = await awaitStored(stored, readings.sent, faultEndMs, 30_000);
    const redelivered = takenBefore >= 0 && takenAfter >= 0 ? takenAfter - takenBefore : -1;
    const rejectsStored = after.bad_type ?? 0;
    const r = result(name, readings.sent, done.count, recoverS, {
      badSent: n,
      rejectsStored,
      rejectDuplicates: Math.max(0, rejectsStored - n),
      rejectsLost: Math.max(0, n - rejectsStored),
      telegrafMessagesAfterBrokerBack: redelivered,
    });
    // The readings' own figures cover the good half; the rejects must be exactly once too, and the redelivery must
    // really have happened (else the experiment proved nothing).
    r.passed = r.passed && rejectsStored === n && redelivered >= 2 * n;
    return r;
  } finally {
    await stack('up', 'mosquitto', 'influxdb', 'telegraf').catch(() => undefined);
    client.end(true);
  }
}

/** Polls `read` every second until `done` holds or the timeout passes; returns the last value. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(1000);
    value = await read();
  }
  return value;
}

export const EXPERIMENTS = {
  'redelivered-rejects': redeliveredRejects,
  'redelivered-rejects-telegraf-restart': redeliveredRejectsTelegrafRestart,
  'broker-restart-window-full': brokerRestartWindowFull,
  'influxdb-outage': influxOutage,
  'telegraf-sigkill': telegrafSigkill,
  'gateway-replay': gatewayReplayRate,
  'gateway-sigkill-mid-replay': gatewaySigkillMidReplay,
  'broker-restart-during-replay': brokerRestartDuringReplay,
  'worker-kill-mid-dispatch': workerKillMidDispatch,
  'keycloak-restart-under-api-load': keycloakRestartUnderApiLoad,
  'postgres-restart-under-api-load': postgresRestartUnderApiLoad,
} as const;

export type ExperimentName = keyof typeof EXPERIMENTS;
