import { commandIdempotencyKey } from '../ids';
import type { CommandState, PublishedPlan, RunRequest } from '../types';

/**
 * The commands after a (re)plan of `requests`: commands already sent or settled are kept as they are, and so are the
 * pending commands of requests that were not re-planned (e.g. the `stop` of a run under way); the pending commands of
 * re-planned requests are replaced by those of the new plan.
 */
export function commandsAfterPlan(
  plan: PublishedPlan,
  requests: Map<string, RunRequest>,
  previous: CommandState[],
): CommandState[] {
  const kept = previous.filter((c) => c.status !== 'pending' || !requests.has(c.requestId));
  const keptKeys = new Set(kept.map((c) => c.idempotencyKey));
  const fresh: CommandState[] = [];
  for (const run of plan.runs) {
    const request = requests.get(run.requestId);
    const actions: { action: 'start' | 'stop'; at: string }[] = [{ action: 'start', at: run.startAt }];
    if (request?.stopAtEnd) actions.push({ action: 'stop', at: run.endAt });
    for (const { action, at } of actions) {
      const idempotencyKey = commandIdempotencyKey(plan.homeId, run.requestId, action);
      if (keptKeys.has(idempotencyKey)) continue;
      fresh.push({
        idempotencyKey,
        homeId: plan.homeId,
        deviceId: run.deviceId,
        appliance: run.appliance,
        requestId: run.requestId,
        action,
        at,
        planVersion: plan.version,
        status: 'pending',
      });
    }
  }
  return [...kept, ...fresh].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || cmp(a.idempotencyKey, b.idempotencyKey),
  );
}

/** Pending commands due at or before `nowMs`, in send order. */
export function dueCommands(commands: CommandState[], nowMs: number): CommandState[] {
  return commands.filter((c) => c.status === 'pending' && Date.parse(c.at) <= nowMs);
}

/** Milliseconds until the next pending command or ack deadline, or undefined when nothing is waiting. */
export function msUntilNextEvent(commands: CommandState[], nowMs: number, ackTimeoutMs: number): number | undefined {
  let next = Infinity;
  for (const c of commands) {
    if (c.status === 'pending') next = Math.min(next, Date.parse(c.at));
    if (c.status === 'sent' && c.sentAt) next = Math.min(next, Date.parse(c.sentAt) + ackTimeoutMs);
  }
  return next === Infinity ? undefined : Math.max(0, next - nowMs);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
