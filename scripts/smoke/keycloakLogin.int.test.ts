import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACR_MFA, ACR_PASSWORD, KeycloakAdmin, type NewUser, type TestUser } from './keycloak/admin';
import { launchBrowser, type BrowserSession, type LoginBrowser } from './keycloak/browser';
import { codeFromMessage, startFakeSmsGateways, type FakeSmsGateways } from './keycloak/fakeSmsGateways';
import { CodeLogin, pageText, pause } from './keycloak/flows';
import { jwtClaims, jwtHeader, tokenRequest } from './keycloak/oidc';
import { totpCode, totpCodeForDisplayedKey } from './keycloak/totp';
import { assertReachable } from '@carbonreducer/stack-env';
import { loadStackEnv, repoRoot } from '@carbonreducer/stack-env';

// The real login pages of realm carbonreducer (provisioning/keycloak/realm) in headless Chromium: password, then
// TOTP or an SMS code (our provider, identity/keycloak-sms-otp) sent through a local server speaking Twilio's and
// MessageBird's Messages APIs; enrolment; device grant; acr levels. Screenshots: .stack/artifacts/keycloak/<test>/.
const stack = loadStackEnv();
const host = '127.0.0.1';
const port = stack.port('KEYCLOAK_PORT');
const baseUrl = `http://${host}:${port}`;
const issuer = `${baseUrl}/realms/carbonreducer`;
const TEST_CLIENT = 'carbonreducer-test';
const keycloakLog = stack.find('KEYCLOAK_LOG_FILE') ?? join(repoRoot, '.stack', 'logs', 'keycloak.log');

let admin: KeycloakAdmin;
let sms: FakeSmsGateways;
let browser: LoginBrowser;
let originalSmsConfig: Record<string, string>;
const users: TestUser[] = [];
let phoneSeq = 0;

async function user(spec: NewUser): Promise<TestUser> {
  const created = await admin.createUser(spec);
  users.push(created);
  return created;
}

/** A fresh UK drama-range number (+44 7700 900xxx is reserved for fiction) per test. */
function newPhone(): string {
  phoneSeq += 1;
  return `+447700900${String((Date.now() + phoneSeq) % 1000).padStart(3, '0')}`;
}

/** The SMS config as committed, with the gateway pointed at the local server and optional overrides. */
async function useGateway(gateway: 'twilio' | 'messagebird', overrides: Record<string, string> = {}): Promise<void> {
  await admin.setSmsConfig({
    ...originalSmsConfig,
    gateway,
    twilioBaseUrl: sms.url,
    messageBirdBaseUrl: sms.url,
    ...overrides,
  });
}

async function session(name: string): Promise<BrowserSession> {
  return browser.newSession(name);
}

function expectMfaToken(accessToken: string | undefined, azp: string): Record<string, unknown> {
  expect(accessToken).toBeDefined();
  const claims = jwtClaims(accessToken ?? '');
  expect(jwtHeader(accessToken ?? '').alg).toBe('RS256');
  expect(claims.iss).toBe(issuer);
  expect(claims.acr).toBe(ACR_MFA);
  expect(claims.azp).toBe(azp);
  expect([claims.aud].flat()).toContain('carbonreducer-api');
  return claims;
}

/** Password, then the SMS page; returns the login, the message and how many messages there were before. */
async function passwordThenSms(
  s: BrowserSession,
  u: TestUser,
): Promise<{ login: CodeLogin; code: string; before: number }> {
  const login = new CodeLogin(s, issuer, TEST_CLIENT);
  await login.start();
  await s.shot('login-page');
  const before = sms.sent.length;
  await login.password(u.username, u.password);
  const message = await sms.waitForMessage(u.phone ?? '', before);
  await s.shot('sms-code-page');
  return { login, code: codeFromMessage(message), before };
}

describe('Keycloak login pages in a browser (scripts/stack up keycloak)', () => {
  beforeAll(async () => {
    await assertReachable('Keycloak', host, port);
    admin = new KeycloakAdmin(baseUrl, stack.get('KEYCLOAK_ADMIN_PASSWORD'));
    sms = await startFakeSmsGateways({
      twilioAccountSid: stack.get('TWILIO_ACCOUNT_SID'),
      twilioAuthToken: stack.get('TWILIO_AUTH_TOKEN'),
      messageBirdAccessKey: stack.get('MESSAGEBIRD_ACCESS_KEY'),
    });
    originalSmsConfig = await admin.smsConfig();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    if (originalSmsConfig) await admin.setSmsConfig(originalSmsConfig);
    for (const u of users) await admin.deleteUser(u).catch(() => undefined);
    await browser?.close();
    await sms?.close();
  });

  afterEach(() => {
    sms.setBehaviour({ kind: 'normal' });
  });

  it('grafana: password + TOTP -> code exchange (confidential, PKCE) -> token with acr mfa, roles, orgs, audience; refresh rotates', async () => {
    const u = await user({ prefix: 'it-totp', roles: ['analyst'], groups: ['Analytics'], totp: true });
    const s = await session('grafana-totp');
    const login = new CodeLogin(
      s,
      issuer,
      'grafana',
      'http://127.0.0.1:3000/login/generic_oauth',
      stack.get('KEYCLOAK_CLIENT_SECRET'),
    );
    await login.start();
    await s.shot('login-page');
    await login.password(u.username, u.password);
    await s.shot('totp-page');
    expect(login.redirected).toBe(false);
    await login.submitCode('otp', totpCode(u.totpSecret ?? '', Date.now()));
    const tokens = await login.tokens();
    await s.shot('signed-in');
    const claims = expectMfaToken(tokens.access_token, 'grafana');
    expect(claims.roles).toEqual(['analyst']);
    expect(claims.orgs).toEqual(['Analytics']);
    expect(claims.preferred_username).toBe(u.username);
    const id = jwtClaims(tokens.id_token ?? '');
    expect(id.acr).toBe(ACR_MFA);
    expect(id.roles).toEqual(['analyst']);

    // Refresh rotation: a refresh gives a new refresh token, and the old one is refused from then on.
    const secret = stack.get('KEYCLOAK_CLIENT_SECRET');
    const refresh = (token: string) =>
      tokenRequest(issuer, {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: 'grafana',
        client_secret: secret,
      });
    const first = await refresh(tokens.refresh_token ?? '');
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(jwtClaims(first.body.access_token ?? '').acr).toBe(ACR_MFA);
    const reused = await refresh(tokens.refresh_token ?? '');
    expect([reused.status, reused.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('grafana refuses an authorization request without PKCE', async () => {
    const params = new URLSearchParams({
      client_id: 'grafana',
      redirect_uri: 'http://127.0.0.1:3000/login/generic_oauth',
      response_type: 'code',
      scope: 'openid',
      state: 'x',
    });
    const response = await fetch(`${issuer}/protocol/openid-connect/auth?${params.toString()}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/code_challenge_method/);
  });

  it('password + SMS via Twilio: the code reaches the local Twilio server, is typed in -> token; the code is never logged', async () => {
    await useGateway('twilio');
    const u = await user({ prefix: 'it-twilio', roles: ['homeowner'], groups: ['Homes'], phone: newPhone() });
    const s = await session('sms-twilio');
    const { login, code, before } = await passwordThenSms(s, u);
    const message = sms.sent[before];
    expect(message).toMatchObject({ gateway: 'twilio', to: u.phone, from: stack.get('TWILIO_FROM') });
    expect(message?.body).toMatch(/^CarbonReducer sign-in code: [0-9]{6}\. It expires in 5 min\./);
    expect(await pageText(s.page)).toContain(`We sent a code to +44********${(u.phone ?? '').slice(-2)}`);
    await login.submitCode('code', code);
    const tokens = await login.tokens();
    await s.shot('signed-in');
    const claims = expectMfaToken(tokens.access_token, TEST_CLIENT);
    expect(claims.roles).toEqual(['homeowner']);
    expect(claims.orgs).toEqual(['Homes']);
    if (!existsSync(keycloakLog)) throw new Error(`no Keycloak log at ${keycloakLog} (set KEYCLOAK_LOG_FILE)`);
    const log = readFileSync(keycloakLog, 'utf8');
    expect(log).toContain('code sent to +44********');
    expect(log).not.toContain(code);
  });

  it('password + SMS via MessageBird: the same, through the MessageBird Messages API', async () => {
    await useGateway('messagebird');
    const u = await user({ prefix: 'it-mbird', roles: ['homeowner'], groups: ['Homes'], phone: newPhone() });
    const s = await session('sms-messagebird');
    const { login, code, before } = await passwordThenSms(s, u);
    expect(sms.sent[before]).toMatchObject({
      gateway: 'messagebird',
      to: u.phone,
      from: stack.get('MESSAGEBIRD_ORIGINATOR'),
    });
    await login.submitCode('code', code);
    expectMfaToken((await login.tokens()).access_token, TEST_CLIENT);
    await s.shot('signed-in');
  });

  it('wrong SMS codes: refused with the attempts left, then no attempts left even for the right code; no token', async () => {
    await useGateway('twilio');
    const u = await user({ prefix: 'it-wrong', roles: ['homeowner'], phone: newPhone() });
    const s = await session('sms-wrong-code');
    const { login, code } = await passwordThenSms(s, u);
    const wrong = code === '000000' ? '111111' : '000000';
    await login.submitCode('code', wrong);
    await s.shot('wrong-code');
    expect(await pageText(s.page)).toContain('Wrong code. 2 attempt(s) left for this code.');
    await pause();
    await login.submitCode('code', wrong);
    expect(await pageText(s.page)).toContain('Wrong code. 1 attempt(s) left for this code.');
    await pause();
    await login.submitCode('code', wrong);
    expect(await pageText(s.page)).toContain('Too many wrong codes. Send a new code to try again.');
    await pause();
    await login.submitCode('code', code);
    await s.shot('right-code-too-late');
    expect(await pageText(s.page)).toContain('Too many wrong codes. Send a new code to try again.');
    expect(login.redirected).toBe(false);
    expect((await admin.bruteForce(u)).numFailures).toBe(3);
  });

  it('an expired SMS code is refused', async () => {
    await useGateway('twilio', { ttlSeconds: '10' });
    const u = await user({ prefix: 'it-expired', roles: ['homeowner'], phone: newPhone() });
    const s = await session('sms-expired-code');
    const { login, code } = await passwordThenSms(s, u);
    await pause(11_000);
    await login.submitCode('code', code);
    await s.shot('expired');
    expect(await pageText(s.page)).toContain('This code has expired. Send a new code.');
    expect(login.redirected).toBe(false);
  });

  it('resend too soon: refused with the wait, and no second message is sent', async () => {
    await useGateway('twilio');
    const u = await user({ prefix: 'it-resend', roles: ['homeowner'], phone: newPhone() });
    const s = await session('sms-resend-too-soon');
    const { login, before } = await passwordThenSms(s, u);
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-sms-otp-resend')]);
    await s.shot('resend-too-soon');
    expect(await pageText(s.page)).toMatch(/Please wait [0-9]+ s before asking for a new code\./);
    expect(sms.sent.slice(before).filter((m) => m.to === u.phone)).toHaveLength(1);
    // Reloading the page shows the code already sent; it does not text again.
    await s.page.reload({ waitUntil: 'load' });
    await s.shot('reloaded');
    expect(await pageText(s.page)).toContain('We sent a code to');
    expect(sms.sent.slice(before).filter((m) => m.to === u.phone)).toHaveLength(1);
    expect(login.redirected).toBe(false);
  });

  it('reused codes are refused: an SMS code from an earlier login, and a TOTP code already used', async () => {
    await useGateway('twilio');
    const u = await user({ prefix: 'it-reuse', roles: ['homeowner'], phone: newPhone() });
    const first = await passwordThenSms(await session('sms-reuse-first'), u);
    await first.login.submitCode('code', first.code);
    await first.login.tokens();
    await pause();
    const s = await session('sms-reuse-second');
    const second = await passwordThenSms(s, u);
    expect(second.code === first.code).toBe(false);
    await second.login.submitCode('code', first.code);
    await s.shot('old-code-refused');
    expect(await pageText(s.page)).toContain('Wrong code.');
    expect(second.login.redirected).toBe(false);

    const t = await user({ prefix: 'it-reuse-totp', roles: ['homeowner'], totp: true });
    const code = totpCode(t.totpSecret ?? '', Date.now());
    const a = new CodeLogin(await session('totp-reuse-first'), issuer, TEST_CLIENT);
    await a.start();
    await a.password(t.username, t.password);
    await a.submitCode('otp', code);
    await a.tokens();
    await pause();
    const sb = await session('totp-reuse-second');
    const b = new CodeLogin(sb, issuer, TEST_CLIENT);
    await b.start();
    await b.password(t.username, t.password);
    await b.submitCode('otp', code);
    await sb.shot('used-totp-refused');
    expect(await pageText(sb.page)).toContain('Invalid authenticator code.');
    expect(b.redirected).toBe(false);
  });

  it('a gateway that fails or times out gives a clear message on the login page, not a 500', async () => {
    await useGateway('twilio', { timeoutMillis: '1000' });
    const u = await user({ prefix: 'it-gwfail', roles: ['homeowner'], phone: newPhone() });
    const s = await session('sms-gateway-failure');
    sms.setBehaviour({ kind: 'error', status: 503 });
    const login = new CodeLogin(s, issuer, TEST_CLIENT);
    await login.start();
    await login.password(u.username, u.password);
    await s.shot('gateway-503');
    expect(await pageText(s.page)).toContain('The text message service is unavailable. Try again in a moment');
    sms.setBehaviour({ kind: 'delay', delayMs: 3_000 });
    const response = await Promise.all([
      s.page.waitForResponse((r) => r.request().method() === 'POST'),
      s.page.click('#kc-sms-otp-resend'),
    ]);
    expect(response[0].status()).toBe(200);
    await s.page.waitForLoadState('load');
    await s.shot('gateway-timeout');
    expect(await pageText(s.page)).toContain('The text message service did not answer in time.');
    sms.setBehaviour({ kind: 'normal' });
    // Operators see the refusals counted by reason (Keycloak's user-event metrics on the management port).
    const metrics = await (await fetch(`http://${host}:${stack.port('KEYCLOAK_MANAGEMENT_PORT')}/metrics`)).text();
    for (const reason of ['sms_send_unavailable', 'sms_send_timeout']) {
      const counted = new RegExp(`keycloak_user_events_total\\{[^}]*error="${reason}"[^}]*\\} ([0-9.]+)`).exec(metrics);
      expect([reason, Number(counted?.[1] ?? 0) >= 1]).toEqual([reason, true]);
    }
    const before = sms.sent.length;
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-sms-otp-resend')]);
    const message = await sms.waitForMessage(u.phone ?? '', before);
    await login.submitCode('code', codeFromMessage(message));
    expectMfaToken((await login.tokens()).access_token, TEST_CLIENT);
  });

  it('locks the user out after 5 failed second-factor attempts; the right password and code then get no token', async () => {
    const u = await user({ prefix: 'it-lockout', roles: ['homeowner'], totp: true });
    const s = await session('lockout');
    const login = new CodeLogin(s, issuer, TEST_CLIENT);
    await login.start();
    await login.password(u.username, u.password);
    const right = totpCode(u.totpSecret ?? '', Date.now());
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) {
      await pause();
      await login.submitCode('otp', wrong);
    }
    await s.shot('after-5-failures');
    expect(await admin.bruteForce(u)).toMatchObject({ disabled: true, numFailures: 5 });

    const s2 = await session('lockout-then-right-code');
    const again = new CodeLogin(s2, issuer, TEST_CLIENT);
    await again.start();
    await again.password(u.username, u.password);
    await s2.shot('locked');
    if (await s2.page.locator('#otp').count()) await again.submitCode('otp', totpCode(u.totpSecret ?? '', Date.now()));
    await s2.shot('locked-after-code');
    expect(again.redirected).toBe(false);
    await admin.clearBruteForce(u);
    expect((await admin.bruteForce(u)).disabled).toBe(false);
  });

  it('a new user without a second factor must set up an authenticator app before a token exists', async () => {
    const u = await user({ prefix: 'it-enrol-totp', roles: ['homeowner'] });
    const s = await session('enrol-totp');
    const login = new CodeLogin(s, issuer, TEST_CLIENT);
    await login.start();
    await login.password(u.username, u.password);
    await s.shot('choose-second-factor');
    expect(await pageText(s.page)).toContain('Set up a second sign-in step');
    expect(login.redirected).toBe(false);
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-second-factor-totp')]);
    await s.shot('configure-totp');
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#mode-manual')]);
    const key = await s.page.innerText('#kc-totp-secret-key');
    await s.shot('configure-totp-key');
    expect(login.redirected).toBe(false);
    expect(await admin.credentialTypes(u)).toEqual(['password']);
    await s.page.fill('#totp', totpCodeForDisplayedKey(key, Date.now()));
    await s.page.fill('#userLabel', 'phone app');
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#saveTOTPBtn')]);
    expectMfaToken((await login.tokens()).access_token, TEST_CLIENT);
    await s.shot('signed-in');
    expect(await admin.credentialTypes(u)).toEqual(['otp', 'password']);
  });

  it('a new user can instead add a phone: E.164 checked, verified by an SMS code, then a token', async () => {
    await useGateway('twilio');
    const u = await user({ prefix: 'it-enrol-sms', roles: ['homeowner'] });
    const phone = newPhone();
    const s = await session('enrol-phone');
    const login = new CodeLogin(s, issuer, TEST_CLIENT);
    await login.start();
    await login.password(u.username, u.password);
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-second-factor-sms')]);
    await s.shot('phone-form');
    await s.page.fill('#phoneNumber', '07700 900123');
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-sms-phone-send')]);
    await s.shot('phone-not-e164');
    expect(await pageText(s.page)).toContain('Enter the number in international form');
    const before = sms.sent.length;
    await s.page.fill('#phoneNumber', `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`);
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-sms-phone-send')]);
    const message = await sms.waitForMessage(phone, before);
    await s.shot('phone-code');
    expect(login.redirected).toBe(false);
    expect(await admin.credentialTypes(u)).toEqual(['password']);
    await s.page.fill('#code', codeFromMessage(message) === '000000' ? '111111' : '000000');
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-sms-phone-verify')]);
    expect(await pageText(s.page)).toContain('Wrong code. 2 attempt(s) left');
    await s.page.fill('#code', codeFromMessage(message));
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-sms-phone-verify')]);
    expectMfaToken((await login.tokens()).access_token, TEST_CLIENT);
    await s.shot('signed-in');
    expect(await admin.credentialTypes(u)).toEqual(['password', 'sms-phone']);
    expect(JSON.parse((await admin.credentialData(u, 'sms-phone')) ?? '{}')).toEqual({ phoneNumber: phone });
  });

  it('device authorization grant for the CLI: sign in with TOTP in the browser, then the CLI polls a token with acr mfa', async () => {
    const u = await user({ prefix: 'it-device', roles: ['operator'], groups: ['Analytics'], totp: true });
    const started = await fetch(`${issuer}/protocol/openid-connect/auth/device`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'carbonreducer-cli', scope: 'openid' }),
    });
    expect(started.status).toBe(200);
    const device = (await started.json()) as {
      device_code: string;
      user_code: string;
      verification_uri_complete: string;
      interval: number;
    };
    const poll = () =>
      tokenRequest(issuer, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: 'carbonreducer-cli',
        device_code: device.device_code,
      });
    expect((await poll()).body.error).toBe('authorization_pending');

    const s = await session('device-grant');
    await s.page.goto(device.verification_uri_complete);
    await s.shot('device-login');
    await s.page.fill('#username', u.username);
    await s.page.fill('#password', u.password);
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-login')]);
    await s.shot('device-totp');
    await s.page.fill('#otp', totpCode(u.totpSecret ?? '', Date.now()));
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-login')]);
    await s.shot('device-consent');
    expect(await pageText(s.page)).toContain('Grant Access to CarbonReducer CLI');
    await Promise.all([s.page.waitForLoadState('load'), s.page.click('#kc-login')]);
    await s.shot('device-done');
    expect(await pageText(s.page)).toMatch(/Device Login Successful/i);
    await pause(device.interval * 1000);
    const granted = await poll();
    expect([granted.status, granted.body.error]).toEqual([200, undefined]);
    const claims = expectMfaToken(granted.body.access_token, 'carbonreducer-cli');
    expect(claims.roles).toEqual(['operator']);
  });

  it('a direct-grant token without OTP (test-only client) lacks acr mfa; user-facing clients have no direct grant', async () => {
    const u = await user({ prefix: 'it-direct', roles: ['homeowner'], phone: newPhone() });
    const grant = (clientId: string) =>
      tokenRequest(issuer, {
        grant_type: 'password',
        client_id: clientId,
        scope: 'openid',
        username: u.username,
        password: u.password,
      });
    const direct = await grant(TEST_CLIENT);
    expect(direct.status).toBe(200);
    const claims = jwtClaims(direct.body.access_token ?? '');
    expect(claims.acr).toBe(ACR_PASSWORD);
    expect(claims.acr).not.toBe(ACR_MFA);
    for (const clientId of ['carbonreducer-cli', 'grafana', 'carbonreducer-api']) {
      const refused = await grant(clientId);
      expect([clientId, refused.status, refused.body.access_token]).toEqual([clientId, expect.any(Number), undefined]);
      expect(refused.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('step-up: acr_values=password signs in with the password only (acr password); asking for mfa then asks only the second factor', async () => {
    const u = await user({ prefix: 'it-stepup', roles: ['homeowner'], totp: true });
    const s = await session('step-up');
    const low = new CodeLogin(s, issuer, TEST_CLIENT);
    await low.start({ acr_values: ACR_PASSWORD });
    await low.password(u.username, u.password);
    const lowTokens = await low.tokens();
    expect(jwtClaims(lowTokens.access_token ?? '').acr).toBe(ACR_PASSWORD);
    await s.shot('password-level');

    const high = new CodeLogin(s, issuer, TEST_CLIENT);
    await high.start({ acr_values: ACR_MFA });
    await s.shot('step-up-asks-otp');
    expect(await s.page.locator('#password').count()).toBe(0);
    await high.submitCode('otp', totpCode(u.totpSecret ?? '', Date.now()));
    expectMfaToken((await high.tokens()).access_token, TEST_CLIENT);
    await s.shot('mfa-level');
  });
});
