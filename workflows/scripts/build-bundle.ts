/**
 * Prebuilds the workflow bundle for production workers (`npm run build:bundle -w workflows`): the worker loads
 * dist/workflow-bundle.js when it exists instead of running webpack at every start-up.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_BUNDLE } from '../src/worker';

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows') });
  mkdirSync(dirname(PREBUILT_BUNDLE), { recursive: true });
  writeFileSync(PREBUILT_BUNDLE, code);
  process.stdout.write(
    `wrote ${PREBUILT_BUNDLE} (${(code.length / 1024).toFixed(0)} KiB) in ${Date.now() - started} ms\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
