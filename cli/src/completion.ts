import type { Command } from 'commander';
import { childrenOf } from './tree';

/** What can follow `path`: subcommand names, then the command's long options. */
export function completionsAt(root: Command, path: readonly string[]): string[] {
  let cmd: Command = root;
  for (const name of path) {
    const next = childrenOf(cmd).find((c) => c.name() === name);
    if (!next) return [];
    cmd = next;
  }
  return [...childrenOf(cmd).map((c) => c.name()), ...cmd.options.map((o) => o.long).filter((l): l is string => !!l)];
}

function levels(cmd: Command, prefix: string): string[] {
  const words = [
    ...childrenOf(cmd).map((c) => c.name()),
    ...cmd.options.map((o) => o.long).filter((l): l is string => !!l),
    '--help',
  ];
  return [
    `    "${prefix}") words="${words.join(' ')}" ;;`,
    ...childrenOf(cmd).flatMap((c) => levels(c, prefix === '' ? c.name() : `${prefix} ${c.name()}`)),
  ];
}

/** A bash completion script of the whole tree, subcommands and options (zsh: the same through bashcompinit). */
export function completionScript(root: Command, shell: 'bash' | 'zsh'): string {
  const bash = [
    '# carbonreducer completion: source <(carbonreducer completion bash)',
    '_carbonreducer() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} path="" i words=""',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    [[ ${COMP_WORDS[i]} == -* ]] && break',
    '    path="${path:+$path }${COMP_WORDS[i]}"',
    '  done',
    '  case "$path" in',
    ...levels(root, ''),
    '    "completion") words="bash zsh" ;;',
    '  esac',
    '  # Options come after the subcommand names: offered only once the word starts with -.',
    '  if [[ $cur != -* ]]; then words="${words%%--*}"; fi',
    '  # Subcommands (or options) first; file names when none of them fits (data and request files).',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '  ((${#COMPREPLY[@]})) || COMPREPLY=($(compgen -f -- "$cur"))',
    '}',
    'complete -o filenames -F _carbonreducer carbonreducer',
    '',
  ].join('\n');
  return shell === 'bash' ? bash : `autoload -U +X bashcompinit && bashcompinit\n${bash}`;
}
