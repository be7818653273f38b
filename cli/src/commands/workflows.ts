import { Argument, type Command } from 'commander';
import { command, lazy } from '../command';
import { positiveInt } from '../options';

const workflows = lazy<typeof import('@carbonreducer/workflows')>('@carbonreducer/workflows');
const wf = () => workflows().workflowsCli;

const SCHEDULES = ['ingest', 'forecast', 'retrain-intensity', 'retrain-load'] as const;
const CONFIG = `Settings: the worker's (POSTGRES_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, …); from the checkout they default to
the native stack's (carbonreducer stack env). Output: JSON on stdout.`;

export function workflowsCommand(): Command {
  const cmd = command('workflows', 'Homes, run requests, plans and schedules in Temporal', [
    'carbonreducer workflows homes list',
    'carbonreducer workflows plan --home sim-001',
  ]);

  const homes = command('homes', 'Register, list and deactivate homes', [
    'carbonreducer workflows homes register h-1 --import-limit-w 5000',
    'carbonreducer workflows homes list',
  ]);
  homes.addCommand(
    command(
      'register',
      'Register homes (or update them): region, time zone, import limit',
      ['carbonreducer workflows homes register h-1 h-2 --time-zone Europe/London --import-limit-w 13800'],
      CONFIG,
    )
      .argument('<ids...>', 'home ids')
      .option('--region <region>', 'grid region (default the configured one, GB)')
      .option('--time-zone <tz>', 'IANA time zone of the home', 'Europe/London')
      .option('--import-limit-w <w>', 'main fuse / import limit, W (default none)', positiveInt)
      .action(async (ids: string[], f: { region?: string; timeZone: string; importLimitW?: number }) =>
        wf().homesRegister(ids, { region: f.region, timeZone: f.timeZone, importLimitW: f.importLimitW ?? null }),
      ),
  );
  homes.addCommand(
    command('list', 'Every registered home (JSON)', ['carbonreducer workflows homes list'], CONFIG).action(async () =>
      wf().homesList(),
    ),
  );
  homes.addCommand(
    command('deactivate', 'Stop planning for a home', ['carbonreducer workflows homes deactivate h-1'], CONFIG)
      .argument('<id>', 'home id')
      .action(async (id: string) => wf().homesDeactivate(id)),
  );
  cmd.addCommand(homes);

  cmd.addCommand(
    command(
      'request-run',
      "Ask for an appliance run in a home's schedule",
      [
        'carbonreducer workflows request-run --home h-1 --device dw --appliance dishwasher --duration-min 120 --power-w 1200 --ready-by 2026-12-04T07:00:00Z',
      ],
      CONFIG,
    )
      .requiredOption('--home <id>', 'home id')
      .requiredOption('--device <id>', 'device id in the home')
      .requiredOption('--appliance <name>', 'dishwasher, washing_machine, …')
      .requiredOption('--duration-min <min>', 'run length, minutes', positiveInt)
      .requiredOption('--power-w <w>', 'mean power, W', positiveInt)
      .requiredOption('--ready-by <time>', 'finish by (ISO-8601)')
      .option('--earliest-start <time>', 'not before (ISO-8601)')
      .option('--request-id <id>', 'idempotency key (default appliance-timestamp)')
      .option('--stop-at-end', 'switch the device off at the end of the run')
      .action(
        async (f: {
          home: string;
          device: string;
          appliance: string;
          durationMin: number;
          powerW: number;
          readyBy: string;
          earliestStart?: string;
          requestId?: string;
          stopAtEnd?: boolean;
        }) => wf().requestRun(f),
      ),
  );
  cmd.addCommand(
    command('plan', "A home's current plan (JSON)", ['carbonreducer workflows plan --home sim-001'], CONFIG)
      .requiredOption('--home <id>', 'home id')
      .action(async (f: { home: string }) => wf().plan(f.home)),
  );
  cmd.addCommand(
    command(
      'run-schedule',
      'Trigger a schedule now and wait for its workflow (JSON result)',
      ['carbonreducer workflows run-schedule forecast'],
      CONFIG,
    )
      .addArgument(new Argument('<schedule>', 'which schedule').choices(SCHEDULES))
      .action(async (name: (typeof SCHEDULES)[number]) => wf().runSchedule(name)),
  );
  cmd.addCommand(
    command(
      'bootstrap',
      'Register the simulated homes, ingest, forecast and request real runs',
      ['carbonreducer workflows bootstrap --homes 10'],
      `Registers the simulator's homes (PREFIX-001 …), runs the ingest and forecast schedules now, and requests a
dishwasher and a washing-machine run (real cycles from ../shared/data) in every home, so the Temporal UI shows real
workflows at once. ${CONFIG}`,
    )
      .option('--homes <n>', 'simulated homes', positiveInt, 10)
      .option('--home-prefix <p>', 'home ids P-001, P-002, …', 'sim')
      .option('--min-flex-hours <h>', 'least flexibility of the requested runs', positiveInt, 8)
      .option('--import-limit-w <w>', 'import limit of the homes, W', positiveInt, 13_800)
      .option('--time-zone <tz>', 'IANA time zone of the homes', 'Europe/London')
      .action(
        async (f: {
          homes: number;
          homePrefix: string;
          minFlexHours: number;
          importLimitW: number;
          timeZone: string;
        }) => wf().runBootstrap(f),
      ),
  );
  return cmd;
}
