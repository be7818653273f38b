import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { RunRejected, type PlanView } from '../ports';
import { HomeParams, Plan, ROLES, RunPlanned, RunRequestBody } from '../schemas';
import type { IdView } from '../http/route';

/** The workflow's plan view as the API shows it (device ids through the caller's id view). */
export function planBody(homeId: string, view: PlanView | null, ids: IdView) {
  const plan = view?.plan ?? null;
  const device = (d: string): string => ids.device(homeId, d);
  return {
    homeId: ids.home(homeId),
    version: plan?.version ?? null,
    plannedAt: plan?.plannedAt ?? null,
    forecastIssuedAt: plan?.forecastIssuedAt ?? null,
    forecastModelVersion: plan?.forecastModelVersion ?? null,
    runs: (plan?.runs ?? []).map((r) => ({
      requestId: r.requestId,
      deviceId: device(r.deviceId),
      appliance: r.appliance,
      startAt: r.startAt,
      endAt: r.endAt,
      powerW: r.powerW,
      energyWh: r.energyWh,
      emissionsG: r.emissionsG,
      baselineEmissionsG: r.baselineEmissionsG,
      avoidedEmissionsG: r.avoidedEmissionsG,
    })),
    slots: plan?.slots ?? [],
    requests: (view?.requests ?? []).map((r) => ({
      requestId: r.request.requestId,
      deviceId: device(r.request.deviceId),
      appliance: r.request.appliance,
      status: r.status,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      ...(r.pin !== undefined ? { pin: r.pin } : {}),
    })),
    commands: (view?.commands ?? []).map((c) => ({
      deviceId: device(c.deviceId),
      requestId: c.requestId,
      action: c.action,
      at: c.at,
      status: c.status,
    })),
    expectedAvoidedEmissionsG: view?.expectedAvoidedEmissionsG ?? 0,
    verifiedAvoidedEmissionsG: view?.verifiedAvoidedEmissionsG ?? 0,
    verifiedRuns: (view?.verifiedRuns ?? []).map((v) => ({
      requestId: v.requestId,
      deviceId: device(v.deviceId),
      status: v.status,
      expectedAvoidedG: v.expectedAvoidedG,
      avoidedG: v.avoidedG ?? null,
    })),
  };
}

export function optimizeRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      id: 'optimize.runs.request',
      method: 'post',
      path: '/api/optimize/homes/{homeId}/runs',
      summary: "Ask the home's optimizer for a run (Temporal update on optimize-home/{homeId}); resolves once planned",
      tag: 'optimize',
      access: { kind: 'user', roles: ['homeowner', 'operator'], home: { param: 'homeId', mode: 'write' } },
      params: HomeParams,
      body: { kind: 'json', schema: RunRequestBody },
      response: {
        status: 201,
        description: 'Planned (the same idempotency key returns the same plan)',
        schema: RunPlanned,
      },
      errors: [409, 503],
      handler: async ({ homeId, body }) => {
        const home = await deps.directory.getHome(homeId);
        if (!home) throw new ApiProblem('home_not_found');
        if (!home.active) throw new ApiProblem('home_inactive');
        const { idempotencyKey, ...rest } = body;
        try {
          const planned = await deps.planner.requestRun(homeId, home.region, { requestId: idempotencyKey, ...rest });
          return { body: planned };
        } catch (err) {
          if (err instanceof RunRejected) throw new ApiProblem('run_rejected', err.message, { cause: err });
          throw new ApiProblem('dependency_unavailable', 'the optimizer did not answer', { cause: err });
        }
      },
    }),
    route({
      id: 'optimize.plan',
      method: 'get',
      path: '/api/optimize/homes/{homeId}/plan',
      summary: "The home's current plan: runs, slots, requests, commands and expected avoided emissions",
      tag: 'optimize',
      access: { kind: 'user', roles: ROLES, home: { param: 'homeId', mode: 'read' } },
      params: HomeParams,
      response: { status: 200, description: 'The plan (empty when no optimizer runs for the home)', schema: Plan },
      errors: [503],
      handler: async ({ homeId, ids }) => {
        let view: PlanView | null;
        try {
          view = await deps.planner.currentPlan(homeId);
        } catch (err) {
          throw new ApiProblem('dependency_unavailable', 'the optimizer did not answer', { cause: err });
        }
        return { body: planBody(homeId, view, ids) };
      },
    }),
  ];
}
