/**
 * Builds the Express chain of every declared route: metrics → authenticate → parse and validate → authorise →
 * handler → response check. Authentication runs before the body is parsed, so an anonymous caller learns nothing
 * from validation errors. There is no way to add a route to the app except through this function.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { actingRole, decideHome, viewFor } from '../authz';
import { parseDeviceToken, secretMatches, sharedSecretMatches } from '../auth/deviceTokens';
import type { AppDeps } from '../deps';
import { DependencyUnavailable } from '../ports';
import { pseudonymousIds, rawIds } from '../pseudonym';
import { ApiProblem, isApiProblem, problemFromIssues } from './problem';
import { expressPath, type AnyRoute, type Caller, type IdView } from './route';

/** Finds the raw home id behind an analyst's pseudonym (all homes' pseudonyms, refreshed on a miss at most every 5 s). */
export class PseudonymResolver {
  private map = new Map<string, string>();
  private loadedAt = -Infinity;
  constructor(private readonly deps: Pick<AppDeps, 'directory' | 'pseudonyms'>) {}

  async resolve(pseudonym: string, nowMs: number): Promise<string | undefined> {
    const hit = this.map.get(pseudonym);
    if (hit !== undefined || nowMs - this.loadedAt < 5000) return hit;
    const homes = await this.deps.directory.listHomes();
    this.map = new Map(homes.map((h) => [this.deps.pseudonyms.home(h.homeId), h.homeId]));
    this.loadedAt = nowMs;
    return this.map.get(pseudonym);
  }
}

interface Ctx {
  caller: Caller;
  homeId: string;
  ids: IdView;
}

export function mountRoutes(app: express.Express, routes: readonly AnyRoute[], deps: AppDeps): void {
  const resolver = new PseudonymResolver(deps);
  const json = express.json({ limit: deps.settings.bodyLimitBytes, strict: true, type: () => true });
  const text = express.text({ limit: deps.settings.bodyLimitBytes, type: () => true });
  const paths = new Set<string>();

  for (const r of routes) {
    paths.add(r.path);
    const chain: RequestHandler[] = [
      timer(r, deps),
      wrap(async (req, res) => {
        res.locals.ctx = { caller: await authenticate(r, req, deps), homeId: '', ids: rawIds } satisfies Ctx;
      }),
    ];
    if (r.body) {
      chain.push((req, _res, next) => {
        if (!req.is('application/json')) {
          next(
            new ApiProblem(
              'unsupported_media_type',
              `Content-Type must be application/json, got ${req.headers['content-type'] ?? '(none)'}`,
            ),
          );
          return;
        }
        next();
      });
      chain.push(r.body.kind === 'contract' ? text : json);
    }
    chain.push(
      wrap(async (req, res) => {
        const ctx = res.locals.ctx as Ctx;
        // Authorisation right after the path: a caller refused a home learns nothing from its query or body checks.
        const params = check(r.params, req.params, 'params');
        await authorise(r, ctx, params as Record<string, unknown> | undefined, deps, resolver);
        const query = check(r.query, req.query, 'query');
        const body =
          r.body?.kind === 'json'
            ? check(r.body.schema, req.body, 'body')
            : r.body
              ? String(req.body ?? '')
              : undefined;
        const result = await r.handler({
          params,
          query,
          body,
          caller: ctx.caller,
          homeId: ctx.homeId,
          ids: ctx.ids,
          now: deps.now(),
        });
        for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
        const status = result.status ?? r.response.status;
        if (result.text !== undefined) {
          if (!res.getHeader('Content-Type')) res.type(r.response.contentType ?? 'text/plain');
          res.status(status).send(result.text);
          return;
        }
        if (r.response.schema === undefined) {
          res.status(status).end();
          return;
        }
        const checked = r.response.schema.safeParse(result.body);
        if (!checked.success) {
          deps.log.error('response does not match its schema', {
            route: r.id,
            issues: checked.error.issues.slice(0, 5),
          });
          throw new ApiProblem('internal', 'the response did not match its schema');
        }
        res.status(status).json(checked.data);
      }),
    );
    app[r.method](expressPath(r.path), ...chain);
  }
  // A known path with another method: 405 with Allow, not a 404 that would hide the route.
  for (const path of paths) {
    const allow = routes.filter((r) => r.path === path).map((r) => r.method.toUpperCase());
    app.all(expressPath(path), (_req, res, next) => {
      res.setHeader('Allow', allow.join(', '));
      next(new ApiProblem('method_not_allowed', `allowed: ${allow.join(', ')}`));
    });
  }
}

function check(schema: AnyRoute['params'], value: unknown, where: 'params' | 'query' | 'body'): unknown {
  if (schema === undefined) {
    // A route without a query schema accepts no query parameters either.
    if (where === 'query' && value && typeof value === 'object' && Object.keys(value).length > 0) {
      const first = Object.keys(value)[0] as string;
      throw new ApiProblem('unknown_field', `query.${first}: this route takes no query parameters`, {
        field: `query.${first}`,
      });
    }
    return undefined;
  }
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!parsed.success) throw problemFromIssues(where, parsed.error.issues);
  return parsed.data;
}

async function authenticate(r: AnyRoute, req: Request, deps: AppDeps): Promise<Caller> {
  const access = r.access;
  try {
    switch (access.kind) {
      case 'public':
        return { kind: 'anonymous' };
      case 'user':
        return { kind: 'user', user: await deps.verifier.verify(req.headers.authorization) };
      case 'secret': {
        const expected = access.secret === 'alerts' ? deps.secrets.alertWebhookToken : deps.secrets.metricsToken;
        const code = access.secret === 'alerts' ? 'webhook_secret_invalid' : 'metrics_secret_invalid';
        const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
        if (!match || !sharedSecretMatches(match[1] as string, expected)) throw new ApiProblem(code);
        return { kind: 'secret', secret: access.secret };
      }
      case 'device': {
        const header = req.headers.authorization;
        if (header === undefined || header === '') throw new ApiProblem('token_missing');
        const parts = parseDeviceToken(/^Bearer (\S+)$/.exec(header)?.[1] ?? '');
        if (!parts) throw new ApiProblem('token_malformed', 'expected "Authorization: Bearer crd.<id>.<secret>"');
        const row = await deps.devices.byTokenId(parts.tokenId);
        if (!row || row.revoked || !secretMatches(parts.secret, row.tokenSha256))
          throw new ApiProblem('device_token_invalid');
        return { kind: 'device', device: { homeId: row.homeId, deviceId: row.deviceId, kind: row.kind } };
      }
    }
  } catch (err) {
    if (isApiProblem(err) && err.status === 401) deps.metrics.authFailures.inc({ reason: err.code });
    throw err;
  }
}

async function authorise(
  r: AnyRoute,
  ctx: Ctx,
  params: Record<string, unknown> | undefined,
  deps: AppDeps,
  resolver: PseudonymResolver,
): Promise<void> {
  if (r.access.kind !== 'user' || ctx.caller.kind !== 'user') return;
  const user = ctx.caller.user;
  const role = actingRole(user.roles, r.access);
  if (role === undefined) {
    deps.metrics.authzRefusals.inc({ reason: 'role_forbidden', route: r.id });
    throw new ApiProblem('role_forbidden', `needs one of: ${r.access.roles.join(', ')}`);
  }
  ctx.ids = viewFor(role) === 'pseudonymous' ? pseudonymousIds(deps.pseudonyms) : rawIds;
  const scope = r.access.home;
  if (!scope) return;
  const requested = String(params?.[scope.param] ?? '');
  let raw: string | undefined;
  let facts: { exists: boolean; member: boolean };
  if (role === 'analyst') {
    raw = scope.mode === 'write' ? undefined : await resolver.resolve(requested, deps.now().getTime());
    facts = { exists: raw !== undefined, member: false };
  } else if (role === 'operator') {
    raw = requested;
    facts = { exists: (await deps.directory.getHome(requested)) !== null, member: false };
  } else {
    // Homeowners: one membership query whether or not the home exists (same answer, same work).
    raw = requested;
    const member = await deps.directory.isMember(user.subject, requested);
    facts = { exists: member, member };
  }
  const decision = decideHome(role, scope.mode, facts);
  if (!decision.allow) {
    deps.metrics.authzRefusals.inc({ reason: decision.code, route: r.id });
    throw decision.code === 'home_not_found'
      ? new ApiProblem('home_not_found', undefined, { field: `params.${scope.param}` })
      : new ApiProblem('role_forbidden', `${role}s may not change a home`);
  }
  ctx.homeId = raw as string;
}

function timer(r: AnyRoute, deps: AppDeps): RequestHandler {
  return (_req, res, next) => {
    const end = deps.metrics.latency.startTimer({ method: r.method, route: r.id });
    res.on('finish', () => {
      end();
      deps.metrics.requests.inc({ method: r.method, route: r.id, status: String(res.statusCode) });
    });
    next();
  };
}

function wrap(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).then(() => {
      if (!res.headersSent) next();
    }, next);
  };
}

/** Express error middleware: every error leaves as application/problem+json. */
export function problemHandler(deps: Pick<AppDeps, 'log'>) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const problem = toProblem(err);
    if (problem.status >= 500)
      deps.log.error('request failed', { path: req.path, method: req.method, err, cause: (err as Error)?.cause });
    for (const [k, v] of Object.entries(problem.extra.headers ?? {})) res.setHeader(k, v);
    if (problem.status === 401 && !res.getHeader('WWW-Authenticate')) res.setHeader('WWW-Authenticate', 'Bearer');
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify(problem.body(req.originalUrl.split('?')[0])));
  };
}

/** Any thrown value as a problem: body-parser's errors get their own codes, anything unknown is `internal`. */
export function toProblem(err: unknown): ApiProblem {
  if (isApiProblem(err)) return err;
  if (err instanceof DependencyUnavailable)
    return new ApiProblem('dependency_unavailable', err.message, { cause: err });
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new ApiProblem('payload_too_large', undefined, { cause: err });
  if (type === 'entity.parse.failed') return new ApiProblem('bad_json', 'the body is not valid JSON', { cause: err });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new ApiProblem('unsupported_media_type', (err as Error).message, { cause: err });
  if (type === 'request.aborted') return new ApiProblem('bad_json', 'the request was aborted', { cause: err });
  return new ApiProblem('internal', undefined, { cause: err });
}
