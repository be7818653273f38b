import { DatasetParseError, parseUtcTimestamp, splitCsvLine } from './csv';

/** A real appliance power trace: `powerW[i]` held from `timeMs[i]` to the next sample. */
export interface ApplianceTrace {
  source: string;
  appliance: string;
  timeMs: Float64Array;
  powerW: Float64Array;
}

/** DeviceScope example cycle: `Time,<Appliance>` at 30 s. */
export function parseDeviceScopeCycle(text: string, source = 'cycle.csv'): ApplianceTrace {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '');
  if (header[0] !== 'Time' || header.length !== 2) {
    throw new DatasetParseError(source, 1, `expected header "Time,<Appliance>", got ${JSON.stringify(lines[0] ?? '')}`);
  }
  const timeMs = new Float64Array(lines.length - 1);
  const powerW = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const [t, w] = splitCsvLine(lines[i] ?? '');
    timeMs[i - 1] = parseUtcTimestamp(t, source, i + 1);
    const v = Number(w);
    if (!Number.isFinite(v)) throw new DatasetParseError(source, i + 1, `not a number: ${JSON.stringify(w)}`);
    powerW[i - 1] = v;
  }
  return { source, appliance: header[1] ?? '', timeMs, powerW };
}

/** tracebase day trace: no header, `dd/mm/yyyy hh:mm:ss;W_1s_avg;W_8s_avg`; the 1-second average is used. */
export function parseTracebaseTrace(text: string, appliance: string, source = 'trace.csv'): ApplianceTrace {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const timeMs = new Float64Array(lines.length);
  const powerW = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const [stamp, w1] = line.split(';');
    const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec((stamp ?? '').trim());
    if (!m) throw new DatasetParseError(source, i + 1, `not a dd/mm/yyyy hh:mm:ss timestamp: ${JSON.stringify(stamp)}`);
    const [, d, mo, y, h, mi, s] = m;
    timeMs[i] = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    const v = Number(w1);
    if (!Number.isFinite(v)) throw new DatasetParseError(source, i + 1, `not a number: ${JSON.stringify(w1)}`);
    powerW[i] = v;
  });
  return { source, appliance, timeMs, powerW };
}
