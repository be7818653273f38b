export { createApp, API_VERSION } from './app';
export type { AppDeps } from './deps';
export { loadConfig, type ApiConfig } from './config';
export { PROBLEMS, type ProblemCode, type ProblemBody } from './http/problem';
export { createPseudonymizer, type Pseudonymizer } from './pseudonym';
export * as schemas from './schemas';
export { ALERT_WEBHOOK } from './alertContract';
