import { Runtime } from '@temporalio/worker';

/** Keeps the SDK's own log lines out of the smoke tests' output; failures surface through the assertions. */
export function installSilentRuntime(): void {
  const quiet = (): undefined => undefined;
  Runtime.install({ logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet } });
}
