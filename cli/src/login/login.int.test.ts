import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeycloakAdmin, type TestUser } from '@carbonreducer/scripts/smoke/keycloak/admin';
import { launchBrowser, type LoginBrowser } from '@carbonreducer/scripts/smoke/keycloak/browser';
import { pageText } from '@carbonreducer/scripts/smoke/keycloak/flows';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { assertReachable, loadStackEnv, repoRoot } from '@carbonreducer/stack-env';
import { EXIT } from '../exitCodes';
import { claimsOf, refreshTokens, type StoredTokens } from './tokens';

// `carbonreducer login` against the real Keycloak of the native stack (realm carbonreducer, public client
// carbonreducer-cli): the device authorization grant approved in headless Chromium with password and TOTP, the token
// cache's permissions, refresh with the rotating refresh token, and logout. Screenshots: .stack/artifacts/keycloak/cli-login/.
const stack = loadStackEnv();
const port = stack.port('KEYCLOAK_PORT');
const baseUrl = `http://127.0.0.1:${port}`;
const issuer = `${baseUrl}/realms/carbonreducer`;
const CLI = join(repoRoot, 'cli/bin/carbonreducer.js');
const configDir = join(mkdtempSync(join(tmpdir(), 'cr-login-')), 'carbonreducer');
const env = { ...process.env, CARBONREDUCER_CONFIG_DIR: configDir, KEYCLOAK_ISSUER: issuer };
const file = join(configDir, 'tokens.json');

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
const cached = (): StoredTokens => JSON.parse(readFileSync(file, 'utf8')) as StoredTokens;

let admin: KeycloakAdmin;
let browser: LoginBrowser;
let user: TestUser;

describe('carbonreducer login (real Keycloak: scripts/stack up keycloak)', () => {
  beforeAll(async () => {
    await assertReachable('Keycloak', '127.0.0.1', port);
    admin = new KeycloakAdmin(baseUrl, stack.get('KEYCLOAK_ADMIN_PASSWORD'));
    user = await admin.createUser({ prefix: 'it-cli-login', roles: ['analyst'], groups: ['Analytics'], totp: true });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    if (user) await admin.deleteUser(user).catch(() => undefined);
    await browser?.close();
  });

  it('signs in with the device grant (password + TOTP in a browser), caches 0600, refreshes and logs out', async () => {
    const child = spawn(process.execPath, [CLI, 'login', '--json'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sign-in URL within 30 s; stderr: ${stderr}`)), 30_000);
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        const m = /To sign in, open (\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child.once('exit', (code) => reject(new Error(`login exited ${code} before printing a URL: ${stderr}`)));
    });
    expect(url).toMatch(new RegExp(`^${issuer}/device\\?user_code=`));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    const s = await browser.newSession('cli-login');
    await s.page.goto(url);
    await s.page.fill('#username', user.username);
    await s.page.fill('#password', user.password);
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-login')]);
    await s.page.fill('#otp', totpCode(user.totpSecret ?? '', Date.now()));
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-login')]);
    await s.shot('consent');
    expect(await pageText(s.page)).toContain('Grant Access to CarbonReducer CLI');
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-login')]);
    await s.shot('done');

    expect(await exited).toBe(EXIT.ok);
    const who = JSON.parse(stdout) as { user: string; acr: string; roles: string[]; refreshed: boolean; file: string };
    expect(who).toMatchObject({ user: user.username, acr: 'mfa', roles: ['analyst'], refreshed: false, file });

    // The cache: only its owner may read it, in a directory only its owner may list.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    const first = cached();
    expect(claimsOf(first.accessToken).azp).toBe('carbonreducer-cli');

    // Fresh: status does not refresh.
    const status = cli('login', 'status', '--json');
    expect(status.status).toBe(EXIT.ok);
    expect(JSON.parse(status.stdout)).toMatchObject({ user: user.username, refreshed: false });

    // About to expire: `login token` refreshes, rewrites the cache (still 0600) and prints the new access token.
    writeFileSync(file, JSON.stringify({ ...first, accessExpiresAtMs: Date.now() }), { mode: 0o600 });
    const token = cli('login', 'token');
    expect(token.status).toBe(EXIT.ok);
    const second = cached();
    expect(token.stdout.trim()).toBe(second.accessToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessExpiresAtMs).toBeGreaterThan(Date.now() + 60_000);
    expect(claimsOf(second.accessToken)).toMatchObject({ preferred_username: user.username, acr: 'mfa' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Refresh tokens rotate: the spent one is refused.
    await expect(refreshTokens(first, Date.now())).rejects.toThrow(/the session ended .*run carbonreducer login again/);

    // Logout ends the session at Keycloak and deletes the cache.
    const out = cli('login', 'logout');
    expect([out.status, out.stderr]).toEqual([EXIT.ok, 'signed out\n']);
    await expect(refreshTokens(second, Date.now())).rejects.toThrow(/the session ended/);
    const after = cli('login', 'status');
    expect(after.status).toBe(EXIT.failure);
    expect(after.stderr).toContain(`not signed in (no ${file}): run carbonreducer login`);
  }, 180_000);
});
