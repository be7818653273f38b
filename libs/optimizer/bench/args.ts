import os from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

/** The benchmarks' options on commander, as the `carbonreducer` tree declares its own (help, errors naming the option). */

const positiveInt = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number.');
  return n;
};
const wholeNumber = (raw: string): number => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number.');
  return n;
};
const positiveNumber = (raw: string): number => {
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('expected a positive number.');
  return n;
};
const bool = (raw: string): boolean => {
  if (raw !== 'true' && raw !== 'false') throw new InvalidArgumentError('expected true or false.');
  return raw === 'true';
};
const highsOptions = (raw: string): Record<string, string | number | boolean> => {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, string | number | boolean>;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('expected a JSON object of HiGHS options, e.g. \'{"presolve":"on"}\'.');
};
const instanceList = (raw: string): Set<number> => {
  const ids = raw.split(',').map((s) => Number(s.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n < 0))
    throw new InvalidArgumentError('expected instance numbers, e.g. 12,345.');
  return new Set(ids);
};

const solverOption = () =>
  new Option('--solver <backend>', 'HiGHS build: auto (native when built), native, wasm')
    .choices(['auto', 'native', 'wasm'] as const)
    .default('auto');

export interface BenchArgs {
  instances: number;
  fleet: number;
  seed: number;
  timeLimit: number;
  gap: number;
  evOnOff: boolean;
  strict: boolean;
  workers: number;
  family: 'home' | 'peer';
  solver: 'auto' | 'native' | 'wasm';
  highsOptions?: Record<string, string | number | boolean>;
  slowest: number;
  only?: Set<number>;
}

/** `npm run bench -w libs/optimizer -- [options]`; throws commander's error (exit code, message) on bad input. */
export function parseBenchArgs(argv: readonly string[], out?: (s: string) => void): BenchArgs {
  const program = new Command('bench')
    .description(
      'Solve-time benchmark of the home scheduler on instances built from real NESO intensity and REFIT load',
    )
    .option('--instances <n>', 'homes solved one after another', positiveInt, 2000)
    .option('--fleet <n>', 'homes solved by the fleet worker pool (0: skip)', wholeNumber, 1000)
    .option('--seed <n>', 'instance generator seed', wholeNumber, 1)
    .option('--time-limit <s>', 'HiGHS time limit per solve, seconds', positiveNumber, 10)
    .option('--gap <ratio>', 'mip_rel_gap', positiveNumber, 1e-4)
    .option('--ev-on-off <bool>', 'EV charges on/off at full power (home family)', bool, true)
    .option('--strict <bool>', 'all on/off binaries up front (one MIP)', bool, false)
    .option('--workers <n>', 'fleet worker threads', positiveInt, os.availableParallelism())
    .addOption(new Option('--family <name>', 'instance family').choices(['home', 'peer'] as const).default('home'))
    .addOption(solverOption())
    .option(
      '--highs-options <json>',
      "HiGHS options to measure (default: the build's DEFAULT_*_HIGHS_OPTIONS)",
      highsOptions,
    )
    .option('--slowest <n>', 'list the N slowest single-home solves', wholeNumber, 0)
    .option('--only <list>', 'solve only these instance numbers (comma-separated)', instanceList)
    .exitOverride()
    .configureOutput({
      writeOut: out ?? ((s) => process.stdout.write(s)),
      writeErr: out ?? ((s) => process.stderr.write(s)),
    });
  program.parse(argv, { from: 'user' });
  return program.opts<BenchArgs>();
}

export interface PeerArgs {
  instances: number;
  seed: number;
  gap: number;
  timeLimit: number;
  solver: 'auto' | 'native' | 'wasm';
}

/** `npm run bench:peer -w libs/optimizer -- [options]`. */
export function parsePeerArgs(argv: readonly string[], out?: (s: string) => void): PeerArgs {
  const program = new Command('bench:peer')
    .description('Ours and EMHASS on the same peer-class instances, interleaved, single-threaded, same gap')
    .option('--instances <n>', 'peer-class instances', positiveInt, 200)
    .option('--seed <n>', 'instance generator seed', wholeNumber, 1)
    .option('--gap <ratio>', 'mip_rel_gap of both sides', positiveNumber, 1e-4)
    .option('--time-limit <s>', 'time limit per solve of both sides, seconds', positiveNumber, 10)
    .addOption(solverOption())
    .exitOverride()
    .configureOutput({
      writeOut: out ?? ((s) => process.stdout.write(s)),
      writeErr: out ?? ((s) => process.stderr.write(s)),
    });
  program.parse(argv, { from: 'user' });
  return program.opts<PeerArgs>();
}

/**
 * The exit code for an error out of main(): commander has already printed help (0) or the usage error (2, the
 * `carbonreducer` tree's usage code); anything else is printed here and is a failure (1).
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
