/** The documented exit codes of every `carbonreducer` command (and of the programs it runs). */
export const EXIT = {
  ok: 0,
  /** The work failed (a server answered with an error, a run did not converge, …). */
  failure: 1,
  /** The command line is wrong: unknown command or option, missing argument. */
  usage: 2,
  /** The input is wrong: a file that does not parse, a value out of range. */
  badInput: 3,
  /** A server the command needs does not answer. */
  unreachable: 4,
} as const;
