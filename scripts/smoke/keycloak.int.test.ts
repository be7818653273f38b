import { totpCode } from './keycloak/totp';
import { assertReachable } from '@carbonreducer/stack-env';
import { loadStackEnv } from '@carbonreducer/stack-env';

// Smoke test of the native Keycloak: realm `carbonreducer` from provisioning/keycloak/realm, OIDC with password + TOTP
// through the direct grant of the test-only client `carbonreducer-test` (user-facing clients have no direct grant).
// The browser flows (TOTP, SMS, enrolment, device grant, acr) are in keycloakLogin.int.test.ts.
const stack = loadStackEnv();
const host = '127.0.0.1';
const port = stack.port('KEYCLOAK_PORT');
const issuer = `http://${host}:${port}/realms/carbonreducer`;
const username = 'smoke-homeowner';

interface TokenResponse {
  access_token?: string;
  error?: string;
  error_description?: string;
}

async function passwordGrant(extra: Record<string, string>): Promise<{ status: number; body: TokenResponse }> {
  const form = new URLSearchParams({
    grant_type: 'password',
    client_id: 'carbonreducer-test',
    scope: 'openid',
    username,
    password: stack.get('KEYCLOAK_TEST_USER_PASSWORD'),
    ...extra,
  });
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as TokenResponse };
}

/** TOTP code (SHA1, 6 digits, 30 s, as the realm's OTP policy) for the wall clock shifted by `offsetSteps` periods. */
function code(offsetSteps: number): string {
  return totpCode(stack.get('KEYCLOAK_TEST_OTP_SECRET'), Date.now(), offsetSteps);
}

/**
 * Brute-force detection locks the user for a minute after two failures less than a second apart
 * (quickLoginCheckMilliSeconds); attempts that may fail are spaced further apart.
 */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1200));

function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('access token is not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('Keycloak (scripts/stack up keycloak)', () => {
  beforeAll(async () => {
    await assertReachable('Keycloak', host, port);
  });

  it('publishes OIDC discovery for realm carbonreducer', async () => {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const discovery = (await response.json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.token_endpoint).toBe(`${issuer}/protocol/openid-connect/token`);
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'password']));
  });

  it('refuses the password without a TOTP code, and with a wrong one', async () => {
    const withoutCode = await passwordGrant({});
    expect(withoutCode.status).toBe(401);
    expect(withoutCode.body.access_token).toBeUndefined();

    await pause();
    const current = code(0);
    const wrong = String((Number(current) + 1) % 1_000_000).padStart(6, '0');
    const withWrongCode = await passwordGrant({ totp: wrong });
    expect(withWrongCode.status).toBe(401);
    expect(withWrongCode.body.access_token).toBeUndefined();
  });

  it('issues a token for password + TOTP code, with the homeowner role', async () => {
    // Codes are single-use (otpPolicyCodeReusable false): if a previous run used the current one, the next
    // period's code is still inside the look-ahead window.
    await pause();
    let granted = await passwordGrant({ totp: code(0) });
    if (granted.status !== 200) {
      await pause();
      granted = await passwordGrant({ totp: code(1) });
    }
    expect([granted.status, granted.body.error_description]).toEqual([200, undefined]);
    const claims = jwtClaims(granted.body.access_token ?? '');
    expect(claims.iss).toBe(issuer);
    expect(claims.preferred_username).toBe(username);
    expect(claims.roles).toEqual(expect.arrayContaining(['homeowner']));
    expect(claims.roles).not.toEqual(expect.arrayContaining(['operator']));
  });
});
