/** Temporal task queues: I/O-bound activities apart from CPU-bound training and solving. */
export const TASK_QUEUES = {
  io: 'carbonreducer-io',
  compute: 'carbonreducer-compute',
  smoke: 'carbonreducer-smoke',
} as const;
export type TaskQueue = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];

export const TEMPORAL_NAMESPACE = 'carbonreducer';
