/**
 * A small MILP writer: columns by name, rows as sparse sums, so the model builder stays readable. It emits the
 * model two ways: numeric arrays (`toProblem`, handed to the solver directly, no text to write or parse) and
 * CPLEX-LP text (`toString`, for solvers that read files and for people).
 */
import type { BuiltModel, MilpProblem } from './types';

export type Term = [coef: number, column: string];

const positionsOf = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

/**
 * Column name → position in `names`. Built once per column list: the models derived from one build (cycles held,
 * bounds fixed, dive steps) share its `columnNames` array.
 */
export function columnPositions(names: readonly string[]): ReadonlyMap<string, number> {
  let at = positionsOf.get(names);
  if (!at) {
    const m = new Map<string, number>();
    names.forEach((n, j) => m.set(n, j));
    positionsOf.set(names, (at = m));
  }
  return at;
}

interface Column {
  lower: number;
  upper: number;
  cost: number;
  integer: boolean;
  semi: boolean;
}

interface Row {
  name: string;
  terms: Term[];
  sense: '<=' | '>=' | '=' | 'range';
  rhs: number;
  /** Upper side of a ranged row (`rhs ≤ terms ≤ upper`). */
  upper?: number;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`LP writer: non-finite number ${x}`);
  if (Object.is(x, -0) || Math.abs(x) < 1e-13) return '0';
  return String(Number(x.toPrecision(12)));
}

export class LpWriter {
  private readonly columns = new Map<string, Column>();
  private readonly rows: Row[] = [];

  /** Adds a column; names are unique. */
  column(name: string, lower: number, upper: number, cost = 0, integer = false, semi = false): string {
    const existing = this.columns.get(name);
    if (existing) throw new Error(`LP writer: duplicate column ${name}`);
    this.columns.set(name, { lower, upper, cost, integer, semi });
    return name;
  }

  setInteger(name: string, integer: boolean): void {
    const c = this.columns.get(name);
    if (!c) throw new Error(`LP writer: unknown column ${name}`);
    c.integer = integer;
  }

  addCost(name: string, cost: number): void {
    const c = this.columns.get(name);
    if (!c) throw new Error(`LP writer: unknown column ${name}`);
    c.cost += cost;
  }

  row(name: string, terms: Term[], sense: '<=' | '>=' | '=', rhs: number): void {
    this.rows.push({ name, terms, sense, rhs });
  }

  /** A ranged row `lower ≤ terms ≤ upper` (one row for the solver; two in the LP text). */
  range(name: string, terms: Term[], lower: number, upper: number): void {
    this.rows.push({ name, terms, sense: 'range', rhs: lower, upper });
  }

  get integerCount(): number {
    let n = 0;
    for (const c of this.columns.values()) if (c.integer || c.semi) n++;
    return n;
  }
  get columnCount(): number {
    return this.columns.size;
  }
  get rowCount(): number {
    return this.rows.length;
  }

  /**
   * The model as arrays (rows compressed, CSR). Rows without a non-zero term are left out, as in the LP text;
   * terms on the same column within a row are summed.
   */
  toProblem(): MilpProblem {
    const names = [...this.columns.keys()];
    const at = columnPositions(names);
    const n = names.length;
    const colCost = new Float64Array(n);
    const colLower = new Float64Array(n);
    const colUpper = new Float64Array(n);
    const integrality = new Int32Array(n);
    let j = 0;
    for (const c of this.columns.values()) {
      colCost[j] = c.cost;
      colLower[j] = c.lower;
      colUpper[j] = c.upper;
      // HiGHS variable types: 0 continuous, 1 integer, 2 semi-continuous.
      integrality[j] = c.semi ? 2 : c.integer ? 1 : 0;
      j++;
    }
    const rowNames: string[] = [];
    const rowLower: number[] = [];
    const rowUpper: number[] = [];
    const starts: number[] = [0];
    let nnz = 0;
    for (const r of this.rows) nnz += r.terms.length;
    const indices = new Int32Array(nnz);
    const values = new Float64Array(nnz);
    // Where column j sits in the row being written (k + 1, stamped per row), to sum repeated terms.
    const slot = new Int32Array(n);
    const stamp = new Int32Array(n).fill(-1);
    let q = 0;
    this.rows.forEach((r, ri) => {
      const first = q;
      for (const [coef, name] of r.terms) {
        if (coef === 0) continue;
        const col = at.get(name);
        if (col === undefined) throw new Error(`LP writer: row ${r.name} uses unknown column ${name}`);
        if (stamp[col] === ri) values[slot[col] as number] = (values[slot[col] as number] as number) + coef;
        else {
          stamp[col] = ri;
          slot[col] = q;
          indices[q] = col;
          values[q] = coef;
          q++;
        }
      }
      if (q === first) return;
      rowNames.push(r.name);
      rowLower.push(r.sense === '<=' ? -Infinity : r.rhs);
      rowUpper.push(r.sense === '>=' ? Infinity : r.sense === 'range' ? (r.upper as number) : r.rhs);
      starts.push(q);
    });
    return {
      columnNames: names,
      colCost,
      colLower,
      colUpper,
      integrality,
      rowNames,
      rowLower: Float64Array.from(rowLower),
      rowUpper: Float64Array.from(rowUpper),
      matrix: { starts: Int32Array.from(starts), indices: indices.slice(0, q), values: values.slice(0, q) },
    };
  }

  toString(): string {
    const out: string[] = ['Minimize'];
    const objTerms: Term[] = [];
    for (const [name, c] of this.columns) if (c.cost !== 0) objTerms.push([c.cost, name]);
    // Every column must appear in the objective or a row for the LP reader to create it; a zero objective is legal.
    out.push(' obj: ' + (objTerms.length ? sum(objTerms) : '0 ' + (this.columns.keys().next().value ?? 'none')));
    out.push('Subject To');
    for (const r of this.rows) {
      const terms = r.terms.filter(([c]) => c !== 0);
      if (terms.length === 0) continue;
      if (r.sense === 'range') {
        // Written as two rows: not every LP reader takes `lower <= expression <= upper`.
        if (r.rhs > -Infinity) out.push(` ${r.name}_lo: ${sum(terms)} >= ${fmt(r.rhs)}`);
        if ((r.upper as number) < Infinity) out.push(` ${r.name}_hi: ${sum(terms)} <= ${fmt(r.upper as number)}`);
      } else out.push(` ${r.name}: ${sum(terms)} ${r.sense} ${fmt(r.rhs)}`);
    }
    out.push('Bounds');
    const binaries: string[] = [];
    for (const [name, c] of this.columns) {
      if (c.integer && c.lower === 0 && c.upper === 1) {
        binaries.push(name);
        continue;
      }
      const lo = c.lower === -Infinity ? '-inf' : fmt(c.lower);
      const hi = c.upper === Infinity ? 'inf' : fmt(c.upper);
      out.push(` ${lo} <= ${name} <= ${hi}`);
    }
    if (binaries.length) {
      out.push('Binaries');
      for (let i = 0; i < binaries.length; i += 12) out.push(' ' + binaries.slice(i, i + 12).join(' '));
    }
    const generals = [...this.columns].filter(([, c]) => c.integer && !(c.lower === 0 && c.upper === 1));
    if (generals.length) {
      out.push('Generals');
      out.push(' ' + generals.map(([n]) => n).join(' '));
    }
    const semis = [...this.columns].filter(([, c]) => c.semi);
    if (semis.length) {
      out.push('Semi-Continuous');
      for (let i = 0; i < semis.length; i += 12)
        out.push(
          ' ' +
            semis
              .slice(i, i + 12)
              .map(([n]) => n)
              .join(' '),
        );
    }
    out.push('End');
    return out.join('\n') + '\n';
  }
}

function sum(terms: Term[]): string {
  const parts: string[] = [];
  terms.forEach(([coef, name], i) => {
    const sign = coef < 0 ? '-' : '+';
    const abs = fmt(Math.abs(coef));
    const term = `${abs === '1' ? '' : abs + ' '}${name}`;
    parts.push(i === 0 ? (coef < 0 ? '- ' : '') + term : `${sign} ${term}`);
    // Keep lines short for the LP reader.
    if (i % 10 === 9 && i !== terms.length - 1) parts.push('\n  ');
  });
  return parts.join(' ');
}

/**
 * CPLEX-LP text of a model given as arrays (the same conventions as `LpWriter.toString`: ranged rows as two, binaries,
 * generals, semi-continuous columns), for models derived from a build by changing bounds or adding rows.
 */
export function problemLp(p: MilpProblem): string {
  const names = p.columnNames;
  const n = names.length;
  const terms = (cols: ArrayLike<number>, vals: ArrayLike<number>, from: number, to: number): Term[] => {
    const out: Term[] = [];
    for (let k = from; k < to; k++)
      if (vals[k] !== 0) out.push([vals[k] as number, names[cols[k] as number] as string]);
    return out;
  };
  const out: string[] = ['Minimize'];
  const objTerms: Term[] = [];
  for (let j = 0; j < n; j++) if (p.colCost[j] !== 0) objTerms.push([p.colCost[j] as number, names[j] as string]);
  out.push(' obj: ' + (objTerms.length ? sum(objTerms) : '0 ' + (names[0] ?? 'none')));
  out.push('Subject To');
  const { starts, indices, values } = p.matrix;
  p.rowNames.forEach((name, i) => {
    const row = terms(indices, values, starts[i] as number, starts[i + 1] as number);
    if (row.length === 0) return;
    const lo = p.rowLower[i] as number;
    const up = p.rowUpper[i] as number;
    if (lo === up) out.push(` ${name}: ${sum(row)} = ${fmt(lo)}`);
    else if (lo > -Infinity && up < Infinity) {
      out.push(` ${name}_lo: ${sum(row)} >= ${fmt(lo)}`);
      out.push(` ${name}_hi: ${sum(row)} <= ${fmt(up)}`);
    } else if (lo > -Infinity) out.push(` ${name}: ${sum(row)} >= ${fmt(lo)}`);
    else if (up < Infinity) out.push(` ${name}: ${sum(row)} <= ${fmt(up)}`);
  });
  out.push('Bounds');
  const binaries: string[] = [];
  const generals: string[] = [];
  const semis: string[] = [];
  for (let j = 0; j < n; j++) {
    const name = names[j] as string;
    const lower = p.colLower[j] as number;
    const upper = p.colUpper[j] as number;
    const kind = p.integrality[j];
    if (kind === 1 && lower === 0 && upper === 1) {
      binaries.push(name);
      continue;
    }
    if (kind === 1) generals.push(name);
    if (kind === 2) semis.push(name);
    out.push(` ${lower === -Infinity ? '-inf' : fmt(lower)} <= ${name} <= ${upper === Infinity ? 'inf' : fmt(upper)}`);
  }
  const list = (title: string, xs: string[]) => {
    if (xs.length === 0) return;
    out.push(title);
    for (let i = 0; i < xs.length; i += 12) out.push(' ' + xs.slice(i, i + 12).join(' '));
  };
  list('Binaries', binaries);
  list('Generals', generals);
  list('Semi-Continuous', semis);
  out.push('End');
  return out.join('\n') + '\n';
}

/**
 * `built` with another problem of the same columns' meaning (bounds changed, rows or columns added), keeping its
 * index. The LP text is written from `problem` only when read: copying a built model with `{ ...built }` would read
 * its lazy `lp` and write the text of the original (6–13 ms for a 96-slot home), on every derived model of a solve.
 */
export function withProblem(built: BuiltModel, problem: MilpProblem): BuiltModel {
  let text: string | undefined;
  return {
    get lp(): string {
      return (text ??= problemLp(problem));
    },
    problem,
    index: built.index,
  };
}
