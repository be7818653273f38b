import { parseArgs } from 'node:util';
import { EXPERIMENTS, LONG, SHORT, type ExperimentName } from './experiments';
import { formatResult, type FaultResult } from './lib';

// The fault suite by hand: `flock /tmp/carbonreducer-stack.lock npx tsx scripts/faults/run.ts [--long] [names…]`
// (README.md here). Exit code 1 when any experiment fails.
const USAGE = `Usage: npx tsx scripts/faults/run.ts [--long] [experiment…]
Breaks the native stack's servers under load and checks that every reading arrives exactly once without a human.
Run it under flock /tmp/carbonreducer-stack.lock: it stops, kills and restarts shared servers (and starts them again).
  --long   10-minute outages at 1,000 readings/s (default: the short form CI runs, seconds-long outages)
Experiments (default all): ${Object.keys(EXPERIMENTS).join(', ')}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { long: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((p) => !(p in EXPERIMENTS));
  if (unknown.length > 0) {
    console.error(`unknown experiment ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const names = (positionals.length > 0 ? positionals : Object.keys(EXPERIMENTS)) as ExperimentName[];
  const scale = values.long ? LONG : SHORT;
  const results: FaultResult[] = [];
  const log = (line: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);
  for (const name of names) {
    log(`${name} (${scale.name})`);
    const r = await EXPERIMENTS[name](scale, log);
    log(formatResult(r));
    results.push(r);
  }
  console.log(`\n${scale.name} fault suite:`);
  for (const r of results) console.log(formatResult(r));
  return results.every((r) => r.passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
