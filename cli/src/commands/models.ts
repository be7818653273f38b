import { Argument, Option, type Command } from 'commander';
import { command, lazy } from '../command';
import { positiveInt, positiveNumber, timeRange } from '../options';

const TARGET = () => new Argument('<target>', 'intensity or load').choices(['intensity', 'load']);

const DATA = `Data files:
  intensity: NESO (from,to,forecast,actual,index) or Electricity Maps hourly CSVs
  load:      1-minute household CSVs (Time,Aggregate,...), .gz allowed
  ranges are UTC dates or times, TO exclusive, e.g. 2023-01-01..2023-04-01`;

interface FitFlags {
  train: string[];
  test: string[];
  json?: boolean;
  plot?: string;
  trainRange?: { fromMs: number; toMs: number };
  testRange?: { fromMs: number; toMs: number };
  search?: number;
  register?: boolean;
  registry?: string;
  model: 'gbm' | 'lstm' | 'ensemble';
  lstmSeconds?: number;
  seeds?: number;
}

/** The options of a fit with a rolling-origin backtest (backtest and train take the same ones). */
function fitOptions(cmd: Command): Command {
  return cmd
    .addArgument(TARGET())
    .requiredOption('--train <files...>', 'training data files')
    .requiredOption('--test <files...>', 'test data files (rolling-origin evaluation, not trained on)')
    .option('--train-range <from..to>', 'use only this part of the training files', timeRange)
    .option('--test-range <from..to>', 'evaluate only on this part of the test files', timeRange)
    .option('--search <seconds>', 'successive-halving hyperparameter search for this long first', positiveNumber)
    .addOption(
      new Option('--model <model>', 'intensity: which model the figures come from')
        .choices(['gbm', 'lstm', 'ensemble'])
        .default('gbm'),
    )
    .option('--lstm-seconds <seconds>', 'intensity: wall-clock budget of the LSTM training', positiveNumber)
    .option('--seeds <n>', 'GBM refits with consecutive seeds, averaged per horizon (default 1)', positiveInt)
    .option('--registry <dir>', 'model registry root (default models/registry)')
    .option('--json', 'print one JSON object (the report) instead of the table')
    .option('--plot <png>', 'write the plot there (and the SVG beside it); default backtest-TARGET.png without --json');
}

function fitArgs(target: 'intensity' | 'load', f: FitFlags) {
  return {
    target,
    train: f.train,
    test: f.test,
    json: f.json === true,
    plot: f.plot,
    trainRange: f.trainRange,
    testRange: f.testRange,
    searchSeconds: f.search,
    register: f.register === true,
    registry: f.registry,
    model: f.model,
    lstmSeconds: f.lstmSeconds,
    seeds: f.seeds,
  };
}

const models = lazy<typeof import('@carbonreducer/models')>('@carbonreducer/models');
const run = () => models().modelsCli;

export function modelsCommand(): Command {
  const models = command('models', 'Train, backtest, search and register forecasting models', [
    'carbonreducer models backtest intensity --train em-2022.csv --test neso-2023H1.csv --plot bt.png',
    'carbonreducer models registry list',
  ]);

  models.addCommand(
    fitOptions(
      command(
        'backtest',
        'Rolling-origin backtest of the intensity or load model (train, evaluate, optionally register)',
        [
          'carbonreducer models backtest load --train h-2014-0{4,5,6}.csv.gz --test h-2014-07.csv.gz --json',
          'carbonreducer models backtest intensity --train em.csv --test neso.csv --register',
        ],
        DATA,
      ),
    )
      .option('--register', 'store the model in the registry and promote it if it beats the champion')
      .action(async (target: 'intensity' | 'load', f: FitFlags) => run().runBacktest(fitArgs(target, f))),
  );

  models.addCommand(
    fitOptions(
      command(
        'train',
        'Train, backtest and register a model; promoted to champion if it beats the current one',
        ['carbonreducer models train load --train h-2014-0{4,5,6}.csv.gz --test h-2014-07.csv.gz --json'],
        DATA,
      ),
    ).action(async (target: 'intensity' | 'load', f: FitFlags) => run().runTrain(fitArgs(target, f))),
  );

  models.addCommand(
    command(
      'search',
      'Successive-halving search over the GBM hyperparameters (scored on the held-out tail of the training data)',
      ['carbonreducer models search load --train h-2014-0{4,5,6}.csv.gz --seconds 30 --json'],
      DATA,
    )
      .addArgument(TARGET())
      .requiredOption('--train <files...>', 'training data files')
      .option('--train-range <from..to>', 'use only this part of the files', timeRange)
      .option('--seconds <s>', 'wall-clock budget', positiveNumber, 30)
      .option('--configs <n>', 'configurations sampled (the first rung)', positiveInt, 9)
      .option('--seed <n>', 'sampling seed', positiveInt, 1)
      .option('--json', 'print one JSON object (best parameters and every trial)')
      .action(
        async (
          target: 'intensity' | 'load',
          f: {
            train: string[];
            trainRange?: { fromMs: number; toMs: number };
            seconds: number;
            configs: number;
            seed: number;
            json?: boolean;
          },
        ) => run().runSearch({ target, ...f, json: f.json === true }),
      ),
  );

  const registry = command('registry', 'The stored models (ONNX and metadata) and the champion of each target', [
    'carbonreducer models registry list --json',
    'carbonreducer models registry show intensity',
  ]);
  registry.addCommand(
    command('list', 'Every stored model with its backtest score; * marks the champion', [
      'carbonreducer models registry list',
      'carbonreducer models registry list load --json',
    ])
      .addArgument(new Argument('[target]', 'intensity or load (default both)').choices(['intensity', 'load']))
      .option('--registry <dir>', 'model registry root (default models/registry)')
      .option('--json', 'print a JSON array')
      .action(async (target: 'intensity' | 'load' | undefined, f: { registry?: string; json?: boolean }) => {
        const m = run();
        const rows = await m.registryList(f.registry, target ? [target] : undefined);
        process.stdout.write(f.json ? `${JSON.stringify(rows)}\n` : `${m.registryTable(rows)}\n`);
      }),
  );
  registry.addCommand(
    command('show', "A model's metadata (JSON): the champion's unless a version is given", [
      'carbonreducer models registry show intensity',
      'carbonreducer models registry show load 20261203T101500Z-1a2b3c4d',
    ])
      .addArgument(TARGET())
      .argument('[version]', 'a version from `registry list`')
      .option('--registry <dir>', 'model registry root (default models/registry)')
      .action(async (target: 'intensity' | 'load', version: string | undefined, f: { registry?: string }) => {
        const m = run();
        process.stdout.write(`${JSON.stringify(await m.registryShow(f.registry, target, version), null, 2)}\n`);
      }),
  );
  registry.addCommand(
    command('promote', 'Make a stored model champion if its backtest score beats the champion (the one rule)', [
      'carbonreducer models registry promote load 20261203T101500Z-1a2b3c4d',
    ])
      .addArgument(TARGET())
      .argument('<version>', 'a version from `registry list`')
      .option('--registry <dir>', 'model registry root (default models/registry)')
      .option('--json', 'print the decision as JSON')
      .action(async (target: 'intensity' | 'load', version: string, f: { registry?: string; json?: boolean }) => {
        const m = run();
        const r = await m.registryPromote(f.registry, target, version);
        process.stdout.write(
          f.json
            ? `${JSON.stringify(r)}\n`
            : `${target} ${version} (score ${r.challengerScore.toFixed(4)}; champion ${r.championScore === null ? 'none' : r.championScore.toFixed(4)}): ${r.promoted ? 'promoted to champion' : 'not promoted'}\n`,
        );
      }),
  );
  models.addCommand(registry);
  return models;
}
