import { EXIT } from './exitCodes';

/** The input is wrong (a file that does not parse, a value out of range): exit code 3. */
export class BadInputError extends Error {
  override name = 'BadInputError';
}

/** A server the command needs does not answer: exit code 4. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);
/** gRPC (Temporal) says it in words: the deadline passed before a connection, or the service is unavailable. */
const UNREACHABLE_MESSAGE = /Failed to connect before the deadline|\b14 UNAVAILABLE\b|fetch failed/;
// ConfigError: a setting in the environment is wrong (the gateway's, the workflows').
const BAD_INPUT_NAMES = new Set([
  'BadInputError',
  'InvalidRequestError',
  'SyntaxError',
  'ContractError',
  'ConfigError',
]);

function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && out.length < 10; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

/**
 * The documented exit code of an error, looking through its causes: a connection refused or unresolved anywhere in the
 * chain is "server unreachable", a bad file or value "bad input", anything else "failure".
 */
export function exitCodeOf(err: unknown): number {
  const errors = chain(err);
  for (const e of errors) {
    if (e instanceof UnreachableError) return EXIT.unreachable;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return EXIT.unreachable;
    if (e instanceof Error && UNREACHABLE_MESSAGE.test(e.message)) return EXIT.unreachable;
    if (e instanceof AggregateError && e.errors.some((x) => exitCodeOf(x) === EXIT.unreachable))
      return EXIT.unreachable;
  }
  for (const e of errors) {
    if (e instanceof Error && BAD_INPUT_NAMES.has(e.name)) return EXIT.badInput;
    // A file named on the command line that is not there (or is a directory).
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'EISDIR') return EXIT.badInput;
  }
  return EXIT.failure;
}

/** `name: message` and each cause on its own line. */
export function describeError(name: string, err: unknown): string {
  const [first, ...causes] = chain(err);
  const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  return [`${name}: ${text(first)}`, ...causes.map((c) => `  cause: ${text(c)}`)].join('\n');
}
