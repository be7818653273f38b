import { issueDeviceToken } from '../auth/deviceTokens';
import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute, type UserPrincipal } from '../http/route';
import { DeviceCredentials, HomeDeviceParams, HomeParams, Me, RegisterDeviceBody, ROLES } from '../schemas';
import { actingRole, viewFor } from '../authz';

export function authRoutes(deps: AppDeps): AnyRoute[] {
  const anyUser = { kind: 'user', roles: ROLES } as const;
  return [
    route({
      id: 'auth.me',
      method: 'get',
      path: '/api/auth/me',
      summary: 'Who am I: subject, roles, homes, MFA state and acr',
      tag: 'auth',
      access: anyUser,
      response: { status: 200, description: 'The caller', schema: Me },
      handler: async ({ caller, ids }) => {
        const user = (caller as { user: UserPrincipal }).user;
        const role = actingRole(user.roles, anyUser);
        const homes = await deps.directory.homesOf(user.subject);
        return {
          body: {
            subject: user.subject,
            username: user.username,
            roles: user.roles,
            view: role ? viewFor(role) : 'raw',
            acr: user.acr,
            mfa: {
              satisfied: user.acr !== null && deps.settings.requiredAcr.includes(user.acr),
              methods: user.amr.length > 0 ? user.amr : ['otp'],
            },
            homes: homes.map((h) => ({ homeId: ids.home(h.homeId), role: h.role })),
          },
        };
      },
    }),
    route({
      id: 'auth.devices.register',
      method: 'post',
      path: '/api/auth/homes/{homeId}/devices',
      summary: 'Register a device: returns its HTTP token (and broker identity) once',
      tag: 'auth',
      access: { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'write' } },
      params: HomeParams,
      body: { kind: 'json', schema: RegisterDeviceBody },
      response: {
        status: 201,
        description: 'Registered; the credentials are not shown again',
        schema: DeviceCredentials,
      },
      errors: [409],
      handler: async ({ homeId, body, now }) => {
        const home = await deps.directory.getHome(homeId);
        if (home && !home.active) throw new ApiProblem('home_inactive');
        const issued = issueDeviceToken();
        const result = await deps.devices.register({
          homeId,
          deviceId: body.deviceId,
          kind: body.kind,
          label: body.label ?? null,
          tokenId: issued.tokenId,
          tokenSha256: issued.sha256,
          // No per-device broker identity until Mosquitto's dynamic security is wired (see api/README.md).
          mqttUsername: null,
        });
        if (!result.created) throw new ApiProblem('device_exists', undefined, { field: 'body.deviceId' });
        return {
          body: {
            homeId,
            deviceId: body.deviceId,
            kind: body.kind,
            http: { token: issued.token, dataUrl: `${deps.settings.publicUrl}/api/data` },
            mqtt: null,
            createdAt: (result.createdAt.getTime() > 0 ? result.createdAt : now).toISOString(),
          },
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
    route({
      id: 'auth.devices.revoke',
      method: 'delete',
      path: '/api/auth/homes/{homeId}/devices/{deviceId}',
      summary: 'Revoke a device: its HTTP token (and broker identity) stop working at once',
      tag: 'auth',
      access: { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'write' } },
      params: HomeDeviceParams,
      response: { status: 204, description: 'Revoked' },
      handler: async ({ homeId, params }) => {
        if (!(await deps.devices.revoke(homeId, params.deviceId)))
          throw new ApiProblem('device_not_found', undefined, { field: 'params.deviceId' });
        return { status: 204 };
      },
    }),
  ];
}
