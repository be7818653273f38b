/** Splits one CSV line on `sep`, honouring double quotes (the Electricity Maps files quote nothing today, but may). */
export function splitCsvLine(line: string, sep = ','): string[] {
  if (!line.includes('"')) return line.split(sep);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function csvLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim().length > 0);
}

export class DatasetParseError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    message: string,
  ) {
    super(`${source}:${line}: ${message}`);
    this.name = 'DatasetParseError';
  }
}

/** A number or null for an empty field; throws on anything else. */
export function optionalNumber(raw: string | undefined, source: string, line: number, column: string): number | null {
  const s = (raw ?? '').trim();
  if (s === '') return null;
  const n = Number(s);
  if (!Number.isFinite(n))
    throw new DatasetParseError(source, line, `column ${column}: not a number: ${JSON.stringify(s)}`);
  return n;
}

/** Parses `YYYY-MM-DD HH:MM:SS[+00:00]` (or ISO 8601) as UTC milliseconds. */
export function parseUtcTimestamp(raw: string | undefined, source: string, line: number): number {
  const s = (raw ?? '').trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) throw new DatasetParseError(source, line, `not a timestamp: ${JSON.stringify(s)}`);
  const [, y, mo, d, h, mi, sec, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}
