import { parseArgs } from 'node:util';
import { SOURCES, type SourceName } from './data';

export interface SimulatorArgs {
  homes: number;
  speed: number;
  startMs?: number;
  durationMin: number;
  batchMinutes: number;
  timestamps: 'shifted' | 'original';
  sources: SourceName[];
  homePrefix: string;
  maxInflight: number;
  progressSeconds: number;
  status: boolean;
}

export const USAGE = `Usage: carbonreducer-simulator [options]
Replays the real REFIT / UK-DALE households in ../shared/data as virtual homes over MQTT (telemetry contract v1).
  --homes N             virtual homes (default 10)
  --speed X|max         data minutes per wall-clock minute: 1 = real time, 60 = an hour per minute, max = as fast
                        as the broker acknowledges (default 1)
  --start YYYY-MM-DD    first data day (default: each source's first day)
  --duration D          data to replay: 90m, 24h, 7d (default 1d)
  --batch N             readings per message per device (default 1)
  --timestamps MODE     shifted (default): moved so the replay ends now; original: the data's own dates
  --sources LIST        refit,ukdale (default both)
  --home-prefix P       home ids P-001, P-002, … (default sim)
  --max-inflight N      unacknowledged messages (default 1000)
  --progress-seconds S  progress line interval (default 5)
  --no-status           do not publish retained online/offline status
Environment: MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD (default: the native stack's device user).`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${raw}: expected a positive integer`);
  return n;
}

/** `90m`, `24h`, `7d` → minutes. */
export function parseDurationMin(raw: string): number {
  const m = /^(\d+)([mhd])$/.exec(raw.trim());
  if (!m) throw new UsageError(`--duration ${raw}: expected a number with m, h or d (90m, 24h, 7d)`);
  const n = Number(m[1]);
  const minutes = m[2] === 'm' ? n : m[2] === 'h' ? n * 60 : n * 1440;
  if (minutes < 1) throw new UsageError(`--duration ${raw}: must be at least 1 minute`);
  return minutes;
}

export function parseSimulatorArgs(argv: string[]): SimulatorArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        homes: { type: 'string' },
        speed: { type: 'string' },
        start: { type: 'string' },
        duration: { type: 'string' },
        batch: { type: 'string' },
        timestamps: { type: 'string' },
        sources: { type: 'string' },
        'home-prefix': { type: 'string' },
        'max-inflight': { type: 'string' },
        'progress-seconds': { type: 'string' },
        'no-status': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  if (values.help) throw new UsageError('');
  let speed = 1;
  if (values.speed !== undefined) {
    speed = values.speed === 'max' ? Infinity : Number(values.speed);
    if (!(speed > 0)) throw new UsageError(`--speed ${values.speed}: expected a positive number or max`);
  }
  let startMs: number | undefined;
  if (values.start !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.start)) throw new UsageError(`--start ${values.start}: expected YYYY-MM-DD`);
    startMs = Date.parse(`${values.start}T00:00:00Z`);
    if (Number.isNaN(startMs)) throw new UsageError(`--start ${values.start}: not a date`);
  }
  const timestamps = values.timestamps ?? 'shifted';
  if (timestamps !== 'shifted' && timestamps !== 'original') {
    throw new UsageError(`--timestamps ${timestamps}: expected shifted or original`);
  }
  const sources = (values.sources ?? 'refit,ukdale').split(',').map((s) => s.trim());
  for (const s of sources) {
    if (!(s in SOURCES))
      throw new UsageError(`--sources: unknown source ${s} (known: ${Object.keys(SOURCES).join(', ')})`);
  }
  const homePrefix = values['home-prefix'] ?? 'sim';
  if (!/^[a-z0-9][a-z0-9_-]{0,50}$/.test(homePrefix)) {
    throw new UsageError(`--home-prefix ${homePrefix}: expected [a-z0-9_-], starting with a letter or digit`);
  }
  return {
    homes: positiveInt('--homes', values.homes, 10),
    speed,
    startMs,
    durationMin: values.duration === undefined ? 1440 : parseDurationMin(values.duration),
    batchMinutes: positiveInt('--batch', values.batch, 1),
    timestamps,
    sources: sources as SourceName[],
    homePrefix,
    maxInflight: positiveInt('--max-inflight', values['max-inflight'], 1000),
    progressSeconds: positiveInt('--progress-seconds', values['progress-seconds'], 5),
    status: !values['no-status'],
  };
}
