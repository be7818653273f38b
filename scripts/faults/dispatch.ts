import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@carbonreducer/stack-env';
import type { FaultResult } from './lib';
import type { Log, Scale } from './experiments';

/**
 * A Temporal worker SIGKILLed while it dispatches start commands to many homes at once, a new one started 2 s later.
 * The experiment's driver lives with the workflows it drives (workflows/src/testing/dispatchFault.ts, run here as a
 * process so that this package needs none of the workflows' internals); it prints its figures as one JSON line.
 * Passes with every home's command on its topic exactly once, without a human, within the bound.
 */
interface DispatchFaultFigures {
  homes: number;
  received: number;
  distinctKeys: number;
  duplicates: number;
  lost: number;
  receivedAtKill: number;
  recoverS: number;
  killToAllS: number;
  workerStartS: number;
}

export async function workerKillMidDispatch(scale: Scale, log: Log): Promise<FaultResult> {
  const name = 'worker-kill-mid-dispatch';
  const homes = scale.name === 'long' ? 100 : 20;
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', join(repoRoot, 'workflows/src/testing/dispatchFault.ts'), String(homes)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
    for (const line of d.toString().split('\n')) if (line.trim() && !line.startsWith('{')) log(`${name}: ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').at(-1) ?? '';
  let figures: DispatchFaultFigures;
  try {
    figures = (JSON.parse(line) as { figures: DispatchFaultFigures }).figures;
  } catch (e) {
    throw new Error(`${name}: the driver exited with ${code} and no figures: ${err.slice(-3000)}`, { cause: e });
  }
  const recovered = figures.recoverS >= 0 && figures.recoverS <= scale.recoverTimeoutS;
  return {
    name,
    sent: figures.homes,
    stored: figures.distinctKeys,
    duplicates: figures.duplicates,
    lost: figures.lost,
    recoverS: recovered ? figures.recoverS : undefined,
    notes: {
      commandsReceived: figures.received,
      receivedAtKill: figures.receivedAtKill,
      killToAllS: figures.killToAllS,
      workerStartS: figures.workerStartS,
    },
    passed: figures.lost === 0 && figures.duplicates === 0 && recovered,
  };
}
