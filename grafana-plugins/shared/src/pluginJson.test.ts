import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_DIRS, PLUGINS_ROOT, pluginJsonErrors, readPluginJson } from './pluginSchema';

/**
 * The plugin.json files against Grafana's published schema (fixtures/plugin.schema.json), and against our own rules
 * on top of it (id equal to the folder, backend executable name, app pages under /a/<id>/). The built
 * dist/plugin.json files are checked by pluginJson.int.test.ts, after the build.
 */
const root = PLUGINS_ROOT;
const ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;
const plugins = PLUGIN_DIRS;

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
  it("is valid against Grafana's plugin.json schema", () => {
    expect(pluginJsonErrors(readPluginJson(dir, 'src'))).toEqual([]);
  });
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

describe("Grafana's plugin.json schema", () => {
  it('refuses what Grafana would not load', () => {
    const valid = readPluginJson('carbonreducer-app', 'src') as Record<string, unknown>;
    expect(pluginJsonErrors(valid)).toEqual([]);
    expect(pluginJsonErrors({ ...valid, id: 'CarbonReducer_App' }).join()).toContain('/id');
    expect(pluginJsonErrors({ ...valid, type: 'widget' }).join()).toContain('/type');
    expect(pluginJsonErrors({ ...valid, routes: 'x', unknownKey: true }).length).toBeGreaterThanOrEqual(2);
    const { dependencies: _dropped, ...withoutDependencies } = valid;
    expect(pluginJsonErrors(withoutDependencies).join()).toContain('dependencies');
  });
});
