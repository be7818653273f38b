import { randomBytes } from 'node:crypto';

/** Realm, clients and acr values of provisioning/keycloak/realm (documented in provisioning/keycloak/README.md). */
export const REALM = 'carbonreducer';
export const ACR_MFA = 'mfa';
export const ACR_PASSWORD = 'password';
/** Flow holding the SMS authenticator execution (its config alias is `sms-otp`). */
const SMS_FLOW = 'browser-mfa sms';

export interface TestUser {
  id: string;
  username: string;
  password: string;
  totpSecret?: string;
  phone?: string;
}

export interface NewUser {
  prefix: string;
  roles: string[];
  groups?: string[];
  totp?: boolean;
  /** E.164 number stored as a verified phone (credential type sms-phone). */
  phone?: string;
}

/** Keycloak admin REST for tests: users made for one test and removed after, the SMS config, brute-force state. */
export class KeycloakAdmin {
  constructor(
    private readonly baseUrl: string,
    private readonly adminPassword: string,
  ) {}

  private async token(): Promise<string> {
    const response = await fetch(`${this.baseUrl}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: 'admin',
        password: this.adminPassword,
      }),
    });
    if (!response.ok)
      throw new Error(`Keycloak admin login failed: HTTP ${response.status} (KEYCLOAK_ADMIN_PASSWORD?)`);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/admin/realms/${REALM}${path}`, {
      method,
      headers: { Authorization: `Bearer ${await this.token()}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Keycloak admin ${method} ${path}: HTTP ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Creates a user with a random password (and TOTP secret / verified phone when asked). */
  async createUser(spec: NewUser): Promise<TestUser> {
    const username = `${spec.prefix}-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    // Base32 alphabet, so the same string is the raw secret for Keycloak and readable by any authenticator app.
    const totpSecret = spec.totp
      ? Array.from(randomBytes(32), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('')
      : undefined;
    const credentials: unknown[] = [{ type: 'password', value: password, temporary: false }];
    if (totpSecret) {
      credentials.push({
        type: 'otp',
        userLabel: 'test',
        secretData: JSON.stringify({ value: totpSecret }),
        credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
      });
    }
    if (spec.phone) {
      credentials.push({
        type: 'sms-phone',
        userLabel: 'test phone',
        secretData: '{}',
        credentialData: JSON.stringify({ phoneNumber: spec.phone }),
      });
    }
    await this.request('POST', '/partialImport', {
      ifResourceExists: 'FAIL',
      users: [
        {
          username,
          email: `${username}@carbonreducer.invalid`,
          emailVerified: true,
          firstName: 'Test',
          lastName: spec.prefix,
          enabled: true,
          realmRoles: spec.roles,
          groups: spec.groups ?? [],
          requiredActions: [],
          credentials,
        },
      ],
    });
    const found = await this.request<Array<{ id: string }>>(
      'GET',
      `/users?username=${encodeURIComponent(username)}&exact=true`,
    );
    const id = found[0]?.id;
    if (!id) throw new Error(`user ${username} not found after import`);
    return { id, username, password, totpSecret, phone: spec.phone };
  }

  async deleteUser(user: TestUser): Promise<void> {
    await this.request('DELETE', `/users/${user.id}`);
  }

  async credentialTypes(user: TestUser): Promise<string[]> {
    const credentials = await this.request<Array<{ type: string }>>('GET', `/users/${user.id}/credentials`);
    return credentials.map((c) => c.type).sort();
  }

  async credentialData(user: TestUser, type: string): Promise<string | undefined> {
    const credentials = await this.request<Array<{ type: string; credentialData?: string }>>(
      'GET',
      `/users/${user.id}/credentials`,
    );
    return credentials.find((c) => c.type === type)?.credentialData;
  }

  async bruteForce(user: TestUser): Promise<{ disabled: boolean; numFailures: number }> {
    return this.request('GET', `/attack-detection/brute-force/users/${user.id}`);
  }

  async clearBruteForce(user: TestUser): Promise<void> {
    await this.request('DELETE', `/attack-detection/brute-force/users/${user.id}`);
  }

  private async smsConfigModel(): Promise<{ id: string; alias: string; config: Record<string, string> }> {
    const executions = await this.request<Array<{ providerId?: string; authenticationConfig?: string }>>(
      'GET',
      `/authentication/flows/${encodeURIComponent(SMS_FLOW)}/executions`,
    );
    const configId = executions.find((e) => e.providerId === 'sms-otp-authenticator')?.authenticationConfig;
    if (!configId) throw new Error(`no sms-otp-authenticator execution with a config in flow '${SMS_FLOW}'`);
    return this.request('GET', `/authentication/config/${configId}`);
  }

  async smsConfig(): Promise<Record<string, string>> {
    return (await this.smsConfigModel()).config;
  }

  /** Replaces the SMS config (alias sms-otp), used by the authenticator and the phone required action. */
  async setSmsConfig(config: Record<string, string>): Promise<void> {
    const model = await this.smsConfigModel();
    await this.request('PUT', `/authentication/config/${model.id}`, { ...model, config });
  }
}
