import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { completionScript } from './completion';
import { EXIT } from './exitCodes';
import { isGroup, TREE, type Group, type Leaf } from './tree';

/** Repository root: this file is `<root>/cli/src/main.ts`. */
const ROOT = resolve(__dirname, '..', '..');

const EXIT_HELP = `Exit codes: ${EXIT.ok} ok, ${EXIT.failure} failure, ${EXIT.usage} usage error, ${EXIT.badInput} bad input, ${EXIT.unreachable} server unreachable.`;

/** Runs a leaf's program with the given arguments, stdio inherited; resolves to its exit code. */
export type Runner = (leaf: Leaf, args: string[]) => Promise<number>;

export const spawnRunner: Runner = (leaf, args) =>
  new Promise((done) => {
    const command = leaf.run.kind === 'node' ? process.execPath : 'bash';
    const child = spawn(command, [resolve(ROOT, leaf.run.path), ...leaf.run.prefix, ...args], { stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`carbonreducer: cannot run ${leaf.run.path}: ${err.message}\n`);
      done(EXIT.failure);
    });
    // A program ended by a signal exits as a shell reports it: 128 + the signal's number.
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : EXIT.failure)));
  });

function examples(list: string[]): string {
  return `\nExamples:\n${list.map((e) => `  $ ${e}`).join('\n')}\n\n${EXIT_HELP}\n`;
}

function addLeaf(parent: Command, leaf: Leaf, runner: Runner, exitWith: (code: number) => void): void {
  parent
    .command(leaf.name)
    .description(leaf.summary)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', `arguments of ${leaf.run.path} (--help lists them)`)
    .addHelpText('after', examples(leaf.examples))
    .action(async (args: string[]) => {
      if (args.includes('--help') || args.includes('-h')) {
        process.stdout.write(`${leaf.summary}\n${examples(leaf.examples)}\nThe program's own help:\n\n`);
      }
      exitWith(await runner(leaf, args));
    });
}

function addGroup(parent: Command, group: Group, runner: Runner, exitWith: (code: number) => void): Command {
  const cmd = parent === undefined ? new Command(group.name) : parent.command(group.name);
  cmd
    .description(group.summary)
    .addHelpText('after', examples(group.examples))
    .exitOverride()
    .showSuggestionAfterError();
  for (const child of group.children) {
    if (isGroup(child)) addGroup(cmd, child, runner, exitWith);
    else addLeaf(cmd, child, runner, exitWith);
  }
  return cmd;
}

/** The whole program; `runner` and `exitWith` are injected so tests see what would run and with which code. */
export function buildProgram(
  runner: Runner = spawnRunner,
  exitWith: (code: number) => void = (c) => process.exit(c),
): Command {
  const program = new Command(TREE.name);
  program
    .description(TREE.summary)
    .addHelpText('after', examples(TREE.examples))
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const child of TREE.children) {
    if (isGroup(child)) addGroup(program, child, runner, exitWith);
    else addLeaf(program, child, runner, exitWith);
  }
  program
    .command('completion')
    .description('Print a shell completion script')
    .argument('<shell>', 'bash or zsh')
    .addHelpText(
      'after',
      examples(['source <(carbonreducer completion bash)', 'carbonreducer completion zsh > ~/.zsh/_carbonreducer']),
    )
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') {
        process.stderr.write(`carbonreducer completion: shell must be bash or zsh, got ${JSON.stringify(shell)}\n`);
        exitWith(EXIT.usage);
        return;
      }
      process.stdout.write(completionScript(shell));
      exitWith(EXIT.ok);
    });
  return program;
}

/** Parses `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], runner: Runner = spawnRunner): Promise<number> {
  let code: number | undefined;
  const program = buildProgram(runner, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Asked-for help is not an error; a group without its subcommand (help shown on stderr) and everything else
      // commander refuses is a usage error.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  return code ?? EXIT.ok;
}

export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`carbonreducer: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.failure);
    },
  );
}
