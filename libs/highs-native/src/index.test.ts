import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  HIGHS_NATIVE_BUILD_COMMAND,
  HighsNativeMissingError,
  highsNativeKey,
  highsNativePath,
  loadHighsNative,
} from './index';

const REPO = join(__dirname, '..', '..', '..');

describe('highs-native loader', () => {
  it('computes the same cache key as the install step (scripts/stack.d/highs_native.sh)', () => {
    const fromBash = execFileSync('bash', ['-c', '. scripts/stack.d/highs_native.sh && highs_native_key'], {
      cwd: REPO,
      env: { ...process.env, REPO_ROOT: REPO },
      encoding: 'utf8',
    }).trim();
    expect(highsNativeKey()).toBe(fromBash);
    expect(fromBash).toMatch(/^0\.1\.0-highs1\.16\.0-[0-9a-f]{12}$/);
  });

  it('looks in CR_CACHE (default ~/.cache/carbonreducer), or where CARBONREDUCER_HIGHS_NATIVE says', () => {
    expect(highsNativePath({ CR_CACHE: '/c' })).toBe(`/c/highs-native-${highsNativeKey()}/highs_native.node`);
    expect(highsNativePath({ HOME: '/h' })).toBe(
      `/h/.cache/carbonreducer/highs-native-${highsNativeKey()}/highs_native.node`,
    );
    expect(highsNativePath({ CARBONREDUCER_HIGHS_NATIVE: '/x/y.node', CR_CACHE: '/c' })).toBe('/x/y.node');
  });

  it('loads the built addon (built by `bash scripts/stack install`) with HiGHS 1.16.0', () => {
    let version: string;
    try {
      version = loadHighsNative().highsVersion();
    } catch (err) {
      throw new Error(`native HiGHS expected but not built; run \`${HIGHS_NATIVE_BUILD_COMMAND}\``, { cause: err });
    }
    expect(version).toBe('1.16.0');
  });

  it('says how to build it when it is missing', () => {
    const saved = process.env['CARBONREDUCER_HIGHS_NATIVE'];
    process.env['CARBONREDUCER_HIGHS_NATIVE'] = '/nonexistent/highs_native.node';
    try {
      jest.isolateModules(() => {
        // A fresh module: the loader caches the addon once loaded.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('./index') as typeof import('./index');
        expect(() => fresh.loadHighsNative()).toThrow(fresh.HighsNativeMissingError);
        expect(() => fresh.loadHighsNative()).toThrow(
          'the native HiGHS addon is not built (no /nonexistent/highs_native.node); build it with `bash scripts/stack install-one highs_native`',
        );
      });
    } finally {
      if (saved === undefined) delete process.env['CARBONREDUCER_HIGHS_NATIVE'];
      else process.env['CARBONREDUCER_HIGHS_NATIVE'] = saved;
    }
    expect(HighsNativeMissingError.name).toBe('HighsNativeMissingError');
  });
});
