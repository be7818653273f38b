import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { RunRejected, type ParetoView } from '../ports';
import { DEFAULT_PARETO_PRICES_PER_KG, HomeParams, Pareto, ParetoQuery, ROLES } from '../schemas';

/** At most this many CO2 prices are solved per request (the home's chosen price included). */
const MAX_PRICES = 12;

/** The prices to solve: the asked ones (or the defaults) and the home's chosen price, sorted, without repeats. */
export function paretoPrices(asked: readonly number[] | undefined, chosenPerKg: number): number[] {
  const prices = [...new Set([...(asked ?? DEFAULT_PARETO_PRICES_PER_KG), chosenPerKg])].sort((a, b) => a - b);
  if (prices.length <= MAX_PRICES) return prices;
  // Too many: the chosen price stays, with the lowest of the others.
  const others = prices.filter((p) => p !== chosenPerKg).slice(0, MAX_PRICES - 1);
  return [...others, chosenPerKg].sort((a, b) => a - b);
}

export function paretoRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      id: 'optimize.pareto',
      method: 'get',
      path: '/api/optimize/homes/{homeId}/pareto',
      summary:
        "Cost against CO2 of the home's runs still to plan (pins kept): one HiGHS plan per CO2 price, each with its schedule",
      tag: 'optimize',
      access: { kind: 'user', roles: ROLES, home: { param: 'homeId', mode: 'read' } },
      params: HomeParams,
      query: ParetoQuery,
      response: {
        status: 200,
        description: 'The curve (no points when nothing is left to plan); the home’s chosen price is always on it',
        schema: Pareto,
      },
      errors: [404, 422, 503],
      handler: async ({ homeId, query, ids }) => {
        const preferences = await deps.directory.getPreferences(homeId);
        const prices = paretoPrices(query.co2PricesPerKg, preferences.co2PricePerKg);
        let view: ParetoView | null;
        try {
          view = await deps.planner.pareto(homeId, prices);
        } catch (err) {
          if (err instanceof RunRejected) {
            if (err.message.startsWith('NoForecast'))
              throw new ApiProblem('forecast_not_found', err.message, { cause: err });
            throw new ApiProblem('run_rejected', err.message, { cause: err });
          }
          throw new ApiProblem('dependency_unavailable', 'the optimizer did not answer', { cause: err });
        }
        return {
          body: {
            homeId: ids.home(homeId),
            computedAt: view?.computedAt ?? null,
            tariff: view?.tariff ?? null,
            forecastIssuedAt: view?.forecastIssuedAt ?? null,
            forecastModelVersion: view?.forecastModelVersion ?? null,
            chosenCo2PricePerKg: preferences.co2PricePerKg,
            points: (view?.points ?? []).map((p) => ({
              ...p,
              runs: p.runs.map((r) => ({ ...r, deviceId: ids.device(homeId, r.deviceId) })),
            })),
          },
        };
      },
    }),
  ];
}
