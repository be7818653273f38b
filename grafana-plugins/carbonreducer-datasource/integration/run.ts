/**
 * Runs the data source's Go tests, unit and integration (`-tags integration`), with what the integration tests need
 * from the real stack (setup.ts). When a part is missing the Go tests still run and each integration test fails saying
 * what is missing and how to start it (CR_IT_UNAVAILABLE); they never skip.
 *
 *   npx tsx grafana-plugins/carbonreducer-datasource/integration/run.ts [go test -json report path]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '@carbonreducer/stack-env';
import { setUp } from './setup';

const pluginDir = join(repoRoot, 'grafana-plugins', 'carbonreducer-datasource');
const report = process.argv[2] ?? join(repoRoot, '.stack', 'go-test', 'grafana-datasource.json');
const log = (msg: string) => process.stderr.write(`[grafana-datasource it] ${msg}\n`);

async function main(): Promise<void> {
  const setup = await setUp();
  if (setup.env.CR_IT_UNAVAILABLE) log(`integration setup failed: ${setup.env.CR_IT_UNAVAILABLE}`);
  mkdirSync(dirname(report), { recursive: true });
  const out = createWriteStream(report);
  const go = spawn('go', ['test', '-tags', 'integration', '-count=1', '-json', './pkg/...'], {
    cwd: pluginDir,
    env: { ...process.env, ...setup.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  go.stdout?.pipe(out);
  const rc = await new Promise<number>((resolve) => go.on('close', (code) => resolve(code ?? 1)));
  await setup.cleanup();
  // The human-readable summary (the JSON report is for scripts/test.sh's closing line).
  spawnSync('node', ['-e', summary, report], { stdio: 'inherit' });
  process.exitCode = rc;
}

const summary = `
const lines = require('fs').readFileSync(process.argv[1], 'utf8').split('\\n').filter((l) => l.startsWith('{'));
let p = 0, f = 0;
for (const l of lines) { const e = JSON.parse(l); if (!e.Test) continue;
  if (e.Action === 'pass') p++; if (e.Action === 'fail') { f++; } if (e.Action === 'output' && /--- FAIL|_test.go:\\d+/.test(e.Output)) process.stderr.write(e.Output); }
console.error('[grafana-datasource it] go tests: ' + p + ' passed, ' + f + ' failed');
`;

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
