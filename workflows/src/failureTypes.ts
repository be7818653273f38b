/** Types of non-retryable failures: bad input and infeasible requests. Retrying cannot help these. */
export const FAILURE_TYPES = {
  badInput: 'BadInput',
  infeasible: 'Infeasible',
  noForecast: 'NoForecast',
} as const;
