import { createComputeActivities, type ComputeActivityDeps } from './compute';
import { createIoActivities, type IoActivityDeps } from './io';

export type ActivityDeps = IoActivityDeps & ComputeActivityDeps;

/** Every activity, built from its dependencies; the worker registers the I/O and compute halves on their own queues. */
export function createActivities(deps: ActivityDeps) {
  return { ...createIoActivities(deps), ...createComputeActivities(deps) };
}

export { createComputeActivities, createIoActivities };
export type { ComputeActivityDeps, IoActivityDeps };
export { NON_RETRYABLE, withFailureMapping } from './failures';
