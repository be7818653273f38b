/**
 * Tokens for the refusal tests, built with jose: each breaks exactly one rule of the verifier. `base` claims are
 * those of a valid Keycloak access token; the variants change one thing.
 */
import { createPublicKey } from 'node:crypto';
import { SignJWT, importJWK, type JWK, type JWTPayload, type KeyLike } from 'jose';

export interface ForgeKeys {
  privateKey: KeyLike;
  publicJwk: JWK;
  kid: string;
}

export interface ForgeContext {
  issuer: string;
  audience: string;
  acr: string;
  subject: string;
  roles: string[];
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function baseClaims(ctx: ForgeContext, nowS: number): JWTPayload {
  return {
    iss: ctx.issuer,
    aud: ctx.audience,
    sub: ctx.subject,
    typ: 'Bearer',
    azp: 'carbonreducer-api',
    acr: ctx.acr,
    roles: ctx.roles,
    preferred_username: 'forged',
    iat: nowS - 10,
    exp: nowS + 300,
  };
}

export async function sign(keys: ForgeKeys, claims: JWTPayload, kid = keys.kid): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(keys.privateKey);
}

/** One token per refusal reason, keyed by the problem code the API must answer with. */
export async function forgedTokens(
  keys: ForgeKeys,
  otherKeys: ForgeKeys,
  ctx: ForgeContext,
  nowS: number,
): Promise<Record<string, string>> {
  const base = baseClaims(ctx, nowS);
  const valid = await sign(keys, base);
  const [h, p] = valid.split('.') as [string, string, string];
  // The public key as PEM bytes used as an HMAC secret: the classic RS256/HS256 confusion.
  const pem = createPublicKey({ key: keys.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const hsKey = await importJWK({ kty: 'oct', k: Buffer.from(pem).toString('base64url') }, 'HS256');
  return {
    token_malformed: 'not.a-jwt',
    token_alg_none: `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
    token_alg_not_allowed: await new SignJWT(base).setProtectedHeader({ alg: 'HS256', kid: keys.kid }).sign(hsKey),
    // Signed by another key but claiming the realm's kid: the signature does not verify.
    token_bad_signature: await sign(otherKeys, base, keys.kid),
    // Same header and claims, signature of a different payload.
    token_bad_signature_swapped: `${h}.${b64({ ...base, roles: ['operator'] })}.${valid.split('.')[2]}`,
    token_unknown_key: await sign(otherKeys, base, 'kid-the-realm-never-published'),
    token_expired: await sign(keys, { ...base, iat: nowS - 3600, exp: nowS - 600 }),
    token_not_yet_valid: await sign(keys, { ...base, nbf: nowS + 600 }),
    token_wrong_issuer: await sign(keys, { ...base, iss: 'http://127.0.0.1:1/realms/other' }),
    token_wrong_audience: await sign(keys, { ...base, aud: 'grafana' }),
    token_wrong_type: await sign(keys, { ...base, typ: 'ID' }),
    mfa_required: await sign(keys, { ...base, acr: '0' }),
  };
}
