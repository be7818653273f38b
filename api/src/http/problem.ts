/**
 * Errors as RFC 9457 `application/problem+json`. Every refusal has a stable `code` (clients and dashboards key on it,
 * never on the words) and, where one field was at fault, `field` names it. The codes live here, once.
 */

/** Stable problem codes with their HTTP status and title. Adding a code is an API change: document it. */
export const PROBLEMS = {
  // Input
  bad_json: { status: 400, title: 'The body is not valid JSON' },
  payload_too_large: { status: 413, title: 'The body is larger than allowed' },
  unsupported_media_type: { status: 415, title: 'The body must be application/json' },
  validation_failed: { status: 422, title: 'The request does not match the schema' },
  unknown_field: { status: 422, title: 'The request has a field the schema does not know' },
  telemetry_rejected: { status: 422, title: 'The telemetry message breaks the device contract' },
  // Authentication (each refusal reason its own code, counted in /metrics)
  token_missing: { status: 401, title: 'No bearer token' },
  token_malformed: { status: 401, title: 'The bearer token is not a well-formed JWT' },
  token_alg_none: { status: 401, title: 'Unsigned tokens (alg none) are refused' },
  token_alg_not_allowed: { status: 401, title: 'Only RS256 tokens are accepted' },
  token_unknown_key: { status: 401, title: 'The token is signed by a key the realm does not publish' },
  token_bad_signature: { status: 401, title: 'The token signature does not verify' },
  token_expired: { status: 401, title: 'The token has expired' },
  token_not_yet_valid: { status: 401, title: 'The token is not valid yet (nbf)' },
  token_wrong_issuer: { status: 401, title: 'The token was issued by another issuer' },
  token_wrong_audience: { status: 401, title: 'The token is not meant for this API (aud)' },
  token_wrong_type: { status: 401, title: 'Not an access token (typ)' },
  token_bad_claims: { status: 401, title: 'The token claims are invalid' },
  mfa_required: { status: 401, title: 'The login did not pass the required second factor (acr)' },
  device_token_invalid: { status: 401, title: 'Unknown or revoked device token' },
  webhook_secret_invalid: { status: 401, title: 'Missing or wrong webhook secret' },
  metrics_secret_invalid: { status: 401, title: 'Missing or wrong metrics scrape secret' },
  // Authorisation
  role_forbidden: { status: 403, title: 'Your roles do not allow this' },
  home_not_found: { status: 404, title: 'No such home' },
  device_not_found: { status: 404, title: 'No such device' },
  member_not_found: { status: 404, title: 'No such member' },
  forecast_not_found: { status: 404, title: 'No forecast covers this window' },
  // State
  not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this route' },
  home_exists: { status: 409, title: 'The home is already registered' },
  device_exists: { status: 409, title: 'The device is already registered in this home' },
  home_inactive: { status: 409, title: 'The home is deactivated' },
  run_rejected: { status: 422, title: 'The optimizer refused the run request' },
  run_not_found: { status: 404, title: 'No such run in this home' },
  override_refused: { status: 409, title: 'The run cannot be overridden now' },
  // Dependencies
  jwks_unavailable: { status: 503, title: 'The identity provider keys cannot be fetched' },
  dependency_unavailable: { status: 503, title: 'A backing service is unavailable' },
  broker_unavailable: { status: 503, title: 'The MQTT broker did not acknowledge the message' },
  broker_refused: { status: 502, title: 'The MQTT broker refused the change' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** Where problem type URIs point (documentation anchors; not fetched by clients). */
export const PROBLEM_TYPE_BASE = 'https://carbonreducer.invalid/problems/';

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  field?: string;
  errors?: FieldError[];
  instance?: string;
}

/** An error that becomes a problem response; thrown by middleware and handlers. */
export class ApiProblem extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    detail?: string,
    readonly extra: { field?: string; errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? PROBLEMS[code].title, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiProblem';
    this.status = PROBLEMS[code].status;
  }

  body(instance?: string): ProblemBody {
    return {
      type: PROBLEM_TYPE_BASE + this.code,
      title: PROBLEMS[this.code].title,
      status: this.status,
      code: this.code,
      ...(this.message !== PROBLEMS[this.code].title ? { detail: this.message } : {}),
      ...(this.extra.field !== undefined ? { field: this.extra.field } : {}),
      ...(this.extra.errors !== undefined ? { errors: this.extra.errors } : {}),
      ...(instance !== undefined ? { instance } : {}),
    };
  }
}

export function isApiProblem(err: unknown): err is ApiProblem {
  return err instanceof ApiProblem;
}

/** Minimal structural view of a zod issue (so this module does not depend on zod's types). */
export interface SchemaIssue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

/**
 * A failed schema check as a problem: `unknown_field` when the body carries a key the schema does not know (strict
 * objects), else `validation_failed`; `field` is the first offending path in `where` (`body.deviceId`, `query.from`).
 */
export function problemFromIssues(where: 'body' | 'query' | 'params', issues: readonly SchemaIssue[]): ApiProblem {
  const errors: FieldError[] = issues.flatMap((issue) => {
    const base = [where, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0) {
      return issue.keys.map((key) => ({
        field: [...base, key].join('.'),
        code: 'unknown_field',
        message: issue.message,
      }));
    }
    return [{ field: base.join('.'), code: issue.code, message: issue.message }];
  });
  const first = errors[0] ?? { field: where, code: 'invalid', message: 'invalid' };
  const code: ProblemCode = first.code === 'unknown_field' ? 'unknown_field' : 'validation_failed';
  return new ApiProblem(code, `${first.field}: ${first.message}`, { field: first.field, errors });
}
