import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@carbonreducer/stack-env';

/** A server of the native stack, by the pid `scripts/stack` recorded for it. */
export interface StackProcess {
  name: string;
  pid: number;
}

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux (always 100 on the kernels we run).
const TICKS_PER_S = 100;

/**
 * The servers on the telemetry path, from `.stack/<name>.pid` (STACK_STATE overrides the folder). Missing pid files
 * (another stack, docker compose) leave the server out: the benchmark then reports no CPU for it.
 */
export function stackProcesses(stateDir = process.env.STACK_STATE ?? join(repoRoot, '.stack')): StackProcess[] {
  const out: StackProcess[] = [];
  for (const name of ['mosquitto', 'telegraf', 'influxdb']) {
    try {
      const pid = Number(readFileSync(join(stateDir, `${name}.pid`), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) out.push({ name, pid });
    } catch {
      // not started by scripts/stack here
    }
  }
  return out;
}

/** User + system CPU of a process and its waited-for children so far, in ms; undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command (which may contain spaces) start at state (field 3); utime/stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_S : undefined;
}
