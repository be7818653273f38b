/* eslint-disable no-console -- a command-line check: printing its figures is its job */
/**
 * Sanity check of the evaluation, independent of its code: on the NESO half-hourly file, the best achievable CO2
 * reduction for a constant-power 2 h load that may start at any half-hour from its request up to N h later, for a
 * request at every half-hour (and at a few times of day), with perfect foresight and with the operator's forecast
 * column. Brute force, no solver.
 *
 *   npx tsx libs/optimizer/scripts/best-achievable.ts [FILE]   (default: $CARBONREDUCER_DATA/carbon-intensity/neso-gb-national-2023H1.csv)
 *
 * Data: NESO Carbon Intensity API, CC BY 4.0.
 */
import { readTextFile, sharedDataPath } from '@carbonreducer/datasets';

const SLOT_MS = 30 * 60_000;

async function main(): Promise<void> {
  const file = process.argv[2] ?? sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv');
  const rows = (await readTextFile(file)).trim().split('\n').slice(1);
  const parsed = rows.map((line) => {
    const [from, , forecast, actual] = line.split(',');
    const num = (s: string | undefined) => (s === undefined || s === '' ? Number.NaN : Number(s));
    return { ms: Date.parse((from ?? '').replace(' ', 'T')), forecast: num(forecast), actual: num(actual) };
  });
  const t0 = parsed[0]?.ms ?? Number.NaN;
  const n = Math.round(((parsed[parsed.length - 1]?.ms ?? t0) - t0) / SLOT_MS) + 1;
  const actual = new Array<number>(n).fill(Number.NaN);
  const operator = new Array<number>(n).fill(Number.NaN);
  for (const p of parsed) {
    const i = Math.round((p.ms - t0) / SLOT_MS);
    actual[i] = p.actual;
    operator[i] = p.forecast;
  }
  // Missing slots: carry the previous value (a handful in the file).
  let filled = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(actual[i])) [actual[i], filled] = [i > 0 ? (actual[i - 1] as number) : 0, filled + 1];
    if (Number.isNaN(operator[i])) operator[i] = actual[i] as number;
  }
  const sum2h = (v: number[], s: number) =>
    (v[s] as number) + (v[s + 1] as number) + (v[s + 2] as number) + (v[s + 3] as number);
  const hourOf = (i: number) => new Date(t0 + i * SLOT_MS).getUTCHours();
  /**
   * For a 2 h load requested at half-hour t that may start up to `flex` half-hours later: the lowest sum of actual
   * intensity over its 2 h (perfect foresight) and the start a forecast picks — its first minimum, plus `waitCost`
   * (g/kWh) per half-hour of delay, and no wait at all unless the forecast gains at least `hurdle` g/kWh.
   */
  const choose = (forecast: number[], t: number, flex: number, hurdle = 0, waitCost = 0) => {
    let [bestKg, start, startValue] = [Infinity, t, sum2h(forecast, t)];
    for (let s = t; s <= t + flex; s++) {
      bestKg = Math.min(bestKg, sum2h(actual, s));
      const value = sum2h(forecast, s) + 4 * waitCost * (s - t);
      if (value < startValue - 1e-9) [start, startValue] = [s, value];
    }
    if (sum2h(forecast, t) - startValue < 4 * hurdle) start = t;
    return { bestKg, start };
  };
  const out: string[] = [`${file}: ${n} half-hours, ${filled} missing (carried forward)`, ''];
  out.push('flex h  requests at       n      perfect %  operator %  operator capture %');
  for (const flexH of [4, 8, 12, 16, 24]) {
    const flex = flexH * 2;
    for (const [label, keep] of [
      ['every half-hour', () => true],
      ['07:00-09:00 UTC', (i: number) => hourOf(i) >= 7 && hourOf(i) < 9],
      ['17:00-20:00 UTC', (i: number) => hourOf(i) >= 17 && hourOf(i) < 20],
    ] as const) {
      let base = 0;
      let best = 0;
      let op = 0;
      let count = 0;
      for (let t = 0; t + 4 + flex <= n; t++) {
        if (!keep(t)) continue;
        const { bestKg, start: opStart } = choose(operator, t, flex);
        base += sum2h(actual, t);
        best += bestKg;
        op += sum2h(actual, opStart);
        count++;
      }
      const pct = (x: number) => ((100 * x) / base).toFixed(1).padStart(9);
      out.push(
        `${String(flexH).padStart(6)}  ${label.padEnd(15)} ${String(count).padStart(6)} ${pct(base - best)}  ${pct(base - op)}   ${((100 * (base - op)) / (base - best)).toFixed(1).padStart(12)}`,
      );
    }
  }
  // Where the operator forecast loses, at 8 h: requests ranked by how much perfect foresight could save.
  const requests: { possible: number; lost: number }[] = [];
  for (let t = 0; t + 4 + 16 <= n; t++) {
    const { bestKg, start: opStart } = choose(operator, t, 16);
    requests.push({ possible: sum2h(actual, t) - bestKg, lost: sum2h(actual, opStart) - bestKg });
  }
  requests.sort((a, b) => a.possible - b.possible);
  const total = (r: typeof requests, k: 'possible' | 'lost') => r.reduce((x, y) => x + y[k], 0);
  out.push('', 'operator forecast, 8 h: requests in quarters of what perfect foresight could save');
  out.push('quarter  share of possible saving  share of the lost saving  capture %');
  for (let q = 0; q < 4; q++) {
    const part = requests.slice(Math.floor((q * requests.length) / 4), Math.floor(((q + 1) * requests.length) / 4));
    const [p, l] = [total(part, 'possible'), total(part, 'lost')];
    out.push(
      `${String(q + 1).padStart(7)}  ${((100 * p) / total(requests, 'possible')).toFixed(1).padStart(23)}  ${((100 * l) / total(requests, 'lost')).toFixed(1).padStart(23)}  ${(p > 0 ? (100 * (p - l)) / p : Number.NaN).toFixed(1).padStart(9)}`,
    );
  }
  // Can a smarter decision rule on the same operator forecast close the gap to 90 %? Rules fitted on January – March
  // and scored on April – June, 8 h: a hurdle (wait only when the forecast gain beats it, g/kWh), a cost per half-hour
  // of waiting (g/kWh), and the forecast minus its mean error by half-hour of day on January – March.
  const split = Math.round((Date.parse('2023-04-01T00:00:00Z') - t0) / SLOT_MS);
  const meanError = new Array<number>(48).fill(0);
  const counts = new Array<number>(48).fill(0);
  for (let i = 0; i < split; i++) {
    meanError[i % 48] = (meanError[i % 48] as number) + (operator[i] as number) - (actual[i] as number);
    counts[i % 48] = (counts[i % 48] as number) + 1;
  }
  const debiased = operator.map((v, i) => v - (meanError[i % 48] as number) / Math.max(1, counts[i % 48] as number));
  const capture = (forecast: number[], from: number, to: number, hurdle: number, waitCost: number) => {
    let [base, best, got] = [0, 0, 0];
    for (let t = from; t + 4 + 16 <= to; t++) {
      const { bestKg, start } = choose(forecast, t, 16, hurdle, waitCost);
      [base, best, got] = [base + sum2h(actual, t), best + bestKg, got + sum2h(actual, start)];
    }
    return (100 * (base - got)) / (base - best);
  };
  out.push('', 'operator forecast, 8 h, decision rules fitted on Jan-Mar, capture % on Apr-Jun');
  out.push('forecast          hurdle g/kWh  wait cost g/kWh per 30 min  capture % Jan-Mar  capture % Apr-Jun');
  for (const [label, forecast] of [
    ['operator', operator],
    ['operator debiased', debiased],
  ] as const) {
    for (const [hurdle, waitCost] of [
      [0, 0],
      [2, 0],
      [8, 0],
      [0, 0.2],
      [0, 1],
    ] as const) {
      out.push(
        `${label.padEnd(17)} ${String(hurdle).padStart(12)}  ${String(waitCost).padStart(26)}  ${capture(forecast, 0, split, hurdle, waitCost).toFixed(1).padStart(17)}  ${capture(forecast, split, n, hurdle, waitCost).toFixed(1).padStart(17)}`,
      );
    }
  }
  out.push('', 'Data: NESO Carbon Intensity API (CC BY 4.0).');
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
