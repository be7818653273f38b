/**
 * A route is declared once, as data: method, path, who may call it, the schemas of its input and output, and a thin
 * handler. `mountRoutes` builds the Express chain from it (authenticate → validate → authorise → handle → check the
 * response), and `openapi.ts` builds the document from the same declarations, so no route can skip a step or drift
 * from its documentation.
 */
import type { z } from 'zod';
import type { Role } from '../schemas';

/** Who may call a route. Every route names one; there is no default. */
export type Access =
  /** No credentials (health, the OpenAPI document). */
  | { kind: 'public' }
  /** A Keycloak access token with the MFA level; `roles` lists who may call; `home` scopes it to the path's home. */
  | { kind: 'user'; roles: readonly Role[]; home?: { param: 'homeId'; mode: 'read' | 'write' } }
  /** A registered device's HTTP token (POST /api/data). */
  | { kind: 'device' }
  /** A shared bearer secret (Grafana's alert webhook, the Prometheus scrape). */
  | { kind: 'secret'; secret: 'alerts' | 'metrics' };

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  /** Stable id for metrics and the OpenAPI operationId. */
  id: string;
  method: Method;
  /** OpenAPI path syntax: `/api/homes/{homeId}`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  /** `json`: a schema-checked JSON body; `contract`: the raw text, validated by the device contract in the handler. */
  body?: { kind: 'json'; schema: B } | { kind: 'contract'; schema: B };
  response: { status: number; description: string; schema?: R; contentType?: string };
  /** Problem codes (statuses) this route documents beyond the common ones. */
  errors?: readonly number[];
  handler: (ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<HandlerResult<z.input<R>>>;
}

export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

/** Who is calling, after authentication. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: UserPrincipal }
  | { kind: 'device'; device: DevicePrincipal }
  | { kind: 'secret'; secret: 'alerts' | 'metrics' };

export interface UserPrincipal {
  subject: string;
  username: string | null;
  roles: Role[];
  acr: string | null;
  /** Authentication methods Keycloak reports (`amr`), when it does. */
  amr: string[];
  /** The token's `exp` in ms (for the verified-token cache). */
  expMs?: number;
}

export interface DevicePrincipal {
  homeId: string;
  deviceId: string;
  kind: string;
}

/** How ids are shown to this caller: raw (operators, homeowners on their homes) or pseudonymous (analysts). */
export interface IdView {
  readonly kind: 'raw' | 'pseudonymous';
  home(rawHomeId: string): string;
  device(rawHomeId: string, rawDeviceId: string): string;
}

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  /** The raw home id the path's `{homeId}` resolved to, after authorisation (routes with `access.home`). */
  homeId: string;
  ids: IdView;
  now: Date;
}

export interface HandlerResult<R> {
  status?: number;
  body?: R;
  headers?: Record<string, string>;
  /** Raw text body (the Prometheus exposition); skips the response schema. */
  text?: string;
}

/** Identity for TypeScript inference of a route's schemas. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  spec: RouteSpec<P, Q, B, R>,
): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** `/api/homes/{homeId}` → `/api/homes/:homeId` */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
