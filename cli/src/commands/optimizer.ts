import { Option, type Command } from 'commander';
import { command, lazy, printJson } from '../command';
import { BadInputError } from '../errors';
import { instantMs, numberIn, numberList } from '../options';
import { evaluateText, paretoText } from './optimizerText';

const EVALUATED = `Options in detail:
  --households: files are grouped into homes by name (refit-house2-*, ukdale-house2-*); columns
    Time,Aggregate,Kettle,Dishwasher,WashingMachine,Microwave.
  --forecast: perfect = the actual intensity; operator = the NESO file's own forecast column (NESO files only);
    naive = the same slot one day earlier; model = the trained champion intensity model (models registry).
  --flex-hours N: a cycle must finish by request + its duration + N h; an EV session counts when the driver's request
    leaves at least N h (requested departure − plug-in − full-power charging time). Sessions with less are reported
    apart ("lessFlexible").
  --plan-once: plan once at request time. Default: plan again every 30 min with the forecast as then known.
  --from DATE: map requests only onto the intensity data from DATE; the data before remain history for the forecasts.

What is evaluated:
  Appliance cycles detected in the Dishwasher and WashingMachine columns and EV sessions with a driver request, each
  planned alone minimising CO2 in 30-minute slots from the request time, then scored with the actual intensity.
  Baseline: the load runs at request time. Perfect: the plan made with the actual intensity. Requests are moved by
  whole weeks of local wall-clock time into the intensity period (weekday and time of day kept).

Data: NESO Carbon Intensity API (CC BY 4.0); Electricity Maps (attribution required); REFIT and UK-DALE
(CC BY 4.0) as prepared by DeviceScope (Apache-2.0); Caltech ACN-Data (JPL site, ACN-Data terms of use).`;

const REQUEST = `The request file is the optimizer's HomeRequest as JSON (libs/optimizer/src/core/types.ts): startMs, slotMin,
slotCount, intensityGPerKWh[], pricePerKWh[], co2PricePerKg, baseLoadW[], importLimitW, devices[] (cycle, ev,
battery, heat_pump). A file that does not parse or breaks a rule is bad input (exit 3) and the message names the
field.`;

const optimizer = lazy<typeof import('@carbonreducer/optimizer')>('@carbonreducer/optimizer');
const models = lazy<typeof import('@carbonreducer/models')>('@carbonreducer/models');

async function writePlot(path: string, plot: { png: Buffer; svg: string }): Promise<void> {
  const written = await models().writePlotFiles(path, plot);
  process.stderr.write(`plot written to ${written.png} and ${written.svg}\n`);
}

export function optimizerCommand(): Command {
  const cmd = command('optimizer', 'Plan flexible loads for low CO2, and evaluate the plans on real data', [
    'carbonreducer optimizer solve request.json --plot plan.png',
    'carbonreducer optimizer evaluate --intensity neso.csv --households h.csv.gz --ev ev.json --forecast model --flex-hours 8 --json',
  ]);

  cmd.addCommand(
    command(
      'evaluate',
      'Evaluate plans against run-at-request and perfect foresight on real data',
      [
        'carbonreducer optimizer evaluate --forecast operator --flex-hours 8 --intensity neso.csv --households h.csv.gz --ev ev.json',
        'carbonreducer optimizer evaluate --forecast naive --flex-hours 4 --intensity neso.csv --ev ev.json --plot eval.png',
      ],
      EVALUATED,
    )
      .requiredOption('--intensity <files...>', 'carbon intensity CSVs: NESO half-hourly or Electricity Maps hourly')
      .option('--households <files...>', '1-minute household files (REFIT / UK-DALE)')
      .option('--ev <file>', 'Caltech ACN-Data sessions JSON')
      .addOption(
        new Option('--forecast <mode>', 'the intensity the planner sees')
          .choices(['perfect', 'operator', 'model', 'naive'])
          .makeOptionMandatory(),
      )
      .requiredOption('--flex-hours <h>', 'flexibility in hours (0–40)', numberIn(0, 40, 'hours'))
      .option('--plan-once', 'plan once at request time (default: re-plan every 30 min)')
      .option('--from <date>', 'map requests only onto the intensity data from this date (UTC)', instantMs)
      .option('--json', 'print one JSON object instead of the table')
      .option('--plot <png>', 'write the emissions by kind (baseline, plan, perfect) there, and the SVG beside it')
      .action(
        async (f: {
          intensity: string[];
          households?: string[];
          ev?: string;
          forecast: 'perfect' | 'operator' | 'model' | 'naive';
          flexHours: number;
          planOnce?: boolean;
          from?: number;
          json?: boolean;
          plot?: string;
        }) => {
          if ((f.households ?? []).length === 0 && f.ev === undefined) {
            throw new BadInputError('give --households FILE... and/or --ev FILE');
          }
          const args = {
            intensity: f.intensity,
            households: f.households ?? [],
            ev: f.ev ?? null,
            forecast: f.forecast,
            flexHours: f.flexHours,
            json: f.json === true,
            planOnce: f.planOnce === true,
            fromMs: f.from ?? null,
          };
          const o = optimizer();
          const loadIntensityModel = () => models().championIntensityModel();
          const progress = models().createProgress(process.stderr, args.json);
          const outcome = await o.runEvaluate(args, {
            loadIntensityModel,
            onProgress: (done, total) => progress.update(done, total, 'planning requests'),
          });
          progress.done();
          if (args.json) printJson(o.evaluateJson(args, outcome));
          else process.stdout.write(`${evaluateText(args, outcome)}\n`);
          if (f.plot !== undefined) await writePlot(f.plot, await models().plotEvaluation(outcome.result, f.forecast));
        },
      ),
  );

  cmd.addCommand(
    command(
      'solve',
      "Plan one home's request file: starts, expected CO2 and cost, and what gave way",
      [
        'carbonreducer optimizer solve request.json',
        'carbonreducer optimizer solve request.json --json --plot plan.png',
      ],
      REQUEST,
    )
      .argument('<request>', 'a HomeRequest JSON file')
      .option('--now <time>', 'the planning instant (default: the start of the first slot)', instantMs)
      .option('--json', 'print the plan (HomePlan) as JSON')
      .option('--plot <png>', "write the plan's runs over the intensity forecast there, and the SVG beside it")
      .action(async (path: string, f: { now?: number; json?: boolean; plot?: string }) => {
        const o = optimizer();
        const { request, nowMs } = await o.readRequestFile(path, f.now);
        const plan = await o.runSolve(request, nowMs);
        if (f.json) printJson(plan);
        else process.stdout.write(`${o.planText(request, plan)}\n`);
        if (f.plot !== undefined) await writePlot(f.plot, await models().plotPlan(request, plan));
      }),
  );

  cmd.addCommand(
    command(
      'pareto',
      'Cost against CO2: one plan per CO2 price for a request file',
      ['carbonreducer optimizer pareto request.json --co2-prices 0,0.05,0.1,0.2,0.5 --json'],
      REQUEST,
    )
      .argument('<request>', 'a HomeRequest JSON file')
      .option(
        '--co2-prices <list>',
        'CO2 prices, currency per kg, comma-separated',
        numberList,
        [0, 0.05, 0.1, 0.2, 0.5, 1],
      )
      .option('--now <time>', 'the planning instant (default: the start of the first slot)', instantMs)
      .option('--json', 'print the points (price, expected cost and CO2) as JSON, without the plans')
      .action(async (path: string, f: { co2Prices: number[]; now?: number; json?: boolean }) => {
        const o = optimizer();
        const { request, nowMs } = await o.readRequestFile(path, f.now);
        const points = await o.runPareto(request, nowMs, f.co2Prices);
        if (f.json) {
          printJson(
            points.map((p) => ({
              co2PricePerKg: p.co2PricePerKg,
              costExpected: p.costExpected,
              kgCO2Expected: p.kgCO2Expected,
              avoidedKgCO2: p.plan.avoidedKgCO2,
              status: p.plan.status,
            })),
          );
        } else process.stdout.write(`${paretoText(points)}\n`);
      }),
  );
  return cmd;
}
