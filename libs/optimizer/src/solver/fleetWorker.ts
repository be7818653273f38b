/**
 * One worker thread of the fleet pool (`createFleetSolver`): loads HiGHS once, then solves the homes it is sent,
 * one at a time, and posts each plan (or error) back. Started by `fleet.ts`, not imported by anything else.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { solveHome } from '../core/solve';
import { createHighsSolver } from './highs';
import type { FleetCrash, FleetJob, FleetReply, FleetWorkerData } from './fleet';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('fleetWorker.ts runs only as a worker thread of createFleetSolver');
  const data = workerData as FleetWorkerData;
  const solver = await createHighsSolver(data.highsOptions, data.backend ?? 'auto');
  port.on('message', (msg: FleetJob | FleetCrash) => {
    // A deliberate uncaught exception in this thread: how the pool's tests make a worker die for real.
    if ('crash' in msg) throw new Error(msg.crash);
    const job = msg;
    const started = performance.now();
    let reply: FleetReply;
    try {
      const plan = solveHome(job.home.request, job.home.now, solver, {
        ...job.options,
        clock: () => performance.now(),
      });
      reply = { id: job.id, ok: true, plan, wallMs: performance.now() - started };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reply = {
        id: job.id,
        ok: false,
        error: { name: e.name, message: e.message },
        wallMs: performance.now() - started,
      };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
}

main().catch((err: unknown) => {
  // Surfaces as the Worker's 'error' event in the pool.
  throw err instanceof Error ? err : new Error(String(err));
});
