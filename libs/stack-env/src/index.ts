import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root (this file lives in `<root>/libs/stack-env/src`). */
export const repoRoot = resolve(__dirname, '..', '..', '..');

/**
 * Parses `KEY=value` lines as written by `scripts/stack` (secrets) and `provisioning/*.env` (ports, versions).
 * Blank lines and `#` comments are skipped; one pair of surrounding quotes is removed.
 */
export function parseEnvFile(text: string, source = 'env file'): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`${source}:${index + 1}: expected KEY=value, got '${line}'`);
    const [, key, rawValue] = match as unknown as [string, string, string];
    const quoted = /^(['"])(.*)\1$/.exec(rawValue);
    values[key] = quoted ? (quoted[2] ?? '') : rawValue;
  });
  return values;
}

function stateDirOf(env: NodeJS.ProcessEnv, stateDir: string | undefined): string {
  return stateDir ?? env.STACK_STATE ?? join(repoRoot, '.stack');
}

/** The committed ports and the files `scripts/stack up` writes, in the order later ones win. */
function stackFiles(stateDir: string): string[] {
  return [join(repoRoot, 'provisioning', 'ports.env'), join(stateDir, 'secrets.env'), join(stateDir, 'client.env')];
}

/** The merged values of the files that exist (a missing one is not an error: values may come from the environment). */
function readEnvFiles(paths: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const path of paths) {
    if (existsSync(path)) Object.assign(values, parseEnvFile(readFileSync(path, 'utf8'), path));
  }
  return values;
}

/** Settings of the native stack: a variable from the process environment wins over the files. */
export interface StackEnv {
  /** Value of `key`; throws naming the key and how to get it when it is missing or empty. */
  get(key: string): string;
  /** Value of `key` as a TCP port number. */
  port(key: string): number;
  /** Value of `key`, or undefined. */
  find(key: string): string | undefined;
}

export interface StackEnvOptions {
  /** Where `scripts/stack` keeps its state (default: env STACK_STATE, else `<root>/.stack`). */
  stateDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads `provisioning/ports.env`, `provisioning/versions.env`, `.stack/secrets.env` and `.stack/client.env` (both
 * written by `scripts/stack up`; client.env is what `scripts/stack env` prints: INFLUX_URL, INFLUX_TOKEN, MQTT_URL, …).
 * A missing file is not an error by itself: the values may all come from the environment (CI, containers).
 */
export function loadStackEnv(options: StackEnvOptions = {}): StackEnv {
  const env = options.env ?? process.env;
  const stateDir = stateDirOf(env, options.stateDir);
  const secretsPath = join(stateDir, 'secrets.env');
  const files = readEnvFiles([join(repoRoot, 'provisioning', 'versions.env'), ...stackFiles(stateDir)]);
  const find = (key: string): string | undefined => {
    const value = env[key] ?? files[key];
    return value === undefined || value === '' ? undefined : value;
  };
  const get = (key: string): string => {
    const value = find(key);
    if (value === undefined) {
      const where = existsSync(secretsPath) ? secretsPath : `${secretsPath} (missing)`;
      throw new Error(`${key} not found in the environment or ${where}: run scripts/stack up`);
    }
    return value;
  };
  const port = (key: string): number => {
    const value = get(key);
    const portNumber = Number(value);
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
      throw new Error(`${key}=${value} is not a TCP port (1-65535)`);
    }
    return portNumber;
  };
  return { get, port, find };
}

/**
 * The environment a service's config module should read: the process environment, with every setting it lacks
 * taken from the local stack's files (so `npx carbonreducer-… ` works from the checkout after `scripts/stack up`
 * without `eval "$(scripts/stack env)"`). Explicit environment variables always win; empty ones count as unset.
 */
export function withStackDefaults(
  env: NodeJS.ProcessEnv = process.env,
  options: { stateDir?: string } = {},
): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = readEnvFiles(stackFiles(stateDirOf(env, options.stateDir)));
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}
export * from './reachable';
