import { ApplicationFailure } from '@temporalio/common';
import { errorMessage } from '@carbonreducer/common';
import { BadInputError, InfeasibleError, NoForecastError } from '../errors';

import { FAILURE_TYPES as NON_RETRYABLE } from '../failureTypes';

export { NON_RETRYABLE };

/**
 * Runs `fn`; bad input and infeasible problems become non-retryable failures, anything else is rethrown wrapped with
 * its cause so the retry policy handles it (transient I/O).
 */
export async function withFailureMapping<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const type =
      err instanceof BadInputError
        ? NON_RETRYABLE.badInput
        : err instanceof InfeasibleError
          ? NON_RETRYABLE.infeasible
          : err instanceof NoForecastError
            ? NON_RETRYABLE.noForecast
            : undefined;
    if (type) {
      throw ApplicationFailure.create({
        type,
        message: `${what}: ${errorMessage(err)}`,
        nonRetryable: true,
        cause: err as Error,
      });
    }
    throw new Error(`${what} failed: ${errorMessage(err)}`, { cause: err });
  }
}
