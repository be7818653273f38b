import type { EvaluationResult, HomePlan, HomeRequest } from '@carbonreducer/optimizer';
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite } from './vega';

const CASES = [
  { key: 'baselineKgCO2', label: 'baseline (run at request)', color: '#969696' },
  { key: 'optimizedKgCO2', label: 'plan', color: '#1f77b4' },
  { key: 'perfectKgCO2', label: 'perfect foresight', color: '#2ca02c' },
] as const;

const KINDS = [
  ['dishwasher', 'dishwasher'],
  ['washing_machine', 'washing machine'],
  ['ev', 'EV'],
] as const;

export const EVALUATION_ATTRIBUTION =
  'Data: NESO Carbon Intensity API (CC BY 4.0) / Electricity Maps; REFIT & UK-DALE (CC BY 4.0) via DeviceScope; Caltech ACN-Data (JPL).';

export interface EvaluationBar {
  kind: string;
  case: string;
  kgCO2: number;
  requests: number;
}

/** One bar per load kind and case (baseline, plan, perfect), kg CO2 scored with the actual intensity. */
export function evaluationPlotData(result: EvaluationResult): EvaluationBar[] {
  const groups = [
    ...KINDS.map(([k, label]) => ({ label, r: result.byKind[k] })),
    { label: `all (flex ≥ ${result.flexHours} h)`, r: result },
  ];
  return groups
    .filter((g) => g.r.requests > 0)
    .flatMap((g) => CASES.map((c) => ({ kind: g.label, case: c.label, kgCO2: g.r[c.key], requests: g.r.requests })));
}

/** Emissions by kind: baseline vs plan vs perfect foresight (grouped bars). */
export function evaluationPlotSpec(result: EvaluationResult, forecast: string): TopLevelSpec {
  const data = evaluationPlotData(result);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Optimizer evaluation — forecast ${forecast}, flexibility ${result.flexHours} h`,
      subtitle: [
        `${result.requests} requests: ${result.reductionPct.toFixed(1)} % less CO2 than running at request, ${result.captureOfPerfectPct.toFixed(0)} % of what perfect foresight saves.`,
        EVALUATION_ATTRIBUTION,
      ],
    },
    width: 720,
    height: 320,
    config: { legend: { labelLimit: 400, orient: 'bottom' } },
    data: { values: data },
    mark: 'bar',
    encoding: {
      x: { field: 'kind', type: 'nominal', sort: null, title: 'load', axis: { labelAngle: 0 } },
      xOffset: { field: 'case', type: 'nominal', sort: CASES.map((c) => c.label) },
      y: { field: 'kgCO2', type: 'quantitative', title: 'emissions (kg CO2, actual intensity)' },
      color: {
        field: 'case',
        type: 'nominal',
        title: null,
        scale: { domain: CASES.map((c) => c.label), range: CASES.map((c) => c.color) },
      },
      tooltip: [{ field: 'kind' }, { field: 'case' }, { field: 'kgCO2', format: '.2f' }, { field: 'requests' }],
    },
  };
}

export async function plotEvaluation(
  result: EvaluationResult,
  forecast: string,
): Promise<{ png: Buffer; svg: string }> {
  return renderVegaLite(evaluationPlotSpec(result, forecast));
}

const DEVICE_COLORS = ['#1f77b4', '#e6781e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];

/** Per slot: the intensity forecast, and each device's planned power (kW) stacked in device order. */
export function planPlotData(request: HomeRequest, plan: HomePlan) {
  const slotMs = plan.slotMin * 60_000;
  const at = (i: number): string => new Date(plan.startMs + i * slotMs).toISOString();
  const intensity = request.intensityGPerKWh.slice(0, plan.slotCount).map((g, i) => ({ time: at(i), g }));
  // The last slot's step drawn to its end.
  const last = intensity[intensity.length - 1];
  if (last) intensity.push({ time: at(intensity.length), g: last.g });
  const stackedKW = new Array<number>(plan.slotCount).fill(0);
  const power = plan.devices.flatMap((d) =>
    d.powerW.flatMap((w, i) => {
      const kW = Math.max(0, w) / 1000; // battery discharge (negative) is not a run
      if (kW < 1e-6) return [];
      const from = stackedKW[i] ?? 0;
      stackedKW[i] = from + kW;
      return [{ time: at(i), end: at(i + 1), device: d.label, fromKW: from, toKW: from + kW }];
    }),
  );
  return { intensity, power, devices: plan.devices.map((d) => d.label) };
}

/** A plan: each device's runs (kW per slot) over the intensity forecast the planner saw. */
export function planPlotSpec(request: HomeRequest, plan: HomePlan): TopLevelSpec {
  const data = planPlotData(request, plan);
  const tz = request.timeZone ?? 'UTC';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Plan${plan.homeId ? ` for ${plan.homeId}` : ''}: ${plan.kgCO2Expected.toFixed(2)} kg CO2 expected, ${plan.avoidedKgCO2.toFixed(2)} kg avoided against running at request`,
      subtitle: [
        `Runs (bars, kW) over the grid carbon intensity forecast the planner saw (line); times UTC, the home's clock is ${tz}.`,
        'Intensity data: NESO Carbon Intensity API (CC BY 4.0) / Electricity Maps.',
      ],
    },
    width: 880,
    height: 300,
    layer: [
      {
        data: { values: data.power },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'time', type: 'temporal', title: 'time (UTC)' },
          x2: { field: 'end' },
          y: { field: 'fromKW', type: 'quantitative', title: 'planned power (kW)', scale: { zero: true } },
          y2: { field: 'toKW' },
          color: {
            field: 'device',
            type: 'nominal',
            title: null,
            scale: { domain: data.devices, range: DEVICE_COLORS.slice(0, Math.max(1, data.devices.length)) },
          },
        },
      },
      {
        data: { values: data.intensity },
        mark: { type: 'line', color: '#000000', strokeWidth: 1.6, interpolate: 'step-after' },
        encoding: {
          x: { field: 'time', type: 'temporal' },
          y: {
            field: 'g',
            type: 'quantitative',
            title: 'carbon intensity forecast (gCO2/kWh, black line)',
            axis: { orient: 'right' },
            scale: { zero: false },
          },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

export async function plotPlan(request: HomeRequest, plan: HomePlan): Promise<{ png: Buffer; svg: string }> {
  return renderVegaLite(planPlotSpec(request, plan));
}
