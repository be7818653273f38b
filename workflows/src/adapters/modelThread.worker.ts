/**
 * Worker-thread side of {@link createThreadedModelLifecycle}: runs one CPU-bound search or training and reports
 * progress to the parent, whose event loop stays free to send heartbeats and run other tasks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createModelLifecycle, type ModelLifecycleOptions } from './modelLifecycle';
import type { Hyperparameters, ModelTarget, TrialResult } from '../types';

export type ThreadJob =
  | { method: 'search'; args: { target: ModelTarget; trials: number; seed: number }; completed: TrialResult[] }
  | { method: 'train'; args: { target: ModelTarget; params: Hyperparameters } };

export type ThreadMessage =
  | { type: 'trial'; completed: TrialResult[] }
  | { type: 'heartbeat' }
  | { type: 'done'; result: unknown }
  | { type: 'error'; name: string; message: string; stack?: string };

const port = parentPort;
if (!port) throw new Error('modelThread.worker must run in a worker thread');
const { job, options } = workerData as { job: ThreadJob; options: ModelLifecycleOptions };
const post = (m: ThreadMessage): void => port.postMessage(m);
const controller = new AbortController();
port.on('message', (m: { type: 'abort'; reason: string }) => {
  if (m.type === 'abort') controller.abort(new Error(m.reason));
});

const lifecycle = createModelLifecycle(options);
const work =
  job.method === 'search'
    ? lifecycle.searchHyperparameters(job.args, {
        completed: job.completed,
        onTrial: (completed) => post({ type: 'trial', completed: [...completed] }),
        heartbeat: () => post({ type: 'heartbeat' }),
        signal: controller.signal,
      })
    : lifecycle.trainAndRegister(job.args, () => post({ type: 'heartbeat' }));
work.then(
  (result) => post({ type: 'done', result }),
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
  },
);
