/**
 * Solving many homes at once: a pool of worker threads (one per core by default), each with its own HiGHS
 * WebAssembly instance loaded once, fed homes one at a time so a hard home does not hold up a queue. The
 * WebAssembly build is single-threaded, so threads are how a fleet uses more than one core.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createJsonLogger, type Logger } from '@carbonreducer/common';
import type { SolveHomeOptions } from '../core/solve';
import type { HomePlan, HomeRequest } from '../core/types';
import type { HighsBackend } from './highs';

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
  /**
   * Plans every home; outcomes in input order. A home that fails gives `ok: false`, never a rejection; rejects only
   * when the pool cannot run (closed, already solving, or no worker thread can be started).
   */
  solve(homes: readonly FleetHome[], options?: FleetSolveOptions): Promise<FleetOutcome[]>;
  /** Stops every worker thread (a solve in progress settles, unplanned homes failed) and waits until they exit. */
  close(): Promise<void>;
}

export interface FleetOptions {
  /** Worker threads; default one per core (`os.availableParallelism()`). */
  workers?: number;
  /** HiGHS options for every worker (default: the chosen build's, `DEFAULT_NATIVE_HIGHS_OPTIONS` or `DEFAULT_HIGHS_OPTIONS`). */
  highsOptions?: Readonly<Record<string, string | number | boolean>>;
  /** Which HiGHS build the workers use (`createHighsSolver`'s `backend`; default `auto`: native when built). */
  backend?: HighsBackend;
  /** Where a worker that stopped is reported (level error); default JSON lines on stderr. */
  logger?: Logger;
}

/** @internal message shapes between the pool and its workers. */
export interface FleetWorkerData {
  highsOptions?: Readonly<Record<string, string | number | boolean>>;
  backend?: HighsBackend;
}
/** @internal */
export interface FleetJob {
  id: number;
  home: FleetHome;
  options: FleetSolveOptions;
}
/** @internal tests only: the worker throws `crash` as an uncaught exception (a real crash of a real thread). */
export interface FleetCrash {
  crash: string;
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

/** One place in the pool: the worker thread filling it (null while dead or starting) and the home it is planning. */
interface Slot {
  index: number;
  worker: Worker | null;
  starting: Promise<void> | null;
  /** The home index this worker is planning, and since when (ms, `performance.now`). */
  job: { id: number; startedMs: number } | null;
}

/** The solve in progress. */
interface ActiveSolve {
  homes: readonly FleetHome[];
  options: FleetSolveOptions;
  out: (FleetOutcome | undefined)[];
  next: number;
  done: number;
  /** Homes whose worker died while planning them, to be planned again (once). */
  retry: number[];
  deaths: Map<number, number>;
  resolve: (out: FleetOutcome[]) => void;
}

/** An error from a worker thread as an `Error` of this realm (it may come from another one, e.g. under Jest). */
function asError(x: unknown): Error {
  if (x instanceof Error) return x;
  if (typeof x === 'object' && x !== null && typeof (x as { message?: unknown }).message === 'string') {
    const e = new Error((x as { message: string }).message);
    const name = (x as { name?: unknown }).name;
    if (typeof name === 'string') e.name = name;
    return e;
  }
  return new Error(String(x));
}

/**
 * Starts the worker threads and waits until each has loaded HiGHS.
 *
 * A worker that dies (an uncaught exception in its thread, running out of memory, exiting) never takes the
 * caller's process with it, whether it was idle or busy: the pool logs it (`logger`, level error), starts a
 * replacement at once, and
 * - a home it was planning is planned again on another worker; if that worker dies too, the home comes back as
 *   `{ ok: false, error: { name: 'FleetWorkerError' } }` (a home that kills workers is not retried for ever);
 * - if every worker is dead and none can be started, the homes not yet planned come back as `FleetWorkerError`
 *   outcomes (those already planned are kept), and the next `solve` tries to start the workers again, rejecting
 *   only when none starts.
 * `close()` stops every thread the pool started, replacements included, and waits until each has exited.
 */
export async function createFleetSolver(options: FleetOptions = {}): Promise<FleetSolver> {
  const count = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const data: FleetWorkerData = {
    ...(options.highsOptions ? { highsOptions: options.highsOptions } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  };
  const logger = options.logger ?? createJsonLogger({ fields: { component: 'optimizer-fleet' } });
  const source = workerSource();
  /** Every thread started and not yet exited, so that `close()` leaves none behind. */
  const live = new Set<Worker>();
  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({
    index,
    worker: null,
    starting: null,
    job: null,
  }));
  let closed = false;
  let active: ActiveSolve | null = null;
  let lastStartError: unknown = null;

  const outcomeError = (message: string, cause?: unknown): { name: string; message: string } => ({
    name: 'FleetWorkerError',
    message: cause === undefined || cause === null ? message : `${message}: ${asError(cause).message}`,
  });

  /** Gives home `id` of the active solve its outcome, unless it already has one. */
  const record = (a: ActiveSolve, id: number, outcome: FleetOutcome) => {
    if (a.out[id] !== undefined) return;
    a.out[id] = outcome;
    a.done++;
  };

  /** Settles the active solve once every home has an outcome. */
  const settle = () => {
    const a = active;
    if (!a || a.done < a.homes.length) return;
    active = null;
    a.resolve(a.out as FleetOutcome[]);
  };

  /** Gives an outcome to every home not planned yet (no worker left, or the pool was closed). */
  const failRemaining = (message: string, cause?: unknown) => {
    const a = active;
    if (!a) return;
    slots.forEach((s) => (s.job = null));
    for (let id = 0; id < a.homes.length; id++)
      record(a, id, { ok: false, error: outcomeError(message, cause), wallMs: 0 });
    settle();
  };

  /** Sends the next home to an idle, live worker. */
  const feed = (slot: Slot) => {
    const a = active;
    const w = slot.worker;
    if (!a || !w || slot.job !== null) return;
    const id = a.retry.length > 0 ? a.retry.shift() : a.next < a.homes.length ? a.next++ : undefined;
    if (id === undefined) return;
    slot.job = { id, startedMs: performance.now() };
    const job: FleetJob = { id, home: a.homes[id] as FleetHome, options: a.options };
    w.postMessage(job);
  };

  const onReply = (slot: Slot, reply: FleetReply) => {
    const a = active;
    // A reply for a solve that has ended (closed meanwhile) is dropped.
    if (!a || slot.job?.id !== reply.id) return;
    const { id, ...outcome } = reply;
    slot.job = null;
    record(a, id, outcome as FleetOutcome);
    settle();
    feed(slot);
  };

  /** A worker stopped on its own: account its home, log, and start a replacement. */
  const onDeath = (slot: Slot, cause: unknown) => {
    const a = active;
    const job = slot.job;
    slot.job = null;
    logger.error('fleet worker stopped; starting a replacement', {
      worker: slot.index,
      homeIndex: job?.id ?? null,
      error: asError(cause),
    });
    if (a && job) {
      const deaths = (a.deaths.get(job.id) ?? 0) + 1;
      a.deaths.set(job.id, deaths);
      if (deaths < 2) a.retry.push(job.id);
      else {
        record(a, job.id, {
          ok: false,
          error: outcomeError('two fleet workers stopped while planning this home', cause),
          wallMs: performance.now() - job.startedMs,
        });
        settle();
      }
      slots.forEach(feed);
    }
    void start(slot);
  };

  /** Starts a worker for a slot (it takes homes once HiGHS is loaded); resolves when it is ready or has failed. */
  const start = (slot: Slot): Promise<void> => {
    if (closed || slot.worker || slot.starting) return slot.starting ?? Promise.resolve();
    slot.starting = new Promise<void>((resolve) => {
      let w: Worker;
      try {
        w = new Worker(source, { eval: true, workerData: data });
      } catch (err) {
        lastStartError = err;
        resolve();
        return;
      }
      live.add(w);
      let ready = false;
      let error: unknown = null;
      // Listeners for the whole life of the thread: an 'error' without a listener would be thrown in this process.
      w.on('error', (err) => (error ??= err));
      w.on('message', (msg: FleetReply | { ready: true }) => {
        if (ready) return onReply(slot, msg as FleetReply);
        ready = true;
        slot.worker = w;
        resolve();
      });
      w.on('exit', (code) => {
        live.delete(w);
        const cause = error ?? new Error(`exited with code ${code}`);
        if (!ready) {
          // Failed to start (or closed while starting).
          lastStartError = new Error(`fleet worker ${slot.index} failed to start`, { cause });
          resolve();
          return;
        }
        if (slot.worker === w) slot.worker = null;
        if (!closed) onDeath(slot, cause);
      });
    }).then(() => {
      slot.starting = null;
      if (slot.worker) feed(slot);
      else if (active && slots.every((s) => !s.worker && !s.starting)) {
        failRemaining('no fleet worker is left to plan this home', lastStartError);
      }
    });
    return slot.starting;
  };

  const terminateAll = async () => {
    closed = true;
    await Promise.all(
      [...live].map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            void w.terminate();
          }),
      ),
    );
  };

  await Promise.all(slots.map(start));
  if (slots.some((s) => !s.worker)) {
    await terminateAll();
    throw lastStartError instanceof Error ? lastStartError : new Error('a fleet worker failed to start');
  }

  const pool: FleetSolver = {
    workers: count,
    async solve(homes, solveOptions = {}) {
      if (closed) throw new Error('FleetSolver.solve: the pool is closed');
      if (active) throw new Error('FleetSolver.solve: a solve is already running on this pool');
      if (homes.length === 0) return [];
      // Workers that died and could not be replaced: try again now, and wait only if none is alive.
      const restarts = slots.filter((s) => !s.worker).map(start);
      if (slots.every((s) => !s.worker)) await Promise.all(restarts);
      if (closed) throw new Error('FleetSolver.solve: the pool is closed');
      if (slots.every((s) => !s.worker)) {
        throw new Error('FleetSolver.solve: no fleet worker could be started', { cause: lastStartError });
      }
      return await new Promise<FleetOutcome[]>((resolve) => {
        active = {
          homes,
          options: solveOptions,
          out: new Array<FleetOutcome | undefined>(homes.length),
          next: 0,
          done: 0,
          retry: [],
          deaths: new Map(),
          resolve,
        };
        slots.forEach(feed);
      });
    },
    async close() {
      // Homes of a solve in progress come back as failed outcomes; the solve's promise settles.
      if (!closed) {
        closed = true;
        failRemaining('the fleet pool was closed before this home was planned');
      }
      await terminateAll();
    },
  };
  internals.set(pool, {
    crash: (i, message) => slots[i]?.worker?.postMessage({ crash: message } satisfies FleetCrash),
    liveThreads: () => live.size,
  });
  return pool;
}

/** @internal tests only: reach into a pool's worker threads. */
export interface FleetInternals {
  /** Makes worker `i` throw an uncaught exception in its thread. */
  crash(i: number, message: string): void;
  /** Threads started by the pool that have not exited. */
  liveThreads(): number;
}
const internals = new WeakMap<FleetSolver, FleetInternals>();
/** @internal tests only. */
export function fleetInternals(pool: FleetSolver): FleetInternals {
  const x = internals.get(pool);
  if (!x) throw new Error('not a pool made by createFleetSolver');
  return x;
}

/** Plans a fleet with a pool started for the purpose and closed afterwards (see `createFleetSolver`). */
export async function solveFleet(
  homes: readonly FleetHome[],
  options: FleetSolveOptions & FleetOptions = {},
): Promise<FleetOutcome[]> {
  const { workers, highsOptions, backend, ...solveOptions } = options;
  const pool = await createFleetSolver({
    ...(workers !== undefined ? { workers } : {}),
    ...(highsOptions ? { highsOptions } : {}),
    ...(backend ? { backend } : {}),
  });
  try {
    return await pool.solve(homes, solveOptions);
  } finally {
    await pool.close();
  }
}
