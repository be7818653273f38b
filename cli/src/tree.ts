import type { Command } from 'commander';

/** Subcommands of a command as the user sees them (commander's implicit `help` left out). */
export const childrenOf = (cmd: Command): Command[] => cmd.commands.filter((c) => c.name() !== 'help');

/** Every path of names from the root to each command below it (for completion and tests). */
export function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return childrenOf(cmd).flatMap((c) => {
    const path = [...prefix, c.name()];
    return [path, ...commandPaths(c, path)];
  });
}

/** The command below `root` at `path`, or undefined. */
export function commandAt(root: Command, path: readonly string[]): Command | undefined {
  let cmd: Command | undefined = root;
  for (const name of path) cmd = cmd && childrenOf(cmd).find((c) => c.name() === name);
  return cmd;
}

/** The command tree as the README's "Command line" section shows it (a test keeps the README current). */
export function renderCommandTree(cmd: Command, depth = 0): string {
  return childrenOf(cmd)
    .map((c) => {
      const name = c.name();
      const head = `${'  '.repeat(depth)}${name.padEnd(Math.max(14 - 2 * depth, name.length + 1))}${c.description()}`;
      return childrenOf(c).length > 0 ? [head, renderCommandTree(c, depth + 1)].join('\n') : head;
    })
    .join('\n');
}
