import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@carbonreducer/stack-env';

// The root Dockerfile builds the images of the worker, API and simulator. The worker must solve with native HiGHS
// (issue #16): the addon is built by the same install step as natively and lands under the cache key the loader
// (libs/highs-native/src/index.ts) computes from CR_CACHE, so the image's CR_CACHE must be where it was copied.
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);
const nodeVersion = readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim();

describe('Dockerfile', () => {
  it('builds native HiGHS with the project install step in its own stage', () => {
    const builder = stages.find((stage) => / AS highs-native\n/.test(stage));
    expect(builder).toBeDefined();
    expect(builder).toContain('bash scripts/stack install-one highs_native');
    // Everything the key and the build read: the crate sources and the install script.
    expect(builder).toContain('COPY libs/highs-native libs/highs-native');
    expect(builder).toContain('COPY scripts/stack.d scripts/stack.d');
  });

  it('runs the services on the .nvmrc Node with the addon where the loader looks', () => {
    const runtime = stages.at(-1) ?? '';
    expect(runtime.startsWith(`node:${nodeVersion}-`)).toBe(true);
    const cacheDir = /CR_CACHE=(\S+)/.exec(runtime)?.[1];
    expect(cacheDir).toBeDefined();
    expect(runtime).toContain(`COPY --from=highs-native ${cacheDir} ${cacheDir}`);
    const builder = stages.find((stage) => / AS highs-native\n/.test(stage)) ?? '';
    expect(builder).toContain(`ENV CR_CACHE=${cacheDir}`);
  });
});
