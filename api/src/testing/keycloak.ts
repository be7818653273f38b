/**
 * Real Keycloak access tokens for integration tests and the benchmark: users made through the admin API, MFA tokens
 * through the real login pages (password, then the TOTP code computed with otplib) on the test-only client.
 */
import { KeycloakAdmin, type TestUser } from '@carbonreducer/scripts/smoke/keycloak/admin';
import { launchBrowser, type LoginBrowser } from '@carbonreducer/scripts/smoke/keycloak/browser';
import { CodeLogin, pageText } from '@carbonreducer/scripts/smoke/keycloak/flows';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { loadStackEnv } from '@carbonreducer/stack-env';

export type Role = 'homeowner' | 'analyst' | 'operator';

export interface RealmUsers {
  admin: KeycloakAdmin;
  issuer: string;
  users: Record<Role, TestUser>;
  tokens: Record<Role, string>;
  /** A fresh MFA token for one of the users (tokens live 300 s). */
  login(role: Role): Promise<string>;
  close(): Promise<void>;
}

export async function realmUsers(prefix: string): Promise<RealmUsers> {
  const stack = loadStackEnv();
  const base = `http://127.0.0.1:${stack.port('KEYCLOAK_PORT')}`;
  const issuer = `${base}/realms/carbonreducer`;
  const admin = new KeycloakAdmin(base, stack.get('KEYCLOAK_ADMIN_PASSWORD'));
  const users = {} as Record<Role, TestUser>;
  const tokens = {} as Record<Role, string>;
  let browser: LoginBrowser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    for (const u of Object.values(users)) await admin.deleteUser(u).catch(() => undefined);
  };
  const login = async (role: Role): Promise<string> => {
    browser ??= await launchBrowser();
    const u = users[role];
    const session = await browser.newSession(`${prefix}-${role}`);
    try {
      const flow = new CodeLogin(session, issuer, 'carbonreducer-test');
      await flow.start();
      await flow.password(u.username, u.password);
      await flow.submitCode('otp', totpCode(u.totpSecret ?? '', Date.now()));
      const t = await flow.tokens().catch(async (err: unknown) => {
        throw new Error(
          `MFA login of ${u.username} did not finish; page says: ${(await pageText(session.page)).slice(0, 200)}`,
          {
            cause: err,
          },
        );
      });
      if (!t.access_token) throw new Error(`no access token for ${u.username}`);
      return t.access_token;
    } finally {
      await session.context.close();
    }
  };
  try {
    for (const role of ['homeowner', 'analyst', 'operator'] as const) {
      users[role] = await admin.createUser({ prefix: `${prefix}-${role}`, roles: [role], totp: true });
    }
    for (const role of ['homeowner', 'analyst', 'operator'] as const) tokens[role] = await login(role);
  } catch (err) {
    await close();
    throw err;
  }
  return { admin, issuer, users, tokens, login, close };
}
