import { commandTopic, telemetryTopic } from '@carbonreducer/telemetry';
import { issueDeviceToken } from '../auth/deviceTokens';
import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute, type Caller, type UserPrincipal } from '../http/route';
import { BrokerRefused, DependencyUnavailable } from '../ports';
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
      summary: 'Register a device: returns its HTTP token and its MQTT username and password once',
      tag: 'auth',
      access: { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'write' } },
      params: HomeParams,
      body: { kind: 'json', schema: RegisterDeviceBody },
      response: {
        status: 201,
        description: 'Registered; the credentials are not shown again',
        schema: DeviceCredentials,
      },
      errors: [409, 502, 503],
      handler: async ({ caller, homeId, body, now }) => {
        const count = (outcome: string) => deps.metrics.deviceIdentities.inc({ action: 'register', outcome });
        const home = await deps.directory.getHome(homeId);
        if (home && !home.active) {
          count('home_inactive');
          throw new ApiProblem('home_inactive');
        }
        const device = { homeId, deviceId: body.deviceId, kind: body.kind };
        const issued = issueDeviceToken();
        const result = await deps.devices.register({
          ...device,
          label: body.label ?? null,
          tokenId: issued.tokenId,
          tokenSha256: issued.sha256,
          mqttUsername: deps.identities.username(homeId, body.deviceId),
        });
        if (!result.created) {
          count('exists');
          throw new ApiProblem('device_exists', undefined, { field: 'body.deviceId' });
        }
        let mqtt: { username: string; password: string };
        try {
          mqtt = await deps.identities.create(device);
        } catch (err) {
          // Nothing half-made: without its broker identity the device is not registered (its token is revoked).
          await deps.devices.revoke(homeId, body.deviceId).catch((rollback: unknown) =>
            deps.log.error('device registration: revoking the token after a broker failure failed', {
              homeId,
              deviceId: body.deviceId,
              err: rollback,
            }),
          );
          throw brokerProblem(err, 'register', count);
        }
        count('ok');
        deps.log.info('audit', {
          action: 'device.register',
          subject: callerSubject(caller),
          homeId,
          deviceId: body.deviceId,
          kind: body.kind,
          mqttUsername: mqtt.username,
        });
        return {
          body: {
            homeId,
            deviceId: body.deviceId,
            kind: body.kind,
            http: { token: issued.token, dataUrl: `${deps.settings.publicUrl}/api/data` },
            mqtt: {
              url: deps.settings.mqttPublicUrl,
              username: mqtt.username,
              password: mqtt.password,
              telemetryTopic: telemetryTopic(homeId, body.kind, body.deviceId),
              commandTopic: commandTopic(homeId, body.deviceId),
            },
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
      summary: 'Revoke a device: its HTTP token and its broker identity stop working at once (it is disconnected)',
      tag: 'auth',
      access: { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'write' } },
      params: HomeDeviceParams,
      response: { status: 204, description: 'Revoked' },
      errors: [502, 503],
      handler: async ({ caller, homeId, params }) => {
        const count = (outcome: string) => deps.metrics.deviceIdentities.inc({ action: 'revoke', outcome });
        // The broker first: if it fails, nothing has changed and the revocation can be retried; the token is
        // revoked only once the broker identity is gone (deleting one that is not there is not an error).
        try {
          await deps.identities.remove({ homeId, deviceId: params.deviceId });
        } catch (err) {
          throw brokerProblem(err, 'revoke', count);
        }
        if (!(await deps.devices.revoke(homeId, params.deviceId))) {
          count('not_found');
          throw new ApiProblem('device_not_found', undefined, { field: 'params.deviceId' });
        }
        count('ok');
        deps.log.info('audit', {
          action: 'device.revoke',
          subject: callerSubject(caller),
          homeId,
          deviceId: params.deviceId,
        });
        return { status: 204 };
      },
    }),
  ];
}

function callerSubject(caller: Caller): string | null {
  return caller.kind === 'user' ? caller.user.subject : null;
}

/** A broker failure of a device identity change as the problem the caller gets, counted by outcome. */
function brokerProblem(err: unknown, action: 'register' | 'revoke', count: (outcome: string) => void): ApiProblem {
  if (err instanceof DependencyUnavailable) {
    count('broker_unavailable');
    return new ApiProblem('broker_unavailable', `${action}: ${err.message}`, { cause: err });
  }
  if (err instanceof BrokerRefused) {
    count('broker_refused');
    return new ApiProblem('broker_refused', `${action}: ${err.message}`, { cause: err });
  }
  count('error');
  return err instanceof ApiProblem ? err : new ApiProblem('internal', undefined, { cause: err });
}
