import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute, type UserPrincipal } from '../http/route';
import type { HomeRow } from '../ports';
import {
  Home,
  HomeList,
  HomeMemberParams,
  HomeParams,
  Member,
  MemberList,
  Preferences,
  PutMemberBody,
  RegisterHomeBody,
  ROLES,
} from '../schemas';
import { actingRole } from '../authz';
import type { IdView } from '../http/route';

const homeBody = (h: HomeRow, ids: IdView) => ({
  homeId: ids.home(h.homeId),
  region: h.region,
  timeZone: h.timeZone,
  importLimitW: h.importLimitW,
  active: h.active,
});

export function homeRoutes(deps: AppDeps): AnyRoute[] {
  const operatorOn = (mode: 'read' | 'write') =>
    ({ kind: 'user', roles: ['operator'], home: { param: 'homeId', mode } }) as const;
  return [
    route({
      id: 'homes.list',
      method: 'get',
      path: '/api/homes',
      summary:
        'Homes the caller may see: their own (homeowners), every home by pseudonym (analysts) or raw (operators)',
      tag: 'homes',
      access: { kind: 'user', roles: ROLES },
      response: { status: 200, description: 'Homes', schema: HomeList },
      handler: async ({ caller, ids }) => {
        const user = (caller as { user: UserPrincipal }).user;
        const role = actingRole(user.roles, { kind: 'user', roles: ROLES });
        let homes: HomeRow[];
        if (role === 'homeowner') {
          const mine = new Set((await deps.directory.homesOf(user.subject)).map((m) => m.homeId));
          homes = (await deps.directory.listHomes()).filter((h) => mine.has(h.homeId));
        } else {
          homes = await deps.directory.listHomes();
        }
        return { body: { homes: homes.map((h) => homeBody(h, ids)) } };
      },
    }),
    route({
      id: 'homes.get',
      method: 'get',
      path: '/api/homes/{homeId}',
      summary: 'One home',
      tag: 'homes',
      access: { kind: 'user', roles: ROLES, home: { param: 'homeId', mode: 'read' } },
      params: HomeParams,
      response: { status: 200, description: 'The home', schema: Home },
      handler: async ({ homeId, ids }) => {
        const home = await deps.directory.getHome(homeId);
        if (!home) throw new ApiProblem('home_not_found');
        return { body: homeBody(home, ids) };
      },
    }),
    route({
      id: 'homes.register',
      method: 'post',
      path: '/api/homes',
      summary: 'Register a home (operators)',
      tag: 'homes',
      access: { kind: 'user', roles: ['operator'] },
      body: { kind: 'json', schema: RegisterHomeBody },
      response: { status: 201, description: 'Registered', schema: Home },
      errors: [409],
      handler: async ({ body, ids }) => {
        const row: HomeRow = { ...body, active: true };
        if (!(await deps.directory.registerHome(row)))
          throw new ApiProblem('home_exists', undefined, { field: 'body.homeId' });
        return { body: homeBody(row, ids) };
      },
    }),
    route({
      id: 'homes.deactivate',
      method: 'delete',
      path: '/api/homes/{homeId}',
      summary: 'Deactivate a home (operators): no more forecasts, plans or runs; data and members are kept',
      tag: 'homes',
      access: operatorOn('write'),
      params: HomeParams,
      response: { status: 204, description: 'Deactivated' },
      handler: async ({ homeId }) => {
        await deps.directory.setActive(homeId, false);
        return { status: 204 };
      },
    }),
    route({
      id: 'homes.members.list',
      method: 'get',
      path: '/api/homes/{homeId}/members',
      summary: "A home's members (operators)",
      tag: 'homes',
      access: operatorOn('read'),
      params: HomeParams,
      response: { status: 200, description: 'Members', schema: MemberList },
      handler: async ({ homeId }) => ({
        body: {
          homeId,
          members: (await deps.directory.listMembers(homeId)).map((m) => ({ ...m, addedAt: m.addedAt.toISOString() })),
        },
      }),
    }),
    route({
      id: 'homes.members.put',
      method: 'put',
      path: '/api/homes/{homeId}/members/{subject}',
      summary: 'Add a Keycloak user (subject) to a home, or change their role (operators)',
      tag: 'homes',
      access: operatorOn('write'),
      params: HomeMemberParams,
      body: { kind: 'json', schema: PutMemberBody },
      response: { status: 200, description: 'The membership', schema: Member },
      handler: async ({ homeId, params, body }) => {
        const m = await deps.directory.putMember(homeId, params.subject, body.role);
        return { body: { ...m, addedAt: m.addedAt.toISOString() } };
      },
    }),
    route({
      id: 'homes.members.delete',
      method: 'delete',
      path: '/api/homes/{homeId}/members/{subject}',
      summary: 'Remove a member from a home (operators)',
      tag: 'homes',
      access: operatorOn('write'),
      params: HomeMemberParams,
      response: { status: 204, description: 'Removed' },
      handler: async ({ homeId, params }) => {
        if (!(await deps.directory.deleteMember(homeId, params.subject)))
          throw new ApiProblem('member_not_found', undefined, { field: 'params.subject' });
        return { status: 204 };
      },
    }),
    route({
      id: 'homes.preferences.get',
      method: 'get',
      path: '/api/homes/{homeId}/preferences',
      summary: "A home's preferences: CO2 price, comfort band, fuse, alert opt-in and channel, leaderboard opt-in",
      tag: 'homes',
      access: { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'read' } },
      params: HomeParams,
      response: { status: 200, description: 'Preferences (defaults until set)', schema: Preferences },
      handler: async ({ homeId }) => ({ body: await deps.directory.getPreferences(homeId) }),
    }),
    route({
      id: 'homes.preferences.put',
      method: 'put',
      path: '/api/homes/{homeId}/preferences',
      summary: "Replace a home's preferences",
      tag: 'homes',
      access: { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'write' } },
      params: HomeParams,
      body: { kind: 'json', schema: Preferences },
      response: { status: 200, description: 'Stored', schema: Preferences },
      handler: async ({ homeId, body }) => {
        await deps.directory.putPreferences(homeId, body);
        return { body };
      },
    }),
  ];
}
