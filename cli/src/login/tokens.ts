/**
 * Signing in from a terminal: the OAuth 2.0 device authorization grant (RFC 8628) against the realm's public
 * `carbonreducer-cli` client (password and second factor in any browser; the realm gives that client no direct
 * grant), tokens cached in the user's config directory (0600), the access token refreshed with the rotating
 * refresh token when it is about to expire.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, UnreachableError } from '../errors';

export const CLI_CLIENT_ID = 'carbonreducer-cli';

/** What is cached: the issuer and client it came from, and the tokens with their expiry instants. */
export interface StoredTokens {
  issuer: string;
  clientId: string;
  accessToken: string;
  accessExpiresAtMs: number;
  refreshToken: string | null;
  refreshExpiresAtMs: number | null;
  idToken: string | null;
  scope: string | null;
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  refresh_expires_in?: number;
  scope?: string;
  error?: string;
  error_description?: string;
}

export interface DeviceStart {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | null;
  expiresInS: number;
  intervalS: number;
}

/** `$CARBONREDUCER_CONFIG_DIR`, else `$XDG_CONFIG_HOME/carbonreducer`, else `~/.config/carbonreducer`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CARBONREDUCER_CONFIG_DIR) return env.CARBONREDUCER_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'carbonreducer');
}

export const tokenFile = (env: NodeJS.ProcessEnv = process.env): string => join(configDir(env), 'tokens.json');

export async function saveTokens(tokens: StoredTokens, file = tokenFile()): Promise<void> {
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  // Created 0600 (and chmod'ed, in case a umask or an older file said otherwise) before any token is in it.
  await writeFile(tmp, '', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await writeFile(tmp, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export async function loadTokens(file = tokenFile()): Promise<StoredTokens | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${file}`, { cause: err });
  }
  try {
    return JSON.parse(text) as StoredTokens;
  } catch (err) {
    throw new BadInputError(`${file} is not JSON: run carbonreducer login again`, { cause: err });
  }
}

export const forgetTokens = (file = tokenFile()): Promise<void> => rm(file, { force: true });

async function post(
  url: string,
  form: Record<string, string>,
  fetchImpl: typeof fetch,
): Promise<{ status: number; body: TokenResponse }> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new UnreachableError(`Keycloak does not answer at ${url} (carbonreducer stack up keycloak)`, { cause: err });
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as TokenResponse };
  } catch {
    throw new Error(`${url} answered ${res.status} with no JSON: ${text.slice(0, 200)}`);
  }
}

const endpoints = (issuer: string) => ({
  device: `${issuer}/protocol/openid-connect/auth/device`,
  token: `${issuer}/protocol/openid-connect/token`,
  revoke: `${issuer}/protocol/openid-connect/revoke`,
});

function stored(issuer: string, clientId: string, b: TokenResponse, nowMs: number): StoredTokens {
  if (!b.access_token) throw new Error('the token endpoint answered without an access token');
  return {
    issuer,
    clientId,
    accessToken: b.access_token,
    accessExpiresAtMs: nowMs + (b.expires_in ?? 60) * 1000,
    refreshToken: b.refresh_token ?? null,
    // Keycloak says 0 for a refresh token that lasts as long as the session allows.
    refreshExpiresAtMs: b.refresh_expires_in ? nowMs + b.refresh_expires_in * 1000 : null,
    idToken: b.id_token ?? null,
    scope: b.scope ?? null,
  };
}

export async function startDeviceLogin(
  issuer: string,
  clientId: string,
  fetchImpl: typeof fetch = fetch,
): Promise<DeviceStart> {
  const { status, body } = await post(endpoints(issuer).device, { client_id: clientId, scope: 'openid' }, fetchImpl);
  const b = body as Record<string, unknown>;
  if (status !== 200 || typeof b.device_code !== 'string') {
    throw new Error(
      `device authorization refused (${status}): ${String(b.error_description ?? b.error ?? 'no reason given')}`,
    );
  }
  return {
    deviceCode: b.device_code,
    userCode: String(b.user_code),
    verificationUri: String(b.verification_uri),
    verificationUriComplete: typeof b.verification_uri_complete === 'string' ? b.verification_uri_complete : null,
    expiresInS: Number(b.expires_in ?? 600),
    intervalS: Number(b.interval ?? 5),
  };
}

/** Polls the token endpoint until the person approved (or denied, or the code expired), as RFC 8628 §3.5 says. */
export async function pollDeviceToken(
  issuer: string,
  clientId: string,
  start: DeviceStart,
  deps: { fetch?: typeof fetch; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<StoredTokens> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + start.expiresInS * 1000;
  let intervalMs = start.intervalS * 1000;
  for (;;) {
    await sleep(intervalMs);
    const { status, body } = await post(
      endpoints(issuer).token,
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: clientId,
        device_code: start.deviceCode,
      },
      deps.fetch ?? fetch,
    );
    if (status === 200) return stored(issuer, clientId, body, now());
    if (body.error === 'authorization_pending') {
      if (now() > deadline) throw new Error('the sign-in was not completed before the code expired');
      continue;
    }
    if (body.error === 'slow_down') {
      intervalMs += 5000;
      continue;
    }
    if (body.error === 'access_denied') throw new Error('the sign-in was denied in the browser');
    if (body.error === 'expired_token')
      throw new Error('the code expired before the sign-in was completed: run carbonreducer login again');
    throw new Error(`sign-in failed (${status}): ${body.error_description ?? body.error ?? 'no reason given'}`);
  }
}

/** New tokens for the refresh token (it rotates: the old one is spent). */
export async function refreshTokens(
  t: StoredTokens,
  nowMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<StoredTokens> {
  if (t.refreshToken === null) throw new Error('no refresh token cached: run carbonreducer login');
  const { status, body } = await post(
    endpoints(t.issuer).token,
    { grant_type: 'refresh_token', client_id: t.clientId, refresh_token: t.refreshToken },
    fetchImpl,
  );
  if (status !== 200) {
    throw new Error(
      `the session ended (${body.error_description ?? body.error ?? status}): run carbonreducer login again`,
    );
  }
  return stored(t.issuer, t.clientId, body, nowMs);
}

/** Seconds an access token must still be valid for; a shorter-lived one is refreshed first. */
export const MIN_VALID_S = 30;

/** A valid access token from the cache, refreshed (and the cache rewritten) when it expires within 30 s. */
export async function validAccessToken(
  file = tokenFile(),
  deps: { fetch?: typeof fetch; now?: () => number } = {},
): Promise<{ tokens: StoredTokens; refreshed: boolean }> {
  const nowMs = (deps.now ?? Date.now)();
  const t = await loadTokens(file);
  if (t === null) throw new Error(`not signed in (no ${file}): run carbonreducer login`);
  if (t.accessExpiresAtMs - nowMs > MIN_VALID_S * 1000) return { tokens: t, refreshed: false };
  const next = await refreshTokens(t, nowMs, deps.fetch);
  await saveTokens(next, file);
  return { tokens: next, refreshed: true };
}

/** Revokes the refresh token at Keycloak (ends the session) and deletes the cache. */
export async function logout(file = tokenFile(), fetchImpl: typeof fetch = fetch): Promise<boolean> {
  const t = await loadTokens(file);
  if (t === null) return false;
  if (t.refreshToken !== null) {
    await post(
      endpoints(t.issuer).revoke,
      { client_id: t.clientId, token: t.refreshToken, token_type_hint: 'refresh_token' },
      fetchImpl,
    ).catch(() => undefined);
  }
  await forgetTokens(file);
  return true;
}

/** The claims of a JWT (not verified: for showing who is signed in; the API verifies). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (part === undefined) return {};
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
