import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The plugin.json files against the rules of Grafana's plugin.json schema that matter to loading them (id pattern,
 * type, backend executable, app pages). The schema file itself is not shipped by any package the registries here
 * have (the validator's npm package downloads a binary; its Go module is not on the proxy), so these rules are
 * written out from its documentation.
 */
const root = join(__dirname, '..', '..');
const ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;
const plugins = ['carbonreducer-schedule-panel', 'carbonreducer-datasource', 'carbonreducer-app'];

interface PluginJson {
  id: string;
  type: string;
  name: string;
  backend?: boolean;
  executable?: string;
  info: { author: { name: string }; version: string; updated: string; logos: { small: string; large: string } };
  dependencies: { grafanaDependency: string; plugins?: { id: string; type: string }[] };
  includes?: { type: string; name: string; path?: string; addToNav?: boolean; defaultNav?: boolean }[];
}

describe.each(plugins)('%s/src/plugin.json', (dir) => {
  const json = JSON.parse(readFileSync(join(root, dir, 'src', 'plugin.json'), 'utf8')) as PluginJson;
  it('has an id of the schema pattern, equal to its folder, of its type', () => {
    expect(json.id).toMatch(ID);
    expect(json.id).toBe(dir);
    expect(json.id.endsWith(`-${json.type}`)).toBe(true);
  });
  it('has the required info and a Grafana version range', () => {
    expect(json.name.length).toBeGreaterThan(0);
    expect(json.info.author.name).toBe('CarbonReducer');
    expect(json.info.version).toBe('%VERSION%');
    expect(existsSync(join(root, dir, 'src', json.info.logos.small))).toBe(true);
    expect(json.dependencies.grafanaDependency).toMatch(/^>=\d+\.\d+\.\d+$/);
  });
  it('names an executable when it has a backend, and app pages with paths under /a/<id>/', () => {
    if (json.backend) expect(json.executable).toMatch(/^gpx_[a-z0-9_]+$/);
    for (const inc of json.includes ?? []) {
      expect(inc.type).toBe('page');
      expect(inc.path).toMatch(/^\/a\/%PLUGIN_ID%\/[a-z]+$/);
    }
    const defaults = (json.includes ?? []).filter((i) => i.defaultNav);
    expect(defaults.length).toBeLessThanOrEqual(1);
  });
});
