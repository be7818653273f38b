import type { EvaluateArgs, EvaluateOutcome, ParetoPoint } from '@carbonreducer/optimizer';
import Table from 'cli-table3';

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const f3 = (x: number): string => x.toFixed(3);

const table = (head: string[], rows: string[][]): string => {
  const t = new Table({
    head,
    colAligns: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    style: { head: [], border: [] },
    // No line between rows.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  t.push(...rows);
  return t.toString();
};

/** The readable report of `optimizer evaluate` (cli-table3): figures by kind, the model the planner saw, attribution. */
export function evaluateText(args: EvaluateArgs, o: EvaluateOutcome): string {
  const { result } = o;
  const row = (label: string, r: EvaluateOutcome['result']['lessFlexible']): string[] => [
    label,
    String(r.requests),
    String(r.infeasible),
    f2(r.baselineKgCO2),
    f2(r.optimizedKgCO2),
    f2(r.perfectKgCO2),
    f1(r.reductionPct),
    f1(r.captureOfPerfectPct),
  ];
  return [
    `Forecast: ${args.forecast} (${result.replan ? 're-planned every 30 min while not started' : 'planned once'}); flexibility: ${args.flexHours} h; 30-minute slots; CO2 scored with the actual intensity.`,
    '"ev, less flexible": sessions whose request leaves under the flexibility; not in "all".',
    table(
      ['load', 'requests', 'infeasible', 'baseline kg', 'optimized kg', 'perfect kg', 'reduction %', 'capture %'],
      [
        ...(['dishwasher', 'washing_machine', 'ev'] as const).map((k) => row(k, result.byKind[k])),
        row(`all (flex ≥ ${args.flexHours} h)`, result),
        row('ev, less flexible', result.lessFlexible),
      ],
    ),
    ...(o.model
      ? [
          `Model: champion ${o.model.version}, trained on ${o.model.trainingWindow.from} – ${o.model.trainingWindow.to} (requests mapped into that window are in-sample).`,
        ]
      : []),
    'Data: NESO Carbon Intensity API (CC BY 4.0) / Electricity Maps; REFIT & UK-DALE (CC BY 4.0) via DeviceScope;',
    'Caltech ACN-Data (JPL).',
  ].join('\n');
}

/** The sweep of `optimizer pareto` (cli-table3): CO2 price → expected cost and CO2. */
export function paretoText(points: ParetoPoint[]): string {
  return table(
    ['CO2 price /kg', 'cost', 'kg CO2', 'avoided kg CO2', 'status'],
    points.map((p) => [
      f3(p.co2PricePerKg),
      f3(p.costExpected),
      f3(p.kgCO2Expected),
      f3(p.plan.avoidedKgCO2),
      p.plan.status,
    ]),
  );
}
