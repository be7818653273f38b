import { createJsonLogger, errorMessage } from '@carbonreducer/common';
import { LIMITS } from '@carbonreducer/telemetry';
import { loadMqttConfig } from '../config';
import { connectMqtt, mqttPublisher } from '../mqtt';
import { DAY_MS, MINUTE_MS } from '@carbonreducer/common';
import { planHomes } from './homes';
import { simulatorArgs, simulatorCommand, type SimulatorArgs } from './args';
import { SOURCES, loadSources, monthsBetween } from './data';
import { runReplay, type ReplayProgress } from './replay';

const log = createJsonLogger({ fields: { service: 'simulator' } });

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function progressLine(p: ReplayProgress): string {
  const pct = (100 * p.minutesDone) / p.minutesTotal;
  const rate = p.elapsedMs > 0 ? (p.readings * 1000) / p.elapsedMs : 0;
  const etaMs = p.minutesDone > 0 ? (p.elapsedMs * (p.minutesTotal - p.minutesDone)) / p.minutesDone : NaN;
  const at = new Date(p.currentTsMs).toISOString().slice(0, 16);
  return (
    `[simulator] ${pct.toFixed(1).padStart(5)}%  data ${at}  readings ${p.readings}  messages ${p.messagesAcked}/${p.messagesPublished} acked` +
    `  ${rate.toFixed(0)} readings/s  gaps ${p.gaps}  elapsed ${formatDuration(p.elapsedMs)}  eta ${Number.isNaN(etaMs) ? '?' : formatDuration(etaMs)}\n`
  );
}

/** `carbonreducer simulate` (cli/ adds `simulatorCommand()` to its tree): replays until done or SIGINT/SIGTERM. */
export async function runSimulator(args: SimulatorArgs): Promise<void> {
  if (args.batchMinutes > LIMITS.maxBatchReadings)
    throw new Error(
      `--batch ${args.batchMinutes} > ${LIMITS.maxBatchReadings} (the contract's most readings a message)`,
    );
  const mqttConfig = loadMqttConfig('device');
  const durationMs = args.durationMin * MINUTE_MS;
  // Homes start on consecutive days, so load enough months to cover every home's window.
  const extraDays = Math.ceil(args.homes / args.sources.length);
  const months =
    args.startMs === undefined
      ? undefined
      : monthsBetween(args.startMs, args.startMs + durationMs + extraDays * DAY_MS);
  const sources = await loadSources(args.sources, { months });
  const homes = planHomes(sources, args.homes, durationMs, { startMs: args.startMs, homePrefix: args.homePrefix });
  process.stdout.write(
    `[simulator] ${homes.length} homes × 5 devices, ${args.durationMin} min of data at speed ${Number.isFinite(args.speed) ? args.speed : 'max'}, ` +
      `timestamps ${args.timestamps}, batch ${args.batchMinutes}, broker ${mqttConfig.url}\n` +
      `[simulator] data: ${sources.map((s) => SOURCES[s.name as keyof typeof SOURCES].attribution).join('; ')}\n`,
  );

  const client = await connectMqtt(mqttConfig, { clientId: `carbonreducer-simulator-${process.pid}` });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  try {
    const summary = await runReplay(
      {
        homes,
        durationMin: args.durationMin,
        speed: args.speed,
        batchMinutes: args.batchMinutes,
        timestamps: args.timestamps,
        maxInflight: args.maxInflight,
        progressIntervalMs: args.progressSeconds * 1000,
        status: args.status,
        signal: abort.signal,
        onProgress: (p) => process.stdout.write(progressLine(p)),
      },
      mqttPublisher(client),
      { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    );
    process.stdout.write(
      `[simulator] done: ${summary.readings} readings in ${summary.messagesAcked} acknowledged messages, ${summary.gaps} gaps, ${formatDuration(summary.elapsedMs)}` +
        (args.timestamps === 'shifted' ? `, timestamps from ${new Date(summary.firstTimestampMs).toISOString()}` : '') +
        '\n',
    );
  } finally {
    await client.endAsync();
  }
}

// Run directly (`tsx pipeline/src/simulator/cli.ts --homes 10`, as compose and scripts/services.d do): the same
// commander command as `carbonreducer simulate`, exit 2 for usage errors.
if (require.main === module) {
  simulatorCommand('carbonreducer-simulator')
    .exitOverride()
    .action((flags: Parameters<typeof simulatorArgs>[0]) => runSimulator(simulatorArgs(flags)))
    .parseAsync(process.argv.slice(2), { from: 'user' })
    .catch((err: unknown) => {
      if (err instanceof Error && 'exitCode' in err && 'code' in err && String(err.code).startsWith('commander.')) {
        process.exit(err.code === 'commander.helpDisplayed' ? 0 : 2);
      }
      log.error('simulator failed', { error: err instanceof Error ? err : errorMessage(err) });
      process.exit(1);
    });
}
