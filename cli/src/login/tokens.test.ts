import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configDir,
  loadTokens,
  pollDeviceToken,
  saveTokens,
  validAccessToken,
  type DeviceStart,
  type StoredTokens,
} from './tokens';

const START: DeviceStart = {
  deviceCode: 'dc',
  userCode: 'ABCD-EFGH',
  verificationUri: 'https://kc/device',
  verificationUriComplete: null,
  expiresInS: 600,
  intervalS: 5,
};

/** A token endpoint that answers the RFC 8628 replies in turn (the real one is in login.int.test.ts). */
function replies(...bodies: { status: number; body: Record<string, unknown> }[]) {
  const calls: URLSearchParams[] = [];
  const fetchImpl = ((_url: string, init: { body: URLSearchParams }) => {
    calls.push(init.body);
    const next = bodies.shift() ?? { status: 500, body: { error: 'no more replies' } };
    return Promise.resolve(new Response(JSON.stringify(next.body), { status: next.status }));
  }) as unknown as typeof fetch;
  return { fetchImpl, calls };
}

describe('device grant polling (RFC 8628 §3.5)', () => {
  it('waits the interval, slows down by 5 s when told, and stores the tokens with their expiry', async () => {
    const waits: number[] = [];
    const { fetchImpl, calls } = replies(
      { status: 400, body: { error: 'authorization_pending' } },
      { status: 400, body: { error: 'slow_down' } },
      { status: 200, body: { access_token: 'a', refresh_token: 'r', expires_in: 300, refresh_expires_in: 1800 } },
    );
    const t = await pollDeviceToken('https://kc/realms/x', 'carbonreducer-cli', START, {
      fetch: fetchImpl,
      now: () => 1_000,
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    });
    expect(waits).toEqual([5000, 5000, 10_000]);
    expect(calls[0]?.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:device_code');
    expect(t).toMatchObject({
      accessToken: 'a',
      refreshToken: 'r',
      accessExpiresAtMs: 301_000,
      refreshExpiresAtMs: 1_801_000,
    });
  });

  it.each([
    ['access_denied', /denied in the browser/],
    ['expired_token', /code expired/],
    ['invalid_client', /sign-in failed \(400\): invalid_client/],
  ])('%s ends the login with a clear message', async (error, message) => {
    const { fetchImpl } = replies({ status: 400, body: { error } });
    await expect(
      pollDeviceToken('https://kc/realms/x', 'c', START, { fetch: fetchImpl, sleep: () => Promise.resolve() }),
    ).rejects.toThrow(message);
  });
});

describe('token cache', () => {
  const tokens: StoredTokens = {
    issuer: 'https://kc/realms/x',
    clientId: 'carbonreducer-cli',
    accessToken: 'a',
    accessExpiresAtMs: 10_000_000,
    refreshToken: 'r',
    refreshExpiresAtMs: null,
    idToken: null,
    scope: 'openid',
  };

  it('lives in the user config dir unless told otherwise', () => {
    expect(configDir({ CARBONREDUCER_CONFIG_DIR: '/c' })).toBe('/c');
    expect(configDir({ XDG_CONFIG_HOME: '/x' })).toBe('/x/carbonreducer');
    expect(configDir({})).toMatch(/\.config\/carbonreducer$/);
  });

  it('is written 0600 even over a file that was readable by others, and read back', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cr-tokens-')), 'sub', 'tokens.json');
    await saveTokens(tokens, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    await saveTokens({ ...tokens, accessToken: 'b' }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await loadTokens(file))?.accessToken).toBe('b');
    expect(await loadTokens(join(file, '..', 'none.json'))).toBeNull();
  });

  it('gives the cached access token while it is valid for more than 30 s, and names a broken cache', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cr-tokens-')), 'tokens.json');
    await saveTokens(tokens, file);
    expect(await validAccessToken(file, { now: () => 10_000_000 - 31_000 })).toEqual({ tokens, refreshed: false });
    writeFileSync(file, '{');
    await expect(validAccessToken(file)).rejects.toThrow(/is not JSON: run carbonreducer login again/);
  });
});
