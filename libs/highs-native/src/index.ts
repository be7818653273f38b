/**
 * Native HiGHS for Node: loads the Rust N-API addon (`src/lib.rs`, napi-rs over the `highs-sys` crate, which builds
 * HiGHS 1.16.0 from its vendored sources with cmake). `scripts/stack install` builds it once into
 * `$CR_CACHE/highs-native-<key>/highs_native.node` (`scripts/stack.d/highs_native.sh`), where the key names the
 * package version, the HiGHS version and a digest of the Rust sources and lock file, so a changed crate version or
 * source is a new build and never a stale one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The HiGHS release the addon builds (the `highs-sys` crate pinned in Cargo.toml). */
export const HIGHS_NATIVE_HIGHS_VERSION = '1.16.0';

/** What builds the addon, for error messages. */
export const HIGHS_NATIVE_BUILD_COMMAND = 'bash scripts/stack install-one highs_native';

/** One HiGHS instance (the addon's class); arrays are typed and filled in place. */
export interface NativeHighsModel {
  setOption(name: string, value: boolean | number | string): void;
  /** A minimisation model with a row-wise (CSR) matrix; without `integrality` it is an LP. */
  passModel(
    colCost: Float64Array,
    colLower: Float64Array,
    colUpper: Float64Array,
    rowLower: Float64Array,
    rowUpper: Float64Array,
    aStart: Int32Array,
    aIndex: Int32Array,
    aValue: Float64Array,
    integrality?: Int32Array | null,
  ): void;
  /** Reads a model file (CPLEX LP or MPS, by extension). */
  readModel(path: string): void;
  numCols(): number;
  colName(col: number): string;
  changeColsBounds(indices: Int32Array, lower: Float64Array, upper: Float64Array): void;
  setBasis(colStatus: Int32Array, rowStatus: Int32Array): void;
  setSolution(colValue: Float64Array): void;
  /** Runs HiGHS: 0 ok, 1 warning, −1 error (read `modelStatus` after). */
  run(): number;
  /** HiGHS' model status code (7 optimal, 8 infeasible, 13 time limit, …). */
  modelStatus(): number;
  /** An info value by name (integers as numbers). */
  info(name: string): number;
  objectiveValue(): number;
  solution(colValue: Float64Array, colDual: Float64Array): void;
  basis(colStatus: Int32Array, rowStatus: Int32Array): void;
  dispose(): void;
}

export interface HighsNativeAddon {
  HighsModel: new () => NativeHighsModel;
  /** The HiGHS version compiled in, e.g. "1.16.0". */
  highsVersion(): string;
}

/** The addon is not built (or not loadable); the message says how to build it. */
export class HighsNativeMissingError extends Error {
  override readonly name = 'HighsNativeMissingError';
}

const PACKAGE_DIR = join(__dirname, '..');
/** The files whose contents make a build: a change in any is a new cache key. Same list as highs_native.sh. */
const KEY_FILES = ['Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs'];

/** The cache key of this checkout's addon: `<package version>-highs<HiGHS version>-<digest of the Rust build>`. */
export function highsNativeKey(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string };
  const hash = createHash('sha256');
  for (const f of KEY_FILES) hash.update(readFileSync(join(PACKAGE_DIR, f)));
  return `${pkg.version}-highs${HIGHS_NATIVE_HIGHS_VERSION}-${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Where the addon of this checkout lives: `CARBONREDUCER_HIGHS_NATIVE` (a path to a `.node` file) when set, else
 * `$CR_CACHE/highs-native-<key>/highs_native.node` (`CR_CACHE` defaults to `~/.cache/carbonreducer`, as in
 * scripts/stack).
 */
export function highsNativePath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['CARBONREDUCER_HIGHS_NATIVE'];
  if (explicit) return explicit;
  const cache = env['CR_CACHE'] || join(env['HOME'] || homedir(), '.cache', 'carbonreducer');
  return join(cache, `highs-native-${highsNativeKey()}`, 'highs_native.node');
}

let loaded: HighsNativeAddon | undefined;

/** Loads the addon once per thread; throws `HighsNativeMissingError` naming the path and the build command. */
export function loadHighsNative(): HighsNativeAddon {
  if (loaded) return loaded;
  const path = highsNativePath();
  if (!existsSync(path)) {
    throw new HighsNativeMissingError(
      `the native HiGHS addon is not built (no ${path}); build it with \`${HIGHS_NATIVE_BUILD_COMMAND}\` (part of \`bash scripts/stack install\`)`,
    );
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon loads through require
    const addon = require(path) as HighsNativeAddon;
    if (typeof addon.HighsModel !== 'function' || typeof addon.highsVersion !== 'function') {
      throw new Error('the file does not export HighsModel and highsVersion');
    }
    loaded = addon;
    return addon;
  } catch (err) {
    throw new HighsNativeMissingError(
      `the native HiGHS addon at ${path} does not load; rebuild it with \`${HIGHS_NATIVE_BUILD_COMMAND}\``,
      { cause: err },
    );
  }
}
