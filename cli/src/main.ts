import { Command, CommanderError } from 'commander';
import { command, EXIT_HELP } from './command';
import { completionScript } from './completion';
import { describeError, exitCodeOf } from './errors';
import { EXIT } from './exitCodes';
import { gatewayCommand } from './commands/gateway';
import { ingestCommand } from './commands/ingest';
import { loginCommand } from './commands/login';
import { modelsCommand } from './commands/models';
import { optimizerCommand } from './commands/optimizer';
import { passThrough } from './commands/passThrough';
import { simulateCommand } from './commands/simulate';
import { stackCommand } from './commands/stack';
import { workflowsCommand } from './commands/workflows';
import { childrenOf, commandAt } from './tree';

export const SUMMARY = 'Cut the carbon footprint of homes: the native stack, ingestion, forecasts, plans and workflows';

/**
 * A commander refusal (unknown option, bad value, help shown). By shape: a package's own command (the simulator's)
 * comes from that package's copy of commander, so `instanceof` would not see it.
 */
function isCommanderError(err: unknown): err is CommanderError {
  return (
    (err instanceof Error &&
      typeof (err as CommanderError).exitCode === 'number' &&
      String((err as CommanderError).code).startsWith('commander.')) ||
    err instanceof CommanderError
  );
}

/** Settings every level shares: errors through commander's exit hook, suggestions, output streams. */
function configureAll(cmd: Command): void {
  cmd
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  // `login --json` and `login status --json`: an option belongs to the command it follows.
  if (childrenOf(cmd).length > 0) cmd.enablePositionalOptions();
  for (const c of childrenOf(cmd)) configureAll(c);
}

/**
 * The whole program. `exitWith` receives the exit code of a command that runs another program (scripts/stack, the
 * API, …); tests inject it to see the code.
 */
export function buildProgram(exitWith: (code: number) => void = (c) => process.exit(c)): Command {
  const program = command('carbonreducer', SUMMARY, [
    'carbonreducer stack up',
    'carbonreducer workflows plan --home sim-001',
    'carbonreducer models backtest load --train a.csv.gz --test b.csv.gz --json',
    'carbonreducer optimizer solve request.json --plot plan.png',
    'carbonreducer login',
    'source <(carbonreducer completion bash)',
  ]);
  program.addCommand(stackCommand(exitWith));
  program.addCommand(simulateCommand());
  program.addCommand(gatewayCommand());
  program.addCommand(ingestCommand());
  program.addCommand(modelsCommand());
  program.addCommand(optimizerCommand());
  program.addCommand(workflowsCommand());
  program.addCommand(
    passThrough(
      'api',
      'The CarbonReducer API server',
      ['carbonreducer api --help'],
      { kind: 'node', path: 'api/bin/carbonreducer-api.js' },
      exitWith,
    ),
  );
  program.addCommand(loginCommand());
  program.addCommand(
    command('completion', 'Print a shell completion script (bash, zsh)', [
      'source <(carbonreducer completion bash)',
      'carbonreducer completion zsh > ~/.zsh/_carbonreducer',
    ])
      .argument('<shell>', 'bash or zsh')
      .action((shell: string) => {
        if (shell !== 'bash' && shell !== 'zsh') {
          throw new CommanderError(
            EXIT.usage,
            'carbonreducer.usage',
            `error: shell must be bash or zsh, got ${JSON.stringify(shell)}\n`,
          );
        }
        process.stdout.write(completionScript(program, shell));
      }),
  );
  configureAll(program);
  return program;
}

/**
 * Runs `argv` (without node and script) on the program, or on the subtree at `path` under another name (the old bin
 * names: `carbonreducer-models` is `carbonreducer models`); resolves to the exit code.
 */
export async function main(argv: string[], options: { path?: string[]; name?: string } = {}): Promise<number> {
  let code: number | undefined;
  const program = buildProgram((c) => {
    code = c;
  });
  const cmd = options.path ? commandAt(program, options.path) : program;
  if (!cmd) throw new Error(`no command ${options.path?.join(' ')}`);
  const name = options.name ?? 'carbonreducer';
  if (options.name) cmd.name(options.name);
  // An old bin name is a program of its own: its help and errors say `carbonreducer-models …`, not `carbonreducer …`.
  if (options.path) cmd.parent = null;
  try {
    await cmd.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (isCommanderError(err)) {
      if (err.code === 'carbonreducer.usage') process.stderr.write(err.message);
      // Asked-for help is not an error; a group without its subcommand (help shown on stderr) and everything else
      // commander refuses is a usage error.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`${describeError(name, err)}\n`);
    return exitCodeOf(err);
  }
  return code ?? EXIT.ok;
}

export { EXIT_HELP };

/** Entry of `carbonreducer` and of the old bin names (`runCli(['models'], 'carbonreducer-models')`). */
export function runCli(path?: string[], name?: string): void {
  // Output piped into `head` or a closed pager: stop quietly, as other command-line tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  main(process.argv.slice(2), { path, name }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${describeError(name ?? 'carbonreducer', err)}\n`);
      process.exit(EXIT.failure);
    },
  );
}
