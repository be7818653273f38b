import { createLocalJWKSet } from 'jose';
import { forgedTokens, sign, baseClaims } from '../testing/forge';
import { TEST_AUDIENCE, TEST_ISSUER, testKeys } from '../testing/memory';
import { ApiProblem } from '../http/problem';
import { createTokenVerifier } from './tokens';

describe('token verifier (jose, local JWKS)', () => {
  const ctx = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, acr: 'mfa', subject: 'user-1', roles: ['homeowner'] };
  let verifier: ReturnType<typeof createTokenVerifier>;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  let forged: Record<string, string>;
  beforeAll(async () => {
    keys = await testKeys('realm-key');
    const other = await testKeys('other-key');
    verifier = createTokenVerifier(createLocalJWKSet({ keys: [keys.publicJwk] }), {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      requiredAcr: ['mfa'],
      clockSkewS: 30,
    });
    forged = await forgedTokens(keys, other, ctx, Math.floor(Date.now() / 1000));
  });

  async function codeOf(header: string | undefined): Promise<string> {
    try {
      await verifier.verify(header);
      return 'accepted';
    } catch (err) {
      if (err instanceof ApiProblem) return err.code;
      throw err;
    }
  }

  it('accepts a valid RS256 access token and reads subject, roles and acr', async () => {
    const token = await sign(keys, {
      ...baseClaims(ctx, Math.floor(Date.now() / 1000)),
      roles: ['analyst', 'offline_access'],
    });
    const user = await verifier.verify(`Bearer ${token}`);
    expect(user).toEqual({
      subject: 'user-1',
      username: 'forged',
      roles: ['analyst'],
      acr: 'mfa',
      amr: [],
      expMs: expect.any(Number),
    });
  });

  it('refuses a missing header and a non-bearer header with their own codes', async () => {
    expect(await codeOf(undefined)).toBe('token_missing');
    expect(await codeOf('')).toBe('token_missing');
    expect(await codeOf('Basic dXNlcjpwYXNz')).toBe('token_malformed');
    expect(await codeOf('Bearer')).toBe('token_malformed');
  });

  it.each([
    'token_malformed',
    'token_alg_none',
    'token_alg_not_allowed',
    'token_bad_signature',
    'token_unknown_key',
    'token_expired',
    'token_not_yet_valid',
    'token_wrong_issuer',
    'token_wrong_audience',
    'token_wrong_type',
    'mfa_required',
  ])('refuses the forged %s token with exactly that code', async (code) => {
    expect(await codeOf(`Bearer ${forged[code]}`)).toBe(code);
  });

  it('refuses a payload swapped under a valid signature', async () => {
    expect(await codeOf(`Bearer ${forged.token_bad_signature_swapped}`)).toBe('token_bad_signature');
  });

  it('tolerates the configured clock skew on exp, and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await sign(keys, { ...baseClaims(ctx, now), exp: now - 10 });
    const longExpired = await sign(keys, { ...baseClaims(ctx, now), exp: now - 60 });
    expect(await codeOf(`Bearer ${justExpired}`)).toBe('accepted');
    expect(await codeOf(`Bearer ${longExpired}`)).toBe('token_expired');
  });

  it('refuses a token without acr and tells the client which acr it needs', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { acr: _drop, ...claims } = baseClaims(ctx, now);
    const err = await verifier.verify(`Bearer ${await sign(keys, claims)}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiProblem);
    expect((err as ApiProblem).code).toBe('mfa_required');
    expect((err as ApiProblem).extra.headers?.['WWW-Authenticate']).toContain('acr_values="mfa"');
  });
});
