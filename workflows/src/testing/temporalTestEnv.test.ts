import { stopLiveWorkers, useTimeSkippingEnv, withWorkers } from './temporalTestEnv';

const env = useTimeSkippingEnv('file');
const activities = { noop: async () => undefined };

describe('withWorkers', () => {
  it('lets stopLiveWorkers end the workers of a call whose function never settles (a timed-out test)', async () => {
    let started = false;
    const run = withWorkers(env(), activities, () => {
      started = true;
      return new Promise<never>(() => undefined);
    });
    const settled = run.then(
      () => 'fulfilled',
      (err: unknown) => `rejected: ${String(err)}`,
    );
    while (!started) await new Promise((r) => setTimeout(r, 50));

    await stopLiveWorkers();

    // The function never settles, so runUntil reports it instead of hanging: the test's workers are gone.
    await expect(settled).resolves.toMatch(/^rejected: .*did not resolve/);
    // Both task queues are free again (a worker still registered on them would make this throw).
    await expect(withWorkers(env(), activities, async () => 'again')).resolves.toBe('again');
  });

  it('releases the first worker when the second cannot be created', async () => {
    // No activities: the compute worker would serve nothing, which the SDK refuses.
    await expect(withWorkers(env(), {}, async () => 'unreachable')).rejects.toThrow(/task type/);
    await expect(withWorkers(env(), activities, async () => 'after')).resolves.toBe('after');
  });

  it('stopLiveWorkers returns at once when no call is running', async () => {
    await withWorkers(env(), activities, async () => 'done');
    await expect(stopLiveWorkers(1)).resolves.toBeUndefined();
  });
});
