/**
 * What Grafana does with a rule's query result, for the tests (no Grafana server runs here): split the Flux rows into
 * series by their labels (the group key columns Grafana's InfluxDB data source turns into labels), reduce each series
 * with the rule's Reduce expression and compare it with the rule's Threshold expression. Only the reducers and
 * evaluators our rules declare are implemented; anything else throws, so a new rule cannot be "evaluated" wrongly.
 */
import type { FileRule } from './fileFormat';
import { REF } from './rules';

/** Columns of a Flux row that are not labels (the client's own, the range bounds, the point itself). */
const NOT_LABELS = new Set(['result', 'table', '_start', '_stop', '_time', '_value', '_measurement', '_field']);

export interface DeclaredCondition {
  query: string;
  reducer: string;
  evaluator: { type: string; params: number[] };
}

/** The Flux of query A, B's reducer and C's evaluator, read from the rule as provisioned. */
export function declaredCondition(rule: FileRule): DeclaredCondition {
  const model = (refId: string) => {
    const q = rule.data.find((d) => d.refId === refId);
    if (!q) throw new Error(`rule ${rule.uid} has no query ${refId}`);
    return q.model as Record<string, unknown>;
  };
  const a = model(REF.query) as { query?: string };
  const b = model(REF.reduce) as { type?: string; reducer?: string; expression?: string };
  const c = model(REF.condition) as {
    type?: string;
    expression?: string;
    conditions?: { evaluator: { type: string; params: number[] } }[];
  };
  if (rule.condition !== REF.condition || b.type !== 'reduce' || b.expression !== REF.query)
    throw new Error(`rule ${rule.uid}: expected C = threshold(B), B = reduce(A)`);
  if (c.type !== 'threshold' || c.expression !== REF.reduce || c.conditions?.length !== 1)
    throw new Error(`rule ${rule.uid}: C must be one threshold on B`);
  if (typeof a.query !== 'string' || typeof b.reducer !== 'string')
    throw new Error(`rule ${rule.uid}: A needs a query, B a reducer`);
  return { query: a.query, reducer: b.reducer, evaluator: c.conditions[0]!.evaluator };
}

export interface Instance {
  labels: Record<string, string>;
  /** B: the series reduced. */
  value: number;
  /** C: whether it fires. */
  firing: boolean;
}

function reduce(reducer: string, values: number[]): number {
  switch (reducer) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'last':
      return values[values.length - 1] as number;
    default:
      throw new Error(`reducer ${reducer} is not implemented here`);
  }
}

function compare(evaluator: DeclaredCondition['evaluator'], value: number): boolean {
  const [p] = evaluator.params;
  if (p === undefined) throw new Error('threshold without a parameter');
  if (evaluator.type === 'gt') return value > p;
  if (evaluator.type === 'lt') return value < p;
  throw new Error(`evaluator ${evaluator.type} is not implemented here`);
}

/** One instance per series of the result; an empty result is Grafana's NoData (no instance). */
export function evaluate(condition: DeclaredCondition, rows: readonly Record<string, unknown>[]): Instance[] {
  const series = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const row of rows) {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(row)) if (!NOT_LABELS.has(k) && typeof v === 'string') labels[k] = v;
    const key = JSON.stringify(Object.entries(labels).sort());
    const value = row._value;
    if (typeof value !== 'number') throw new Error(`a row of series ${key} has no numeric _value`);
    const s = series.get(key) ?? { labels, values: [] };
    s.values.push(value);
    series.set(key, s);
  }
  return [...series.values()].map((s) => {
    const value = reduce(condition.reducer, s.values);
    return { labels: s.labels, value, firing: compare(condition.evaluator, value) };
  });
}
