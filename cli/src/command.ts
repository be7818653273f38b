import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { EXIT } from './exitCodes';

/** Repository root: this file is `<root>/cli/src/command.ts`. */
export const ROOT = resolve(__dirname, '..', '..');

export const EXIT_HELP = `Exit codes: ${EXIT.ok} ok, ${EXIT.failure} failure, ${EXIT.usage} usage error, ${EXIT.badInput} bad input, ${EXIT.unreachable} server unreachable.`;

/** Adds examples (and more text) after a command's help, with the exit codes; tests read them with `examplesOf`. */
export function withExamples(cmd: Command, examples: string[], more = ''): Command {
  EXAMPLES.set(cmd, examples);
  return cmd.addHelpText(
    'after',
    `${more ? `\n${more}\n` : ''}\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n\n${EXIT_HELP}\n`,
  );
}

/** A command with its one-line summary and examples (shown by `--help` on every level). */
export function command(name: string, summary: string, examples: string[], more = ''): Command {
  return withExamples(new Command(name).description(summary), examples, more);
}

const EXAMPLES = new WeakMap<Command, string[]>();

/** The examples a command was given (tests check that its help shows them). */
export const examplesOf = (cmd: Command): string[] => EXAMPLES.get(cmd) ?? [];

/** Runs a program of the repository with stdio inherited; resolves to its exit code (128 + signal, as a shell). */
export function runProgram(kind: 'node' | 'bash', path: string, args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(kind === 'node' ? process.execPath : 'bash', [resolve(ROOT, path), ...args], {
      stdio: 'inherit',
    });
    child.on('error', (err) => {
      process.stderr.write(`carbonreducer: cannot run ${path}: ${err.message}\n`);
      done(EXIT.failure);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : EXIT.failure)));
  });
}

/** Writes one JSON document on stdout (the only thing a `--json` command prints there). */
export function printJson(value: unknown, indent?: number): void {
  process.stdout.write(`${JSON.stringify(value, null, indent)}\n`);
}

const requireHere = createRequire(__filename);

/**
 * A module loaded when a command runs, not when the tree is built (`carbonreducer --help` stays fast: no tfjs, ONNX
 * Runtime or HiGHS). Each package is loaded through its index (its public API).
 */
export function lazy<T>(specifier: string): () => T {
  return () => requireHere(specifier) as T;
}
