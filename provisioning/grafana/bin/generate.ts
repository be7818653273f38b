/** Writes the generated provisioning files (src/generate.ts) under provisioning/grafana/; `--check` only compares. */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from '../src/generate';
import { loadChampionBacktest, REGISTRY_DIR } from '../src/alerting/backtest';
import { alertingFiles } from '../src/alerting/generate';

const root = join(__dirname, '..');
const check = process.argv.includes('--check');
const stale: string[] = [];
async function main(): Promise<void> {
  const alerting = alertingFiles({ backtest: loadChampionBacktest(REGISTRY_DIR) });
  for (const [path, text] of [...generate(), ...alerting]) {
    const file = join(root, path);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    stale.push(path);
    if (!check) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
  if (check && stale.length > 0) {
    console.error(`stale: ${stale.join(', ')}; run npm run generate -w @carbonreducer/grafana-provisioning`);
    process.exit(1);
  }
  console.log(check ? 'up to date' : `wrote ${stale.length} file(s)${stale.length ? `: ${stale.join(', ')}` : ''}`);
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
