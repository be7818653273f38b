import { loadavg } from 'node:os';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { KeycloakAdmin, type TestUser } from './admin';
import { launchBrowser } from './browser';
import { CodeLogin } from './flows';
import { totpCode } from './totp';

// Login round trip through the real login pages of the native stack's Keycloak, in headless Chromium:
// authorization request -> password page -> TOTP page -> redirect with code -> code exchange (PKCE) -> tokens.
// Each round uses a fresh user (a TOTP code is accepted once). Prints the figures; asserts nothing.
//   npx tsx scripts/smoke/keycloak/loginBench.ts [rounds=5]
const rounds = Number(process.argv[2] ?? 5);
const stack = loadStackEnv();
const baseUrl = `http://127.0.0.1:${stack.port('KEYCLOAK_PORT')}`;
const issuer = `${baseUrl}/realms/carbonreducer`;

async function main(): Promise<void> {
  const admin = new KeycloakAdmin(baseUrl, stack.get('KEYCLOAK_ADMIN_PASSWORD'));
  const browser = await launchBrowser();
  const users: TestUser[] = [];
  const durationsMs: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const user = await admin.createUser({ prefix: 'bench-login', roles: ['homeowner'], totp: true });
      users.push(user);
      const session = await browser.newSession(`bench-login-${i}`);
      const login = new CodeLogin(session, issuer, 'carbonreducer-test');
      const t0 = performance.now();
      await login.start();
      await login.password(user.username, user.password);
      await login.submitCode('otp', totpCode(user.totpSecret ?? '', Date.now()));
      const tokens = await login.tokens();
      const elapsedMs = performance.now() - t0;
      if (!tokens.access_token) throw new Error('no access token');
      durationsMs.push(elapsedMs);
      process.stdout.write(`round ${i + 1}: ${elapsedMs.toFixed(0)} ms\n`);
      await session.context.close();
    }
  } finally {
    for (const user of users) await admin.deleteUser(user).catch(() => undefined);
    await browser.close();
  }
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  process.stdout.write(
    `login round trip (password + TOTP, browser, code exchange): median ${median.toFixed(0)} ms, ` +
      `min ${(sorted[0] ?? NaN).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(0)} ms ` +
      `over ${sorted.length} rounds; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
