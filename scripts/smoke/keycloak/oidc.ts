import { createHash, randomBytes } from 'node:crypto';

export interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  error?: string;
  error_description?: string;
}

export interface Pkce {
  verifier: string;
  challenge: string;
  state: string;
  nonce: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return {
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
  };
}

/** The authorization endpoint URL for the code flow with PKCE (S256). */
export function authorizeUrl(
  issuer: string,
  clientId: string,
  redirectUri: string,
  pkce: Pkce,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: pkce.state,
    nonce: pkce.nonce,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  return `${issuer}/protocol/openid-connect/auth?${params.toString()}`;
}

export async function tokenRequest(
  issuer: string,
  form: Record<string, string>,
): Promise<{ status: number; body: TokenResponse }> {
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse };
}

export function exchangeCode(issuer: string, clientId: string, redirectUri: string, code: string, pkce: Pkce) {
  return tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code,
    code_verifier: pkce.verifier,
  });
}

export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('token is not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function jwtHeader(token: string): Record<string, unknown> {
  const header = token.split('.')[0];
  if (header === undefined) throw new Error('token is not a JWT');
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
}
