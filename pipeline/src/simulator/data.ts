import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readHouseholdFiles, sharedDataPath } from '@carbonreducer/datasets';
import { indexSource, type HomeSource } from './homes';

export const SOURCES = {
  refit: { prefix: 'refit-house2-', attribution: 'REFIT (CC BY 4.0), as prepared by DeviceScope' },
  ukdale: { prefix: 'ukdale-house2-', attribution: 'UK-DALE (CC BY 4.0), as prepared by DeviceScope' },
} as const;
export type SourceName = keyof typeof SOURCES;

/**
 * Loads the monthly household files of each source (../shared/data/households, or $CARBONREDUCER_DATA).
 * With `months`, only files of those `YYYY-MM` months are read (a short replay need not parse 16 months).
 */
export async function loadSources(
  names: readonly SourceName[],
  options: { env?: NodeJS.ProcessEnv; months?: ReadonlySet<string> } = {},
): Promise<HomeSource[]> {
  const dir = sharedDataPath('households', options.env);
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    throw new Error(`cannot list household data in ${dir} (set CARBONREDUCER_DATA to the shared data folder)`, {
      cause: err,
    });
  }
  const sources: HomeSource[] = [];
  for (const name of names) {
    const { prefix } = SOURCES[name];
    const matching = files
      .filter((f) => f.startsWith(prefix) && f.endsWith('.csv.gz'))
      .filter((f) => !options.months || options.months.has(f.slice(prefix.length, prefix.length + 7)))
      .sort();
    if (matching.length === 0) continue;
    const series = await readHouseholdFiles(matching.map((f) => join(dir, f)));
    sources.push(indexSource(name, series));
  }
  if (sources.length === 0) {
    throw new Error(
      `no household files for ${names.join(', ')} in ${dir}${options.months ? ` for months ${[...options.months].join(', ')}` : ''}`,
    );
  }
  return sources;
}

/** `YYYY-MM` of every month touched by [fromMs, toMs]. */
export function monthsBetween(fromMs: number, toMs: number): Set<string> {
  const months = new Set<string>();
  const d = new Date(Date.UTC(new Date(fromMs).getUTCFullYear(), new Date(fromMs).getUTCMonth(), 1));
  while (d.getTime() <= toMs) {
    months.add(d.toISOString().slice(0, 7));
    d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return months;
}
