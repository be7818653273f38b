/**
 * Checks a home's live plan: made from a full-input forecast (served_by champion), and expected avoided emissions equal
 * to what the optimizer's CLI (`carbonreducer optimizer solve`) computes for the same request (same runs, the forecast
 * issues the plan read back from InfluxDB, the home's fuse).
 *   npx tsx workflows/scripts/check-plan.ts [--home sim-001] [--json]
 * After `bash scripts/main.sh` (reads the worker's settings, `scripts/stack env`). Exit 0 when both hold, 1 otherwise.
 */
import { withStackDefaults } from '@carbonreducer/stack-env';
import { loadConfig } from '../src/config';
import { checkHomePlan } from '../src/planCheck';

function usage(message: string): never {
  process.stderr.write(`check-plan: ${message}\nusage: check-plan.ts [--home HOME_ID] [--json]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let homeId = 'sim-001';
  let json = false;
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--home') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usage('--home needs a home id');
      homeId = v;
    } else usage(`unknown argument ${a}`);
  }
  const check = await checkHomePlan(loadConfig(withStackDefaults(process.env)), homeId);
  const ok = check.fullInput && check.agree;
  if (json) process.stdout.write(`${JSON.stringify({ ok, ...check }, null, 2)}\n`);
  else {
    const lines = [
      `${check.homeId} plan v${check.planVersion} made ${check.plannedAt} from the intensity forecast issued ${check.forecastIssuedAt} ` +
        `(served_by ${check.forecastServedBy}, fallback_reason ${check.forecastFallbackReason}); base load served_by ${check.loadServedBy}`,
      ...(check.forecastWindow
        ? [
            `forecast over the plan's window: ${check.forecastWindow.atPlannedGPerKWh.toFixed(1)} gCO2/kWh at planning, ` +
              `lowest ${check.forecastWindow.minGPerKWh.toFixed(1)} at ${check.forecastWindow.minAt}, highest ${check.forecastWindow.maxGPerKWh.toFixed(1)}`,
          ]
        : []),
      'request | appliance | plan start | CLI start | plan avoided g | CLI avoided g',
      ...check.runs.map(
        (r) =>
          `${r.requestId} | ${r.appliance} | ${r.planStartAt} | ${r.cliStartAt ?? '–'} | ${r.planAvoidedG.toFixed(1)} | ${r.cliAvoidedG?.toFixed(1) ?? '–'}`,
      ),
      `total | | | | ${check.planAvoidedG.toFixed(1)} | ${check.cliAvoidedG.toFixed(1)}`,
      ...(check.carriedOver.length > 0 ? [`carried over from earlier plans: ${check.carriedOver.join(', ')}`] : []),
      ...check.problems.map((p) => `problem: ${p}`),
      ok ? 'ok: full-input forecast, expected savings agree with the CLI' : 'NOT OK',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  process.exitCode = ok ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`check-plan: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
