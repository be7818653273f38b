import { DAY_MS, MINUTE_MS, simulatedHomeIds } from '@carbonreducer/common';
import type { HouseholdSeries } from '@carbonreducer/datasets';
import type { DeviceKind } from '@carbonreducer/telemetry';

/** Which column of a REFIT / UK-DALE household file each virtual device replays. */
export interface DeviceColumn {
  column: string;
  kind: Extract<DeviceKind, 'meter' | 'plug'>;
  deviceId: string;
}

/** Whole-home power as the smart meter, each sub-metered appliance as a smart plug. */
export const DEVICE_COLUMNS: readonly DeviceColumn[] = [
  { column: 'Aggregate', kind: 'meter', deviceId: 'main' },
  { column: 'Kettle', kind: 'plug', deviceId: 'kettle' },
  { column: 'Dishwasher', kind: 'plug', deviceId: 'dishwasher' },
  { column: 'WashingMachine', kind: 'plug', deviceId: 'washing_machine' },
  { column: 'Microwave', kind: 'plug', deviceId: 'microwave' },
];

/** One real household's series with a minute index for O(1) lookups. */
export interface HomeSource {
  name: string;
  series: HouseholdSeries;
  firstMinuteMs: number;
  lastMinuteMs: number;
  /** Row of each minute from `firstMinuteMs`, or -1 in a gap. */
  rowAt: Int32Array;
}

export function indexSource(name: string, series: HouseholdSeries): HomeSource {
  const n = series.timeMs.length;
  if (n === 0) throw new Error(`${name}: the household series is empty`);
  const firstMinuteMs = Math.floor((series.timeMs[0] as number) / MINUTE_MS) * MINUTE_MS;
  const lastMinuteMs = Math.floor((series.timeMs[n - 1] as number) / MINUTE_MS) * MINUTE_MS;
  const rowAt = new Int32Array((lastMinuteMs - firstMinuteMs) / MINUTE_MS + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    rowAt[Math.floor(((series.timeMs[i] as number) - firstMinuteMs) / MINUTE_MS)] = i;
  }
  return { name, series, firstMinuteMs, lastMinuteMs, rowAt };
}

/** A simulated home: a real household replayed from `dataStartMs` (different homes start on different days). */
export interface VirtualHome {
  homeId: string;
  source: HomeSource;
  dataStartMs: number;
}

/**
 * Spreads `count` homes over the sources: home i replays source i mod S, starting `floor(i / S)` days after
 * `startMs` (or the source's first midnight), wrapping within the source so that `durationMs` of data always fits.
 */
export function planHomes(
  sources: readonly HomeSource[],
  count: number,
  durationMs: number,
  options: { startMs?: number; homePrefix: string },
): VirtualHome[] {
  if (sources.length === 0) throw new Error('no household source to replay');
  const homes: VirtualHome[] = [];
  const homeIds = simulatedHomeIds(options.homePrefix, count);
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length] as HomeSource;
    const base = options.startMs ?? Math.ceil(source.firstMinuteMs / DAY_MS) * DAY_MS;
    const span = source.lastMinuteMs + MINUTE_MS - base - durationMs;
    if (span < 0) {
      throw new Error(
        `${source.name}: ${durationMs / MINUTE_MS} min from ${new Date(base).toISOString()} is beyond the data (ends ${new Date(source.lastMinuteMs).toISOString()})`,
      );
    }
    const spanDays = Math.floor(span / DAY_MS) + 1;
    const shiftDays = Math.floor(i / sources.length) % spanDays;
    homes.push({
      homeId: homeIds[i] as string,
      source,
      dataStartMs: base + shiftDays * DAY_MS,
    });
  }
  return homes;
}

/** Power of one device in one minute of a home's data (W), or undefined in a gap. */
export function powerAt(home: VirtualHome, device: DeviceColumn, dataMs: number): number | undefined {
  const { source } = home;
  const idx = Math.floor((dataMs - source.firstMinuteMs) / MINUTE_MS);
  if (idx < 0 || idx >= source.rowAt.length) return undefined;
  const row = source.rowAt[idx] as number;
  if (row < 0) return undefined;
  const column = device.column === 'Aggregate' ? source.series.aggregateW : source.series.appliancesW[device.column];
  const value = column?.[row];
  return value === undefined || Number.isNaN(value) ? undefined : value;
}
