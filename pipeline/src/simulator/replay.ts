import {
  encodeBatch,
  encodeReading,
  encodeStatus,
  statusTopic,
  telemetryTopic,
  type Reading,
} from '@carbonreducer/telemetry';
import { MINUTE_MS } from '@carbonreducer/common';
import { DEVICE_COLUMNS, powerAt, type DeviceColumn, type VirtualHome } from './homes';

/** Where replayed messages go (MQTT in the CLI); resolves when the broker acknowledged the message (QoS 1). */
export interface Publisher {
  publish(topic: string, payload: string, options: { retain: boolean }): Promise<void>;
}

export interface ReplayClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface ReplayProgress {
  /** Data minute being replayed on the shared timeline (ms since start). */
  timelineMs: number;
  /** Timestamp published for the current minute (of the first home in `original` mode). */
  currentTsMs: number;
  minutesDone: number;
  minutesTotal: number;
  messagesPublished: number;
  messagesAcked: number;
  readings: number;
  /** Device-minutes without data (gaps in the household files). */
  gaps: number;
  elapsedMs: number;
}

export interface ReplayOptions {
  homes: readonly VirtualHome[];
  durationMin: number;
  /** Data minutes per wall-clock minute; Infinity replays as fast as the broker acknowledges. */
  speed: number;
  /** Readings per message per device (1 = one message per reading). */
  batchMinutes: number;
  /**
   * `shifted`: timestamps moved so that the replay ends at the present (speed 1 = live data);
   * `original`: the households' own timestamps (a historical backfill).
   */
  timestamps: 'shifted' | 'original';
  maxInflight: number;
  progressIntervalMs: number;
  onProgress?: (progress: ReplayProgress) => void;
  /** Publish retained online/offline status for every device. */
  status: boolean;
  signal?: AbortSignal;
}

export interface ReplaySummary extends ReplayProgress {
  /** Offset added to timeline minutes in `shifted` mode (the first minute's timestamp). */
  firstTimestampMs: number;
}

interface DeviceState {
  home: VirtualHome;
  device: DeviceColumn;
  topic: string;
  energyWh: number;
  pending: Reading[];
}

/**
 * Replays real household power as virtual homes: every device of every home publishes its minute readings through
 * the telemetry contract, paced by `speed`, with at most `maxInflight` unacknowledged messages.
 */
export async function runReplay(
  options: ReplayOptions,
  publisher: Publisher,
  clock: ReplayClock,
): Promise<ReplaySummary> {
  const wallStartMs = clock.now();
  const durationMs = options.durationMin * MINUTE_MS;
  const speed = options.speed;
  // Anchor so that the last replayed minute is at or before the present, whatever the speed.
  const anchorMs =
    Math.floor((wallStartMs - durationMs * (1 - (Number.isFinite(speed) ? 1 / speed : 0))) / MINUTE_MS) * MINUTE_MS;
  const devices: DeviceState[] = options.homes.flatMap((home) =>
    DEVICE_COLUMNS.filter((d) => d.column === 'Aggregate' || d.column in home.source.series.appliancesW).map(
      (device) => ({
        home,
        device,
        topic: telemetryTopic(home.homeId, device.kind, device.deviceId),
        energyWh: 0,
        pending: [],
      }),
    ),
  );

  const progress: ReplayProgress = {
    timelineMs: 0,
    currentTsMs: 0,
    minutesDone: 0,
    minutesTotal: options.durationMin,
    messagesPublished: 0,
    messagesAcked: 0,
    readings: 0,
    gaps: 0,
    elapsedMs: 0,
  };
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  const send = async (topic: string, payload: string, retain: boolean): Promise<void> => {
    while (inflight.size >= options.maxInflight) await Promise.race(inflight);
    if (failure !== undefined) throw new Error(`publish to ${topic} failed`, { cause: failure });
    progress.messagesPublished++;
    const p: Promise<void> = publisher.publish(topic, payload, { retain }).then(
      () => {
        progress.messagesAcked++;
        inflight.delete(p);
      },
      (err: unknown) => {
        failure ??= err;
        inflight.delete(p);
      },
    );
    inflight.add(p);
  };
  const flush = async (state: DeviceState): Promise<void> => {
    if (state.pending.length === 0) return;
    const payload =
      state.pending.length === 1 ? encodeReading(state.pending[0] as Reading) : encodeBatch(state.pending);
    state.pending = [];
    await send(state.topic, payload, false);
  };
  const report = (): void => {
    progress.elapsedMs = clock.now() - wallStartMs;
    options.onProgress?.({ ...progress });
  };

  if (options.status) {
    for (const s of devices)
      await send(statusTopic(s.home.homeId, s.device.deviceId), encodeStatus('online', wallStartMs), true);
  }
  let nextReportMs = wallStartMs + options.progressIntervalMs;
  for (let minute = 0; minute < options.durationMin; minute++) {
    if (options.signal?.aborted) break;
    const timelineMs = minute * MINUTE_MS;
    if (Number.isFinite(speed)) {
      const dueMs = wallStartMs + timelineMs / speed;
      const waitMs = dueMs - clock.now();
      if (waitMs > 0) await clock.sleep(waitMs);
    }
    for (const state of devices) {
      const dataMs = state.home.dataStartMs + timelineMs;
      const powerW = powerAt(state.home, state.device, dataMs);
      if (powerW === undefined) {
        progress.gaps++;
        continue;
      }
      // A plug's energy register counts up by the minute's mean power × 1/60 h.
      state.energyWh += powerW / 60;
      const tsMs = options.timestamps === 'shifted' ? anchorMs + timelineMs : dataMs;
      state.pending.push({
        tsMs,
        powerW: Math.round(powerW * 10) / 10,
        energyWh: Math.round(state.energyWh * 10) / 10,
      });
      progress.readings++;
      if (state.pending.length >= options.batchMinutes) await flush(state);
    }
    progress.minutesDone = minute + 1;
    progress.timelineMs = timelineMs;
    progress.currentTsMs =
      options.timestamps === 'shifted' ? anchorMs + timelineMs : (options.homes[0]?.dataStartMs ?? 0) + timelineMs;
    if (clock.now() >= nextReportMs) {
      report();
      nextReportMs = clock.now() + options.progressIntervalMs;
    }
  }
  for (const state of devices) await flush(state);
  if (options.status) {
    for (const s of devices)
      await send(statusTopic(s.home.homeId, s.device.deviceId), encodeStatus('offline', clock.now()), true);
  }
  await Promise.all(inflight);
  if (failure !== undefined) throw new Error('replay stopped: a publish failed', { cause: failure });
  report();
  return { ...progress, firstTimestampMs: anchorMs };
}
