/**
 * Authorisation decisions, pure: the middleware gathers the facts (roles from the verified token, membership from
 * app.home_members, whether the home exists) and these functions decide. One place, so every route decides alike.
 */
import type { Access } from './http/route';
import type { ProblemCode } from './http/problem';
import type { Role } from './schemas';

/** Precedence when a caller has several roles that the route allows: the widest view wins. */
const PRECEDENCE: readonly Role[] = ['operator', 'analyst', 'homeowner'];

export type Decision =
  { allow: true } | { allow: false; code: Extract<ProblemCode, 'role_forbidden' | 'home_not_found'> };

/**
 * The role a caller acts in on this route: the first of operator, analyst, homeowner that both the caller has and
 * the route allows; undefined when none (→ 403 `role_forbidden`, which says nothing about any home).
 */
export function actingRole(callerRoles: readonly Role[], access: Extract<Access, { kind: 'user' }>): Role | undefined {
  return PRECEDENCE.find((role) => callerRoles.includes(role) && access.roles.includes(role));
}

export interface HomeFacts {
  /** The home exists (for analysts: the pseudonym resolved to a registered home). */
  exists: boolean;
  /** The caller is in app.home_members for it (only looked up for homeowners). */
  member: boolean;
}

/**
 * May `role` reach this home in `mode`? Operators: any existing home. Analysts: read any existing home (by
 * pseudonym), write none. Homeowners: only homes they are members of; any other home is `home_not_found`, the same
 * answer as for a home that does not exist, so the refusal does not tell whether it exists.
 */
export function decideHome(role: Role, mode: 'read' | 'write', facts: HomeFacts): Decision {
  switch (role) {
    case 'operator':
      return facts.exists ? { allow: true } : { allow: false, code: 'home_not_found' };
    case 'analyst':
      if (mode === 'write') return { allow: false, code: 'role_forbidden' };
      return facts.exists ? { allow: true } : { allow: false, code: 'home_not_found' };
    case 'homeowner':
      return facts.member && facts.exists ? { allow: true } : { allow: false, code: 'home_not_found' };
  }
}

/** Analysts see pseudonyms; operators and homeowners (on their own homes) raw ids. */
export function viewFor(role: Role): 'raw' | 'pseudonymous' {
  return role === 'analyst' ? 'pseudonymous' : 'raw';
}
