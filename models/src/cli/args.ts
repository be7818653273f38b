import type { TimeRange } from '../data';

export interface BacktestArgs {
  command: 'backtest';
  target: 'intensity' | 'load';
  train: string[];
  test: string[];
  json: boolean;
  plot?: string;
  trainRange?: TimeRange;
  testRange?: TimeRange;
  searchSeconds?: number;
  register: boolean;
  model: 'gbm' | 'lstm' | 'ensemble';
  lstmSeconds?: number;
  seeds?: number;
  registry?: string;
}

export const USAGE = `usage:
  carbonreducer-models backtest intensity|load --train FILE... --test FILE... [--json] [--plot PNG]
        [--train-range FROM..TO] [--test-range FROM..TO] [--search SECONDS] [--register] [--registry DIR]
        [--model gbm|lstm|ensemble] [--lstm-seconds N]   (intensity)
        [--seeds N]   GBM refits with consecutive seeds averaged per horizon (default 1)

  intensity: NESO (from,to,forecast,actual,index) or Electricity Maps hourly CSVs
  load:      1-minute household CSVs (Time,Aggregate,...), .gz allowed
  ranges are UTC dates or times, TO exclusive, e.g. 2023-01-01..2023-04-01`;

export class UsageError extends Error {}

function parseRange(flag: string, v: string | undefined): TimeRange {
  const m = /^(.+)\.\.(.+)$/.exec(v ?? '');
  const toMs = (s: string): number => Date.parse(/T/.test(s) ? (s.endsWith('Z') ? s : `${s}Z`) : `${s}T00:00:00Z`);
  if (!m) throw new UsageError(`${flag} needs FROM..TO (e.g. 2023-01-01..2023-04-01), got ${JSON.stringify(v)}`);
  const fromMs = toMs(m[1] as string);
  const to = toMs(m[2] as string);
  if (!Number.isFinite(fromMs) || !Number.isFinite(to) || to <= fromMs) {
    throw new UsageError(`${flag}: ${JSON.stringify(v)} is not a valid FROM..TO range of UTC dates`);
  }
  return { fromMs, toMs: to };
}

export function parseArgs(argv: string[]): BacktestArgs {
  const [command, target, ...rest] = argv;
  if (command !== 'backtest') throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}`);
  if (target !== 'intensity' && target !== 'load') {
    throw new UsageError(`backtest target must be "intensity" or "load", got ${JSON.stringify(target ?? '')}`);
  }
  const out: BacktestArgs = { command, target, train: [], test: [], json: false, register: false, model: 'gbm' };
  let list: string[] | null = null;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    switch (a) {
      case '--train':
        list = out.train;
        break;
      case '--test':
        list = out.test;
        break;
      case '--json':
        out.json = true;
        list = null;
        break;
      case '--register':
        out.register = true;
        list = null;
        break;
      case '--model': {
        const v = rest[++i];
        if (v !== 'gbm' && v !== 'lstm' && v !== 'ensemble') {
          throw new UsageError(`--model must be gbm, lstm or ensemble, got ${JSON.stringify(v ?? '')}`);
        }
        out.model = v;
        list = null;
        break;
      }
      case '--lstm-seconds': {
        const s = Number(rest[++i]);
        if (!(s > 0)) throw new UsageError('--lstm-seconds needs a positive number');
        out.lstmSeconds = s;
        list = null;
        break;
      }
      case '--seeds': {
        const v = rest[++i];
        const s = Number(v);
        if (!(Number.isInteger(s) && s >= 1))
          throw new UsageError(`--seeds needs a positive whole number, got ${JSON.stringify(v ?? '')}`);
        out.seeds = s;
        list = null;
        break;
      }
      case '--plot':
      case '--registry':
      case '--search':
      case '--train-range':
      case '--test-range': {
        const v = rest[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
        if (a === '--plot') out.plot = v;
        else if (a === '--registry') out.registry = v;
        else if (a === '--search') {
          const s = Number(v);
          if (!(s > 0)) throw new UsageError(`--search needs a positive number of seconds, got ${JSON.stringify(v)}`);
          out.searchSeconds = s;
        } else if (a === '--train-range') out.trainRange = parseRange(a, v);
        else out.testRange = parseRange(a, v);
        list = null;
        break;
      }
      default:
        if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
        if (list === null)
          throw new UsageError(`unexpected argument ${JSON.stringify(a)} (files go after --train or --test)`);
        list.push(a);
    }
  }
  if (out.train.length === 0) throw new UsageError('--train needs at least one file');
  if (out.test.length === 0) throw new UsageError('--test needs at least one file');
  return out;
}
