import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BadInputError } from '../errors';
import type { ModelLifecycle } from '../ports';
import type { SearchSummary, TrainedModel } from '../types';
import { createModelLifecycle, type ModelLifecycleOptions } from './modelLifecycle';
import type { ThreadJob, ThreadMessage } from './modelThread.worker';

const ENTRY = join(__dirname, 'modelThread.worker.ts');

/**
 * The model lifecycle with hyperparameter search and training in a worker thread each. Both are synchronous CPU work
 * of tens of seconds; on the activity's own thread they blocked the event loop, so no heartbeat reached Temporal
 * (measured on the dev server: none during a 24 s search) and the worker's other tasks waited. Backtest figures and
 * promotion are quick file reads and stay on the caller's thread. `options` must be plain data (it is cloned).
 */
export function createThreadedModelLifecycle(options: Omit<ModelLifecycleOptions, 'clock' | 'data'>): ModelLifecycle {
  const local = createModelLifecycle(options);

  function run<T>(job: ThreadJob, onMessage: (m: ThreadMessage) => void, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // tsx in the thread too: the entry is TypeScript, like the rest of the worker.
      const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(ENTRY)});`, {
        eval: true,
        workerData: { job, options },
      });
      let settled = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        f();
        void worker.terminate();
      };
      const onAbort = (): void => {
        worker.postMessage({ type: 'abort', reason: String(signal?.reason ?? 'cancelled') });
        settle(() => reject(new Error(`${job.method} cancelled`, { cause: signal?.reason })));
      };
      signal?.addEventListener('abort', onAbort);
      worker.on('message', (m: ThreadMessage) => {
        if (m.type === 'done') settle(() => resolve(m.result as T));
        else if (m.type === 'error') {
          const err = m.name === 'BadInputError' ? new BadInputError(m.message) : new Error(m.message);
          if (m.stack) err.stack = m.stack;
          settle(() => reject(err));
        } else onMessage(m);
      });
      worker.on('error', (err) => settle(() => reject(new Error(`model ${job.method} thread failed`, { cause: err }))));
      worker.on('exit', (code) => settle(() => reject(new Error(`model ${job.method} thread exited with ${code}`))));
    });
  }

  return {
    searchHyperparameters(args, progress) {
      return run<SearchSummary>(
        { method: 'search', args, completed: progress.completed },
        (m) => (m.type === 'trial' ? progress.onTrial(m.completed) : progress.heartbeat()),
        progress.signal,
      );
    },
    trainAndRegister(args, heartbeat) {
      return run<TrainedModel>({ method: 'train', args }, () => heartbeat());
    },
    backtest: (args) => local.backtest(args),
    promote: (args) => local.promote(args),
  };
}
