import type { ActivityOptions } from '@temporalio/workflow';
import { TASK_QUEUES } from '@carbonreducer/common';

import { FAILURE_TYPES } from '../failureTypes';

export { FAILURE_TYPES };

const nonRetryableErrorTypes = Object.values(FAILURE_TYPES);

/** Short I/O (InfluxDB, MQTT, source APIs): retried with backoff for a while, transient errors only. */
export const defaultActivity: ActivityOptions = {
  taskQueue: TASK_QUEUES.io,
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
};

/**
 * One backfill chunk: a few quick retries only, so an outage of every source delays a forecast by seconds, not
 * minutes (the chunk is reported as failed and asked for again by the next run).
 */
export const backfillActivity: ActivityOptions = {
  taskQueue: TASK_QUEUES.io,
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
};

/** CPU-bound but short: forecasting a batch, solving a plan. */
export const computeActivity: ActivityOptions = {
  taskQueue: TASK_QUEUES.compute,
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/**
 * Training and hyperparameter search: long, heartbeating, resumable. A worker crash is noticed within the heartbeat
 * timeout and the retry resumes from the last heartbeat's details.
 */
export const longRunningActivity: ActivityOptions = {
  taskQueue: TASK_QUEUES.compute,
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/** Publishing a device command: idempotent, so retrying is safe; bounded so a dead broker shows up in the plan. */
export const dispatchActivity: ActivityOptions = {
  taskQueue: TASK_QUEUES.io,
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes,
  },
};
