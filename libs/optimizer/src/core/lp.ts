/** A small CPLEX-LP text writer: columns by name, rows as sparse sums, so the model builder stays readable. */

export type Term = [coef: number, column: string];

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
  sense: '<=' | '>=' | '=';
  rhs: number;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`LP writer: non-finite number ${x}`);
  if (Object.is(x, -0) || Math.abs(x) < 1e-13) return '0';
  return String(Number(x.toPrecision(12)));
}

export class LpWriter {
  private readonly columns = new Map<string, Column>();
  private readonly rows: Row[] = [];

  /** Adds a column; costs accumulate if the name exists. */
  column(name: string, lower: number, upper: number, cost = 0, integer = false, semi = false): string {
    const existing = this.columns.get(name);
    if (existing) throw new Error(`LP writer: duplicate column ${name}`);
    this.columns.set(name, { lower, upper, cost, integer, semi });
    return name;
  }

  addCost(name: string, cost: number): void {
    const c = this.columns.get(name);
    if (!c) throw new Error(`LP writer: unknown column ${name}`);
    c.cost += cost;
  }

  row(name: string, terms: Term[], sense: Row['sense'], rhs: number): void {
    this.rows.push({ name, terms, sense, rhs });
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
      out.push(` ${r.name}: ${sum(terms)} ${r.sense} ${fmt(r.rhs)}`);
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
