import { Command, CommanderError, InvalidArgumentError } from 'commander';
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

const ABOUT =
  'Replays the real REFIT / UK-DALE households in ../shared/data as virtual homes over MQTT (telemetry contract v1).';
export const SIMULATOR_ENV =
  "Environment: MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD (default: the native stack's device user).";

const positiveInt = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
};

/** `90m`, `24h`, `7d` → minutes. */
export function parseDurationMin(raw: string): number {
  const m = /^(\d+)([mhd])$/.exec(raw.trim());
  if (!m) throw new InvalidArgumentError('expected a number with m, h or d (90m, 24h, 7d).');
  const n = Number(m[1]);
  const minutes = m[2] === 'm' ? n : m[2] === 'h' ? n * 60 : n * 1440;
  if (minutes < 1) throw new InvalidArgumentError('must be at least 1 minute.');
  return minutes;
}

const speed = (raw: string): number => {
  const s = raw === 'max' ? Infinity : Number(raw);
  if (!(s > 0)) throw new InvalidArgumentError('expected a positive number or max.');
  return s;
};

const startDay = (raw: string): number => {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected YYYY-MM-DD.');
  return ms;
};

const sourceList = (raw: string): SourceName[] => {
  const sources = raw.split(',').map((s) => s.trim());
  for (const s of sources) {
    if (!(s in SOURCES))
      throw new InvalidArgumentError(`unknown source ${s} (known: ${Object.keys(SOURCES).join(', ')}).`);
  }
  return sources as SourceName[];
};

const homePrefix = (raw: string): string => {
  if (!/^[a-z0-9][a-z0-9_-]{0,50}$/.test(raw)) {
    throw new InvalidArgumentError('expected [a-z0-9_-], starting with a letter or digit.');
  }
  return raw;
};

/**
 * The simulator's command line (commander), declared once: `carbonreducer simulate` (cli/) adds this command to its
 * tree; `carbonreducer-simulator` and `tsx pipeline/src/simulator/cli.ts` parse with it directly.
 */
export function simulatorCommand(name = 'simulate'): Command {
  return new Command(name)
    .description('Replay real homes (REFIT/UK-DALE) as devices over MQTT')
    .addHelpText('before', `${ABOUT}\n`)
    .addHelpText('after', `\n${SIMULATOR_ENV}\n`)
    .option('--homes <n>', 'virtual homes', positiveInt, 10)
    .option(
      '--speed <x>',
      'data minutes per wall-clock minute: 1 = real time, 60 = an hour per minute, max = as fast as the broker acknowledges',
      speed,
      1,
    )
    .option('--start <date>', "first data day, YYYY-MM-DD (default: each source's first day)", startDay)
    .option('--duration <d>', 'data to replay: 90m, 24h, 7d', parseDurationMin, 1440)
    .option('--batch <n>', 'readings per message per device', positiveInt, 1)
    .option(
      '--timestamps <mode>',
      "shifted: moved so the replay ends now; original: the data's own dates",
      (raw) => {
        if (raw !== 'shifted' && raw !== 'original') throw new InvalidArgumentError('expected shifted or original.');
        return raw;
      },
      'shifted',
    )
    .option('--sources <list>', 'refit,ukdale', sourceList, ['refit', 'ukdale'] as SourceName[])
    .option('--home-prefix <p>', 'home ids P-001, P-002, …', homePrefix, 'sim')
    .option('--max-inflight <n>', 'unacknowledged messages', positiveInt, 1000)
    .option('--progress-seconds <s>', 'progress line interval', positiveInt, 5)
    .option('--no-status', 'do not publish retained online/offline status');
}

type Flags = Omit<SimulatorArgs, 'startMs' | 'durationMin' | 'batchMinutes'> & {
  start?: number;
  duration: number;
  batch: number;
};

/** The parsed options of `simulatorCommand()` as the simulator takes them. */
export function simulatorArgs(f: Flags): SimulatorArgs {
  return {
    homes: f.homes,
    speed: f.speed,
    startMs: f.start,
    durationMin: f.duration,
    batchMinutes: f.batch,
    timestamps: f.timestamps,
    sources: f.sources,
    homePrefix: f.homePrefix,
    maxInflight: f.maxInflight,
    progressSeconds: f.progressSeconds,
    status: f.status,
  };
}

/** Parses `argv` with the simulator's command (tests, and the direct run); a bad flag throws a CommanderError. */
export function parseSimulatorArgs(argv: string[]): SimulatorArgs {
  const cmd = simulatorCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.parse(argv, { from: 'user' });
  return simulatorArgs(cmd.opts<Flags>());
}

export { CommanderError };
