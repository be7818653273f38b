import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';

/** The plugin folders, each holding `src/plugin.json` (and `dist/plugin.json` once built). */
export const PLUGIN_DIRS = ['carbonreducer-schedule-panel', 'carbonreducer-datasource', 'carbonreducer-app'] as const;
export const PLUGINS_ROOT = join(__dirname, '..', '..');

// Grafana's published plugin.json schema (draft-07), vendored unchanged: fixtures/README.md says from where.
const schema = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'plugin.schema.json'), 'utf8')) as object;
// Formats (uri, email) are left to Grafana: the rules that decide whether Grafana loads a plugin are structural.
// Not unicode regexps: the schema's patterns escape '-' (valid in Go's and JavaScript's plain regexps only).
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(
  schema,
);

/** Where a plugin.json breaks the schema, one line per error (`/path: message`); empty when it is valid. */
export function pluginJsonErrors(json: unknown): string[] {
  if (validate(json)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'} ${JSON.stringify(e.params)}`,
  );
}

export const readPluginJson = (dir: string, where: 'src' | 'dist'): unknown =>
  JSON.parse(readFileSync(join(PLUGINS_ROOT, dir, where, 'plugin.json'), 'utf8')) as unknown;
