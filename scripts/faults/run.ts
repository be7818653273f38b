import { parseArgs } from 'node:util';
import { EXPERIMENTS, LONG, SHORT, type ExperimentName } from './experiments';
import { formatResult, type FaultResult } from './lib';

// The fault suite by hand: `flock /tmp/carbonreducer-stack.lock npx tsx scripts/faults/run.ts [--long] [names…]`
// (README.md here). Exit code 1 when any experiment fails.
const USAGE = `Usage: npx tsx scripts/faults/run.ts [--long] [--outage-s N] [experiment…]
Breaks the native stack's servers under load and checks that every reading arrives exactly once without a human.
Run it under flock /tmp/carbonreducer-stack.lock: it stops, kills and restarts shared servers (and starts them again).
  --long          10-minute outages at 1,000 readings/s (default: the short form CI runs, seconds-long outages)
  --outage-s N    the broker's and InfluxDB's outage in broker-restart-window-full and influxdb-outage, in seconds
                  (default 600 with --long, 15 without)
Experiments (default all): ${Object.keys(EXPERIMENTS).join(', ')}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { long: { type: 'boolean' }, 'outage-s': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
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
  let scale = values.long ? LONG : SHORT;
  const outage = values['outage-s'];
  if (outage !== undefined) {
    if (!/^[1-9][0-9]*$/.test(outage) || Number(outage) > 3600) {
      console.error(
        `--outage-s must be a whole number of seconds from 1 to 3600, not ${JSON.stringify(outage)}\n${USAGE}`,
      );
      return 2;
    }
    scale = { ...scale, outageS: Number(outage) };
  }
  const results: FaultResult[] = [];
  const log = (line: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);
  for (const name of names) {
    log(`${name} (${scale.name}, outage ${scale.outageS} s)`);
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
