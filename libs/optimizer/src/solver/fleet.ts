/**
 * Solving many homes at once: a pool of worker threads (one per core by default), each with its own HiGHS
 * WebAssembly instance loaded once, fed homes one at a time so a hard home does not hold up a queue. The
 * WebAssembly build is single-threaded, so threads are how a fleet uses more than one core.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SolveHomeOptions } from '../core/solve';
import type { HomePlan, HomeRequest } from '../core/types';

/** One home to plan: its request and the instant the plan is made. */
export interface FleetHome {
  request: HomeRequest;
  now: number;
}

/** Per-home options sent to the workers (no clock: each worker uses its own). */
export type FleetSolveOptions = Omit<SolveHomeOptions, 'clock'>;

/** What came back for one home, in the order the homes were given. */
export type FleetOutcome =
  | { ok: true; plan: HomePlan; wallMs: number }
  | { ok: false; error: { name: string; message: string }; wallMs: number };

export interface FleetSolver {
  readonly workers: number;
  /** Plans every home; outcomes in input order. A home that fails gives `ok: false`, never a rejection. */
  solve(homes: readonly FleetHome[], options?: FleetSolveOptions): Promise<FleetOutcome[]>;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

export interface FleetOptions {
  /** Worker threads; default one per core (`os.availableParallelism()`). */
  workers?: number;
  /** HiGHS options for every worker (default `DEFAULT_HIGHS_OPTIONS`). */
  highsOptions?: Readonly<Record<string, string | number | boolean>>;
}

/** @internal message shapes between the pool and its workers. */
export interface FleetWorkerData {
  highsOptions?: Readonly<Record<string, string | number | boolean>>;
}
/** @internal */
export interface FleetJob {
  id: number;
  home: FleetHome;
  options: FleetSolveOptions;
}
/** @internal */
export type FleetReply = { id: number } & FleetOutcome;

/**
 * The library's entry is TypeScript (run through tsx), so each worker registers tsx's CommonJS hook before
 * loading the worker module; both paths are resolved here so the worker does not depend on its cwd.
 */
function workerSource(): string {
  const tsx = require.resolve('tsx/cjs');
  const entry = join(__dirname, 'fleetWorker.ts');
  return `require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`;
}

/** Starts the worker threads and waits until each has loaded HiGHS. */
export async function createFleetSolver(options: FleetOptions = {}): Promise<FleetSolver> {
  const count = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const data: FleetWorkerData = options.highsOptions ? { highsOptions: options.highsOptions } : {};
  const source = workerSource();
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const w = new Worker(source, { eval: true, workerData: data });
      workers.push(w);
    }
    await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            const fail = (err: unknown) => reject(new Error(`fleet worker ${i} failed to start`, { cause: err }));
            w.once('error', fail);
            w.once('exit', (code) => fail(new Error(`exited with code ${code}`)));
            w.once('message', () => {
              w.off('error', fail);
              w.removeAllListeners('exit');
              resolve();
            });
          }),
      ),
    );
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }

  let busy = false;
  return {
    workers: count,
    async solve(homes, solveOptions = {}) {
      if (busy) throw new Error('FleetSolver.solve: a solve is already running on this pool');
      busy = true;
      try {
        return await new Promise<FleetOutcome[]>((resolve, reject) => {
          const out = new Array<FleetOutcome | undefined>(homes.length);
          let next = 0;
          let done = 0;
          const cleanups: (() => void)[] = [];
          const finish = (err?: Error) => {
            cleanups.forEach((c) => c());
            if (err) reject(err);
            else resolve(out as FleetOutcome[]);
          };
          const feed = (w: Worker) => {
            if (next >= homes.length) return;
            const id = next++;
            const job: FleetJob = { id, home: homes[id] as FleetHome, options: solveOptions };
            w.postMessage(job);
          };
          workers.forEach((w, i) => {
            const onMessage = (reply: FleetReply) => {
              const { id, ...outcome } = reply;
              out[id] = outcome as FleetOutcome;
              done++;
              if (done === homes.length) finish();
              else feed(w);
            };
            const onError = (err: unknown) => finish(new Error(`fleet worker ${i} failed`, { cause: err }));
            const onExit = (code: number) => finish(new Error(`fleet worker ${i} exited with code ${code}`));
            w.on('message', onMessage);
            w.on('error', onError);
            w.on('exit', onExit);
            cleanups.push(() => {
              w.off('message', onMessage);
              w.off('error', onError);
              w.off('exit', onExit);
            });
          });
          if (homes.length === 0) finish();
          else workers.forEach(feed);
        });
      } finally {
        busy = false;
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Plans a fleet with a pool started for the purpose and closed afterwards (see `createFleetSolver`). */
export async function solveFleet(
  homes: readonly FleetHome[],
  options: FleetSolveOptions & FleetOptions = {},
): Promise<FleetOutcome[]> {
  const { workers, highsOptions, ...solveOptions } = options;
  const pool = await createFleetSolver({
    ...(workers !== undefined ? { workers } : {}),
    ...(highsOptions ? { highsOptions } : {}),
  });
  try {
    return await pool.solve(homes, solveOptions);
  } finally {
    await pool.close();
  }
}
