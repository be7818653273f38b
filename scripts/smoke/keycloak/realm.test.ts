import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvFile, repoRoot } from '@carbonreducer/stack-env';
import { parse } from 'yaml';
import { ACR_MFA, ACR_PASSWORD } from './admin';

// The committed realm file, the provider's pom and the compose service, checked without a server: what the API,
// Grafana and the tests rely on (provisioning/keycloak/README.md) must be in the file that both stacks import.
interface Mapper {
  protocolMapper: string;
  config: Record<string, string>;
}
interface Client {
  clientId: string;
  enabled: boolean | string;
  publicClient?: boolean;
  standardFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  serviceAccountsEnabled?: boolean;
  redirectUris?: string[];
  attributes?: Record<string, string>;
  protocolMappers?: Mapper[];
  authenticationFlowBindingOverrides?: Record<string, string>;
}
interface Execution {
  authenticator?: string;
  flowAlias?: string;
  authenticatorFlow: boolean;
  authenticatorConfig?: string;
  requirement: string;
}
interface Flow {
  id?: string;
  alias: string;
  topLevel: boolean;
  authenticationExecutions: Execution[];
}
interface Realm {
  browserFlow: string;
  attributes: Record<string, string>;
  roles: { realm: Array<{ name: string }> };
  groups: Array<{ name: string }>;
  clients: Client[];
  users?: unknown[];
  authenticationFlows: Flow[];
  authenticatorConfig: Array<{ alias: string; config: Record<string, string> }>;
  requiredActions: Array<{ alias: string; enabled: boolean; defaultAction: boolean }>;
  revokeRefreshToken: boolean;
  refreshTokenMaxReuse: number;
  bruteForceProtected: boolean;
  failureFactor: number;
}

const realm = JSON.parse(
  readFileSync(join(repoRoot, 'provisioning', 'keycloak', 'realm', 'carbonreducer-realm.json'), 'utf8'),
) as Realm;
const client = (id: string): Client => {
  const found = realm.clients.find((c) => c.clientId === id);
  if (!found) throw new Error(`client ${id} missing from the realm file`);
  return found;
};
const mapperTypes = (c: Client): string[] => (c.protocolMappers ?? []).map((m) => m.protocolMapper).sort();

describe('realm carbonreducer (provisioning/keycloak/realm)', () => {
  it('maps the levels of authentication to the acr values the API checks', () => {
    expect(JSON.parse(realm.attributes['acr.loa.map'] ?? '{}')).toEqual({ [ACR_PASSWORD]: 1, [ACR_MFA]: 2 });
    for (const id of ['grafana', 'carbonreducer-cli']) {
      expect([id, client(id).attributes?.['minimum.acr.value']]).toEqual([id, ACR_MFA]);
    }
  });

  it('has the three roles and the two Grafana organisations', () => {
    expect(realm.roles.realm.map((r) => r.name).sort()).toEqual(['analyst', 'homeowner', 'operator']);
    expect(realm.groups.map((g) => g.name).sort()).toEqual(['Analytics', 'Homes']);
  });

  it('gives no user-facing client the direct grant, implicit flow or service account', () => {
    for (const id of ['grafana', 'carbonreducer-cli', 'carbonreducer-api']) {
      const c = client(id);
      expect([id, c.directAccessGrantsEnabled, c.implicitFlowEnabled, c.serviceAccountsEnabled]).toEqual([
        id,
        false,
        false,
        false,
      ]);
    }
    // The test-only client is off unless the native stack turns it on.
    expect(client('carbonreducer-test').enabled).toBe('${KEYCLOAK_TEST_CLIENT_ENABLED:false}');
  });

  it('sets up grafana as a confidential PKCE client with the roles and orgs claims', () => {
    const grafana = client('grafana');
    expect(grafana.publicClient).toBe(false);
    expect(grafana.standardFlowEnabled).toBe(true);
    expect(grafana.attributes?.['pkce.code.challenge.method']).toBe('S256');
    expect(grafana.redirectUris).toContain('http://127.0.0.1:3000/login/generic_oauth');
    const claims = (grafana.protocolMappers ?? []).map((m) => m.config['claim.name']).filter(Boolean);
    expect(claims.sort()).toEqual(['orgs', 'roles']);
  });

  it('puts audience carbonreducer-api into every client people sign in with', () => {
    for (const id of ['grafana', 'carbonreducer-cli', 'carbonreducer-test']) {
      const audience = (client(id).protocolMappers ?? []).find((m) => m.protocolMapper === 'oidc-audience-mapper');
      expect([id, audience?.config['included.client.audience'], audience?.config['access.token.claim']]).toEqual([
        id,
        'carbonreducer-api',
        'true',
      ]);
      expect(mapperTypes(client(id))).toEqual([
        'oidc-audience-mapper',
        'oidc-group-membership-mapper',
        'oidc-usermodel-realm-role-mapper',
      ]);
    }
  });

  it('lets the CLI use the device grant, signing in through the device flow', () => {
    const cli = client('carbonreducer-cli');
    expect(cli.publicClient).toBe(true);
    expect(cli.standardFlowEnabled).toBe(false);
    expect(cli.attributes?.['oauth2.device.authorization.grant.enabled']).toBe('true');
    const flowId = cli.authenticationFlowBindingOverrides?.browser;
    expect(realm.authenticationFlows.find((f) => f.id === flowId)?.alias).toBe('browser-mfa device');
  });

  it('rotates refresh tokens and protects against brute force', () => {
    expect([realm.revokeRefreshToken, realm.refreshTokenMaxReuse]).toEqual([true, 0]);
    expect([realm.bruteForceProtected, realm.failureFactor]).toEqual([true, 5]);
  });

  it('has a browser flow whose sub-flows and configs all exist, with TOTP, SMS and enrolment', () => {
    expect(realm.browserFlow).toBe('browser-mfa');
    const aliases = new Set(realm.authenticationFlows.map((f) => f.alias));
    const configs = new Set(realm.authenticatorConfig.map((c) => c.alias));
    const authenticators = new Set<string>();
    for (const flow of realm.authenticationFlows) {
      for (const e of flow.authenticationExecutions) {
        if (e.authenticatorFlow)
          expect([flow.alias, e.flowAlias, aliases.has(e.flowAlias ?? '')]).toEqual([flow.alias, e.flowAlias, true]);
        else authenticators.add(e.authenticator ?? '');
        if (e.authenticatorConfig)
          expect([e.authenticatorConfig, configs.has(e.authenticatorConfig)]).toEqual([e.authenticatorConfig, true]);
      }
    }
    expect([...authenticators]).toEqual(
      expect.arrayContaining([
        'auth-otp-form',
        'sms-otp-authenticator',
        'second-factor-enrol',
        'condition-second-factor',
      ]),
    );
    // Committed config: the development gateway; real deployments switch it and set credentials in the environment.
    expect(realm.authenticatorConfig.find((c) => c.alias === 'sms-otp')?.config.gateway).toBe('log');
    const phoneAction = realm.requiredActions.find((a) => a.alias === 'sms-phone-number');
    expect(phoneAction).toMatchObject({ enabled: true, defaultAction: false });
  });

  it('commits no users and no secret', () => {
    expect(realm.users).toBeUndefined();
    const text = JSON.stringify(realm);
    expect(text.match(/"secret":"[^"]*"/g) ?? []).toEqual(['"secret":"${KEYCLOAK_CLIENT_SECRET}"']);
  });
});

describe('Keycloak provider build and compose parity', () => {
  const versions = parseEnvFile(readFileSync(join(repoRoot, 'provisioning', 'versions.env'), 'utf8'), 'versions.env');
  const pom = readFileSync(join(repoRoot, 'identity', 'keycloak-sms-otp', 'pom.xml'), 'utf8');

  it('builds the provider against the pinned Keycloak version', () => {
    expect(/<keycloak\.version>([^<]+)<\/keycloak\.version>/.exec(pom)?.[1]).toBe(versions.KEYCLOAK_VERSION);
    expect(/<maven\.compiler\.release>([^<]+)</.exec(pom)?.[1]).toBe('21');
  });

  it('mounts the same realm file and provider JAR into the compose Keycloak', () => {
    const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
    };
    const finalName = /<finalName>([^<]+)<\/finalName>/.exec(pom)?.[1];
    const volumes = compose.services.keycloak?.volumes ?? [];
    expect(volumes).toContain(
      './provisioning/keycloak/realm/carbonreducer-realm.json:/opt/keycloak/data/import/carbonreducer-realm.json:ro',
    );
    expect(volumes).toContain(
      `./identity/keycloak-sms-otp/target/${finalName}.jar:/opt/keycloak/providers/${finalName}.jar:ro`,
    );
    expect(compose.services.keycloak?.environment?.KEYCLOAK_TEST_CLIENT_ENABLED).toBeUndefined();
  });
});
