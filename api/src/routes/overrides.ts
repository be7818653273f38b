import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../deps';
import { ApiProblem, type FieldError } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { OverrideRefused, type OverrideInput, type OverrideOutcome, type OverrideRefusalCode } from '../ports';
import { HomeParams, OverrideBody, OverrideResult, PinBody, PinsBody, RunParams } from '../schemas';

/** Homeowners of the home and operators change runs; analysts read only (403 role_forbidden). */
const WRITE = { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'write' } } as const;

/** Where a refusal points in the request, so a client can show it next to the field. */
function fieldOf(code: OverrideRefusalCode, pinIndex: number | undefined): string {
  const body = pinIndex === undefined ? 'body' : `body.pins.${pinIndex}`;
  switch (code) {
    case 'window_in_past':
    case 'window_too_far':
      return `${body}.to`;
    case 'window_too_short':
    case 'window_invalid':
      return `${body}.from`;
    default:
      return pinIndex === undefined ? 'params.requestId' : `${body}.requestId`;
  }
}

/**
 * Applies overrides through the home's optimizer (its `overrideRuns` update); the workflow's validator decides, and
 * every refusal is counted by reason (`carbonreducer_api_override_refusals_total`).
 */
async function override(deps: AppDeps, homeId: string, input: OverrideInput): Promise<OverrideOutcome> {
  const home = await deps.directory.getHome(homeId);
  if (!home) throw new ApiProblem('home_not_found');
  if (!home.active) throw new ApiProblem('home_inactive');
  try {
    return await deps.planner.overrideRuns(homeId, input);
  } catch (err) {
    if (!(err instanceof OverrideRefused)) {
      throw new ApiProblem('dependency_unavailable', 'the optimizer did not answer', { cause: err });
    }
    for (const r of err.refusals) deps.metrics.overrideRefusals.inc({ reason: r.code });
    const batch = input.overrides.length > 1;
    const errors: FieldError[] = err.refusals.map((r) => {
      const index = input.overrides.findIndex((o) => o.requestId === r.requestId);
      return { field: fieldOf(r.code, batch && index >= 0 ? index : undefined), code: r.code, message: r.message };
    });
    const code = err.refusals.every((r) => r.code === 'unknown_run') ? 'run_not_found' : 'override_refused';
    throw new ApiProblem(code, err.message, { field: errors[0]?.field, errors, cause: err });
  }
}

export function overrideRoutes(deps: AppDeps): AnyRoute[] {
  const overrideId = (key: string | undefined): string => key ?? randomUUID();
  return [
    route({
      id: 'optimize.runs.startNow',
      method: 'post',
      path: '/api/optimize/homes/{homeId}/runs/{requestId}/start-now',
      summary: 'Start a planned run now: the start command goes to the device at once (resolves once it has left)',
      tag: 'optimize',
      access: WRITE,
      params: RunParams,
      body: { kind: 'json', schema: OverrideBody },
      response: {
        status: 200,
        description: 'Started: the run, the new plan version and the command',
        schema: OverrideResult,
      },
      errors: [404, 409, 503],
      handler: async ({ homeId, params, body }) => ({
        body: await override(deps, homeId, {
          overrideId: overrideId(body.idempotencyKey),
          overrides: [{ requestId: params.requestId, action: 'start-now' }],
        }),
      }),
    }),
    route({
      id: 'optimize.runs.cancel',
      method: 'post',
      path: '/api/optimize/homes/{homeId}/runs/{requestId}/cancel',
      summary: 'Cancel a run that has not started; its pending commands are cancelled and the rest re-planned',
      tag: 'optimize',
      access: WRITE,
      params: RunParams,
      body: { kind: 'json', schema: OverrideBody },
      response: { status: 200, description: 'Cancelled, with the new plan version', schema: OverrideResult },
      errors: [404, 409, 503],
      handler: async ({ homeId, params, body }) => ({
        body: await override(deps, homeId, {
          overrideId: overrideId(body.idempotencyKey),
          overrides: [{ requestId: params.requestId, action: 'cancel' }],
        }),
      }),
    }),
    route({
      id: 'optimize.runs.pin',
      method: 'post',
      path: '/api/optimize/homes/{homeId}/runs/{requestId}/pin',
      summary: 'Pin a run to a window: the plan is re-solved with it as a constraint, and every later re-plan keeps it',
      tag: 'optimize',
      access: WRITE,
      params: RunParams,
      body: { kind: 'json', schema: PinBody },
      response: { status: 200, description: 'Pinned: where the run now starts', schema: OverrideResult },
      errors: [404, 409, 503],
      handler: async ({ homeId, params, body }) => ({
        body: await override(deps, homeId, {
          overrideId: overrideId(body.idempotencyKey),
          overrides: [{ requestId: params.requestId, action: 'pin', window: { from: body.from, to: body.to } }],
        }),
      }),
    }),
    route({
      id: 'optimize.runs.pins',
      method: 'post',
      path: '/api/optimize/homes/{homeId}/pins',
      summary: 'Pin several runs at once (apply a point of the Pareto curve): one change, one re-plan',
      tag: 'optimize',
      access: WRITE,
      params: HomeParams,
      body: { kind: 'json', schema: PinsBody },
      response: { status: 200, description: 'Pinned: where each run now starts', schema: OverrideResult },
      errors: [404, 409, 503],
      handler: async ({ homeId, body }) => ({
        body: await override(deps, homeId, {
          overrideId: overrideId(body.idempotencyKey),
          overrides: body.pins.map((p) => ({
            requestId: p.requestId,
            action: 'pin' as const,
            window: { from: p.from, to: p.to },
          })),
        }),
      }),
    }),
  ];
}
