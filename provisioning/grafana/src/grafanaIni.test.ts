/**
 * grafana.ini against what it must agree with: the Keycloak realm's `grafana` client (redirect, PKCE, sign-out
 * URI, claims), our plugin ids and orgs; and the sign-in mapping evaluated for each Keycloak role: the JMESPath
 * expressions with jmespath.js (the reference implementation of the spec Grafana's go-jmespath follows), then
 * Grafana's org-mapping rules as its source states them (pkg/login/social/connectors/org_role_mapper.go: mapped roles
 * per org, merged with the role_attribute_path role by taking the higher; strict: no role, no login).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'ini';
import { search } from 'jmespath';
import { repoRoot } from '@carbonreducer/stack-env';
import { ORGS, PLUGIN_IDS } from './model';

type Section = Record<string, string | boolean>;
const parsed = parse(readFileSync(join(__dirname, '..', 'grafana.ini'), 'utf8')) as Record<string, unknown>;
/** A section by its Grafana name (`ini` nests `[auth.basic]` under `auth`). */
const section = (name: string): Section =>
  name.split('.').reduce<Record<string, unknown>>((s, k) => (s[k] ?? {}) as Record<string, unknown>, parsed) as Section;
const ini = new Proxy({} as Record<string, Section>, { get: (_t, name: string) => section(name) });
const oauth = section('auth.generic_oauth');
const realm = JSON.parse(
  readFileSync(join(repoRoot, 'provisioning', 'keycloak', 'realm', 'carbonreducer-realm.json'), 'utf8'),
) as {
  clients: {
    clientId: string;
    redirectUris: string[];
    attributes: Record<string, string>;
    protocolMappers?: { protocolMapper: string; config: Record<string, string> }[];
  }[];
};
const client = realm.clients.find((c) => c.clientId === oauth.client_id);
const ISSUER = 'http://127.0.0.1:8180/realms/carbonreducer';

type Role = 'None' | 'Viewer' | 'Editor' | 'Admin';
const RANK: Record<Role, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };
const top = (a: Role | undefined, b: Role): Role => (a === undefined || RANK[b] > RANK[a] ? b : a);

/** Org name → role a user with these claims gets, or null when Grafana refuses the login. */
function signIn(claims: { roles: string[] }): Record<string, Role> | null {
  const direct = search(claims, String(oauth.role_attribute_path)) as Role | null;
  const externalOrgs = (search(claims, String(oauth.org_attribute_path)) as string[] | null) ?? [];
  const mapping = String(oauth.org_mapping)
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((m) => m.split(':') as [string, string, Role]);
  const orgs: Record<string, Role> = {};
  for (const [external, org, role] of mapping) if (externalOrgs.includes(external)) orgs[org] = top(orgs[org], role);
  if (Object.keys(orgs).length === 0) {
    // Grafana's default mapping: strict refuses a user without a valid role; else the default org.
    if (oauth.role_attribute_strict === true && !direct) return null;
    return { [ORGS.main.name]: direct ?? (String(ini.users?.auto_assign_org_role) as Role) };
  }
  if (direct) for (const org of Object.keys(orgs)) orgs[org] = top(orgs[org], direct);
  return orgs;
}

describe('grafana.ini', () => {
  it('signs people in only through Keycloak', () => {
    expect(ini.auth?.disable_login_form).toBe(true);
    expect(ini['auth.basic']?.enabled).toBe(false);
    expect(ini['auth.anonymous']?.enabled).toBe(false);
    expect(ini.users?.allow_sign_up).toBe(false);
    expect(oauth.enabled).toBe(true);
    expect(oauth.auto_login).toBe(true);
    expect([oauth.use_pkce, oauth.use_refresh_token, oauth.role_attribute_strict]).toEqual([true, true, true]);
    expect(oauth.allow_assign_grafana_admin).toBe(false);
    expect(oauth.client_secret).toBe('$__env{KEYCLOAK_CLIENT_SECRET}');
  });

  it('agrees with the realm’s grafana client: endpoints, redirect, PKCE, sign-out, claims', () => {
    expect(client).toBeDefined();
    expect(client?.attributes['pkce.code.challenge.method']).toBe('S256');
    expect(client?.redirectUris).toContain(`${String(ini.server?.root_url)}login/generic_oauth`);
    for (const key of ['auth_url', 'token_url', 'api_url'])
      expect(String(oauth[key])).toMatch(new RegExp(`^${ISSUER}/protocol/openid-connect/(auth|token|userinfo)$`));
    const signout = new URL(String(oauth.signout_redirect_url));
    expect(`${signout.origin}${signout.pathname}`).toBe(`${ISSUER}/protocol/openid-connect/logout`);
    expect(signout.searchParams.get('client_id')).toBe('grafana');
    expect(client?.attributes['post.logout.redirect.uris']?.split('##')).toContain(
      signout.searchParams.get('post_logout_redirect_uri'),
    );
    // The claim the mapping reads is the one the client's realm-role mapper writes (in the ID token and userinfo).
    const roles = client?.protocolMappers?.find((m) => m.protocolMapper === 'oidc-usermodel-realm-role-mapper');
    expect(roles?.config['claim.name']).toBe(String(oauth.org_attribute_path));
    expect([roles?.config['id.token.claim'], roles?.config['userinfo.token.claim']]).toEqual(['true', 'true']);
  });

  it.each([
    [['homeowner'], { Homes: 'Viewer' }],
    [['analyst'], { Analytics: 'Editor' }],
    [['operator'], { Homes: 'Admin', Analytics: 'Admin' }],
    [['homeowner', 'analyst'], { Homes: 'Viewer', Analytics: 'Editor' }],
    [['homeowner', 'operator'], { Homes: 'Admin', Analytics: 'Admin' }],
    [['offline_access', 'uma_authorization'], null],
    [[], null],
  ] as const)('Keycloak roles %j give %j', (roles, expected) => {
    expect(signIn({ roles: [...roles] })).toEqual(expected);
  });

  it('maps only to orgs the provisioning creates, and leaves everyone else in the empty Main Org. without a role', () => {
    const names = String(oauth.org_mapping)
      .split(/\s+/)
      .map((m) => m.split(':')[1]);
    expect([...new Set(names)].sort()).toEqual([ORGS.analytics.name, ORGS.homes.name].sort());
    expect(Number(ini.users?.auto_assign_org_id)).toBe(ORGS.main.id);
    expect(ini.users?.auto_assign_org_role).toBe('None');
  });

  it('allows exactly our unsigned plugins', () => {
    expect(String(ini.plugins?.allow_loading_unsigned_plugins).split(',').sort()).toEqual(
      Object.values(PLUGIN_IDS).sort(),
    );
  });
});
