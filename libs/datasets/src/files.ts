import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseDeviceScopeCycle, parseTracebaseTrace, type ApplianceTrace } from './appliance';
import { parseAcnSessions, type EvSession } from './ev';
import { concatHouseholdSeries, parseHouseholdCsv, type HouseholdSeries } from './household';
import { mergeIntensitySeries, parseIntensityCsv, type IntensitySeries } from './intensity';

/** The repository root (this file sits at libs/datasets/src). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Where the shared real data lives: `$CARBONREDUCER_DATA`, else `<repo>/../shared/data`. */
export function sharedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CARBONREDUCER_DATA ? resolve(env.CARBONREDUCER_DATA) : resolve(REPO_ROOT, '..', 'shared', 'data');
}

export function sharedDataPath(relative: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(sharedDataDir(env), relative);
}

/** Reads a text file, gunzipping `.gz`; errors name the file. */
export async function readTextFile(path: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new Error(`cannot read ${path}`, { cause: err });
  }
  if (path.endsWith('.gz')) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new Error(`${path}: not a valid gzip file`, { cause: err });
    }
  }
  return buf.toString('utf8');
}

export async function readIntensityFiles(paths: string[]): Promise<IntensitySeries> {
  const series = await Promise.all(paths.map(async (p) => parseIntensityCsv(await readTextFile(p), basename(p))));
  return mergeIntensitySeries(series);
}

export async function readHouseholdFiles(paths: string[]): Promise<HouseholdSeries> {
  const parts = await Promise.all(paths.map(async (p) => parseHouseholdCsv(await readTextFile(p), basename(p))));
  return concatHouseholdSeries(parts);
}

export async function readAcnSessionsFile(path: string): Promise<EvSession[]> {
  return parseAcnSessions(await readTextFile(path), basename(path));
}

/** DeviceScope `Time,<Appliance>` cycles or tracebase `…;W;W` day traces, by file name. */
export async function readApplianceTrace(path: string): Promise<ApplianceTrace> {
  const text = await readTextFile(path);
  const name = basename(path);
  if (name.startsWith('devicescope-')) return parseDeviceScopeCycle(text, name);
  const appliance = name.startsWith('dishwasher')
    ? 'Dishwasher'
    : name.startsWith('washingmachine')
      ? 'WashingMachine'
      : 'Unknown';
  return parseTracebaseTrace(text, appliance, name);
}
