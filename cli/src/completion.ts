import { isGroup, TREE, type Group } from './tree';

/** `words` of the level below `path` (subcommand names), for completion. */
export function completionsAt(path: readonly string[], root: Group = TREE): string[] {
  let group: Group = root;
  for (const name of path) {
    const next = group.children.find((c) => c.name === name);
    if (!next || !isGroup(next)) return [];
    group = next;
  }
  return [...group.children.map((c) => c.name), ...(group === root ? ['completion', 'help'] : [])];
}

function levels(group: Group, prefix: string): string[] {
  const here = `    "${prefix}") words="${group.children.map((c) => c.name).join(' ')}${prefix === '' ? ' completion help' : ''}" ;;`;
  return [
    here,
    ...group.children.filter(isGroup).flatMap((g) => levels(g, prefix === '' ? g.name : `${prefix} ${g.name}`)),
  ];
}

/** A bash completion script (zsh: the same through bashcompinit). */
export function completionScript(shell: 'bash' | 'zsh'): string {
  const bash = [
    '# carbonreducer completion: source <(carbonreducer completion bash)',
    '_carbonreducer() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} path="" i words=""',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    [[ ${COMP_WORDS[i]} == -* ]] && break',
    '    path="${path:+$path }${COMP_WORDS[i]}"',
    '  done',
    '  case "$path" in',
    ...levels(TREE, ''),
    '    "completion") words="bash zsh" ;;',
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -F _carbonreducer carbonreducer',
    '',
  ].join('\n');
  return shell === 'bash' ? bash : `autoload -U +X bashcompinit && bashcompinit\n${bash}`;
}
