/** Errors that activities turn into non-retryable Temporal failures (see `toActivityFailure`). */

/** The input names something wrong: retrying cannot help. */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/** The requests cannot all be met (e.g. no window long enough before `readyBy`). */
export class InfeasibleError extends Error {
  override readonly name = 'InfeasibleError';
}

/** There is no intensity forecast to plan against (has forecastWorkflow run?). */
export class NoForecastError extends Error {
  override readonly name = 'NoForecastError';
}
