import type { Command } from 'commander';
import { command, EXIT_HELP, runProgram } from '../command';

/**
 * A command that runs one of the project's programs with the rest of the command line (their own arguments and
 * `--help`): the programs whose parsers have not moved onto this tree yet, the API server, and `scripts/stack`.
 */
export function passThrough(
  name: string,
  summary: string,
  examples: string[],
  run: { kind: 'node' | 'bash'; path: string; prefix?: string[] },
  exitWith: (code: number) => void,
): Command {
  return command(name, summary, examples)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', `arguments of ${run.path} (--help lists them)`)
    .action(async (args: string[]) => {
      if (args.includes('--help') || args.includes('-h')) {
        process.stdout.write(
          `${summary}\n\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n\n${EXIT_HELP}\n\nThe program's own help:\n\n`,
        );
      }
      exitWith(await runProgram(run.kind, run.path, [...(run.prefix ?? []), ...args]));
    });
}
