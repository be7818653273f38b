import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_DIRS, PLUGINS_ROOT, pluginJsonErrors, readPluginJson } from './pluginSchema';

// What Grafana reads is the built dist/plugin.json (version and date filled in by the build), so that is validated
// too. The build runs before the integration step (scripts/test.sh, "build grafana plugins").
describe.each(PLUGIN_DIRS)('%s/dist/plugin.json', (dir) => {
  it("is built, with version and date filled in, and valid against Grafana's plugin.json schema", () => {
    const path = join(PLUGINS_ROOT, dir, 'dist', 'plugin.json');
    if (!existsSync(path)) {
      throw new Error(
        `${path} is not built: run \`npm run build -w @carbonreducer/${dir.replace('carbonreducer-', 'grafana-')}\``,
      );
    }
    const json = readPluginJson(dir, 'dist') as { info: { version: string; updated: string } };
    expect(json.info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(json.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(pluginJsonErrors(json)).toEqual([]);
  });
});
