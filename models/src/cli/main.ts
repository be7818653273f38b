import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { registerOutcome } from '../api';
import { plotBacktest } from '../plot/backtestPlot';
import { backtestIntensity, backtestLoad, type BacktestOutcome } from '../backtest';
import { parseArgs, USAGE, UsageError } from './args';
import { createProgress } from './progress';
import { formatTable } from './table';

async function main(argv: string[]): Promise<void> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`carbonreducer-models: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (args.json) {
    // stdout carries exactly one JSON object: anything a library prints (tfjs greets on stdout) goes to stderr.
    console.log = console.error;
    console.info = console.error;
  }
  const progress = createProgress(process.stderr);
  const options = {
    target: args.target,
    trainFiles: args.train,
    testFiles: args.test,
    trainRange: args.trainRange,
    testRange: args.testRange,
    searchSeconds: args.searchSeconds,
    model: args.model,
    lstmSeconds: args.lstmSeconds,
    seeds: args.seeds,
    onProgress: (d: number, t: number, label: string) => progress.update(d, t, label),
  };
  const outcome: BacktestOutcome =
    args.target === 'intensity' ? await backtestIntensity(options) : await backtestLoad(options);
  progress.done();
  if (args.register) {
    const r = await registerOutcome(outcome, args.registry, Date.now());
    process.stderr.write(
      `registered ${r.meta.target} ${r.meta.version} (score ${r.challengerScore.toFixed(4)}; champion ${
        r.championScore === null ? 'none' : r.championScore.toFixed(4)
      }): ${r.promoted ? 'promoted to champion' : 'kept as challenger'}\n`,
    );
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(outcome.report)}\n`);
  } else {
    process.stdout.write(`${formatTable(outcome.report)}\n`);
  }
  if (args.plot !== undefined || !args.json) {
    const path = resolve(args.plot ?? `backtest-${args.target}.png`);
    const file = path.endsWith('.png') ? path : `${path}.png`;
    const svgFile = file.replace(/\.png$/, '.svg');
    const plot = await plotBacktest(outcome, undefined, args.target === 'intensity' ? args.model : 'gbm');
    try {
      await writeFile(file, plot.png);
      await writeFile(svgFile, plot.svg);
    } catch (err) {
      throw new Error(`cannot write the plot to ${file}`, { cause: err });
    }
    process.stderr.write(`plot written to ${file} and ${svgFile}\n`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  process.stderr.write(`carbonreducer-models: ${msg}${cause}\n`);
  process.exit(1);
});
