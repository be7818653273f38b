/**
 * Keycloak access tokens, verified locally against the realm's JWKS with `jose`: RS256 only, issuer, audience,
 * expiry and not-before with a small clock skew, `typ` Bearer (an ID token of the same client has the same
 * audience), and the MFA level in `acr`. The JWKS is cached and re-fetched when a token names an unknown `kid`
 * (jose's remote key set, with a cooldown so forged kids cannot hammer Keycloak). Each refusal has its own code.
 */
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ApiProblem, type ProblemCode } from '../http/problem';
import type { UserPrincipal } from '../http/route';
import { ROLES, type Role } from '../schemas';

export interface TokenPolicy {
  issuer: string;
  audience: string;
  /** Accepted `acr` values: the realm's MFA level(s). */
  requiredAcr: readonly string[];
  clockSkewS: number;
}

export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<UserPrincipal>;
}

/**
 * Remembers tokens that verified, until their `exp` (a kiosk or the console sends the same token many times in its
 * 300 s life; an RS256 verification costs ~60-110 µs of CPU). Only fully verified tokens enter, keyed by the whole
 * compact token, so a changed byte misses; bounded, oldest dropped first.
 */
export function cachedVerifier(
  inner: TokenVerifier,
  options: { max?: number; nowMs?: () => number } = {},
): TokenVerifier {
  const max = options.max ?? 10_000;
  const nowMs = options.nowMs ?? Date.now;
  const cache = new Map<string, { principal: UserPrincipal; expMs: number }>();
  return {
    async verify(authorization) {
      const hit = authorization === undefined ? undefined : cache.get(authorization);
      if (hit) {
        if (nowMs() < hit.expMs) return hit.principal;
        cache.delete(authorization as string);
      }
      const principal = await inner.verify(authorization);
      if (principal.expMs !== undefined) {
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(authorization as string, { principal, expMs: principal.expMs });
      }
      return principal;
    },
  };
}

/** A JWT compact serialisation after `Bearer `: three base64url parts (the signature may be empty for alg none). */
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

export function remoteKeys(jwksUrl: string, options: { timeoutMs?: number } = {}): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), {
    timeoutDuration: options.timeoutMs ?? 5000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
}

/** The token from an `Authorization` header, or a problem naming why there is none. */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') throw new ApiProblem('token_missing');
  const match = BEARER.exec(authorization);
  if (!match) throw new ApiProblem('token_malformed', 'expected "Authorization: Bearer <JWT>"');
  return match[1] as string;
}

export function createTokenVerifier(keys: JWTVerifyGetKey, policy: TokenPolicy): TokenVerifier {
  return {
    async verify(authorization) {
      const token = bearerToken(authorization);
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch (err) {
        throw new ApiProblem('token_malformed', 'the JWT header is not base64url JSON', { cause: err });
      }
      if (alg === undefined || alg.toLowerCase() === 'none') throw new ApiProblem('token_alg_none');
      if (alg !== 'RS256') throw new ApiProblem('token_alg_not_allowed', `alg ${alg}; only RS256 is accepted`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          algorithms: ['RS256'],
          issuer: policy.issuer,
          audience: policy.audience,
          clockTolerance: policy.clockSkewS,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        throw tokenProblem(err);
      }
      if (payload.typ !== undefined && payload.typ !== 'Bearer') {
        throw new ApiProblem('token_wrong_type', `typ ${String(payload.typ)}; an access token is required`);
      }
      const acr = typeof payload.acr === 'string' ? payload.acr : null;
      if (acr === null || !policy.requiredAcr.includes(acr)) {
        throw new ApiProblem('mfa_required', `acr ${acr ?? '(none)'}; required: ${policy.requiredAcr.join(' or ')}`, {
          headers: {
            'WWW-Authenticate': `Bearer error="insufficient_user_authentication", acr_values="${policy.requiredAcr.join(' ')}"`,
          },
        });
      }
      return principalFrom(payload, acr);
    },
  };
}

/** jose's errors → our codes. */
export function tokenProblem(err: unknown): ApiProblem {
  const code = ((): ProblemCode => {
    if (err instanceof joseErrors.JWTExpired) return 'token_expired';
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.claim === 'nbf') return 'token_not_yet_valid';
      if (err.claim === 'iss') return 'token_wrong_issuer';
      if (err.claim === 'aud') return 'token_wrong_audience';
      return 'token_bad_claims';
    }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'token_bad_signature';
    if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token_alg_not_allowed';
    if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys)
      return 'token_unknown_key';
    if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return 'jwks_unavailable';
    if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'token_malformed';
    if (err instanceof joseErrors.JOSEError) return 'token_malformed';
    // Not a jose error: fetching the key set failed (connection refused, DNS).
    return 'jwks_unavailable';
  })();
  const detail = err instanceof Error ? err.message : undefined;
  return new ApiProblem(code, code === 'jwks_unavailable' ? 'the realm keys cannot be fetched' : detail, {
    cause: err,
  });
}

function principalFrom(payload: JWTPayload, acr: string): UserPrincipal {
  const claimed = new Set<string>();
  const add = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') claimed.add(v);
  };
  add(payload.roles);
  const realmAccess = payload.realm_access as { roles?: unknown } | undefined;
  add(realmAccess?.roles);
  const roles = ROLES.filter((r): r is Role => claimed.has(r));
  return {
    subject: payload.sub as string,
    username: typeof payload.preferred_username === 'string' ? payload.preferred_username : null,
    roles,
    acr,
    amr: Array.isArray(payload.amr) ? payload.amr.filter((v): v is string => typeof v === 'string') : [],
    // Without the skew: a cached token stops working exactly at its exp.
    ...(typeof payload.exp === 'number' ? { expMs: payload.exp * 1000 } : {}),
  };
}
