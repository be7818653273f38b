/**
 * Replays a week of the shared NESO file through the real stack and prints the live accuracy next to the backtest's
 * for the same forecasts: `npx tsx workflows/scripts/replay-week.ts [FIRST_ORIGIN] [DAYS]` (default 2023-05-15, 7).
 * Starts its own worker (file source at its own timestamps, a temporary copy of the model registry) in namespace
 * carbonreducer-it-parity; needs `scripts/stack up`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { HOUR_MS } from '@carbonreducer/common';
import { replayAndScore } from '../src/testing/replay';
import { connectTestTemporal, killWorker, startWorker } from '../src/testing/workerProcess';
import type { ChildProcess } from 'node:child_process';

async function main(): Promise<void> {
  const firstMs = Date.parse(process.argv[2] ?? '2023-05-15T00:00:00Z');
  const days = Number(process.argv[3] ?? '7');
  if (!Number.isFinite(firstMs) || !(days > 0)) throw new Error('usage: replay-week.ts [FIRST_ORIGIN_ISO] [DAYS]');
  const namespace = 'carbonreducer-it-parity';
  const region = `WEEK${randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 6)
    .toUpperCase()}`;
  const registryRoot = await mkdtemp(join(tmpdir(), 'carbonreducer-replay-registry-'));
  const started: ChildProcess[] = [];
  const { client, connection } = await connectTestTemporal(namespace);
  try {
    await startWorker({
      namespace,
      region,
      started,
      env: { INTENSITY_SOURCES: 'file', INTENSITY_FILE_REPLAY: 'false', MODEL_REGISTRY_DIR: registryRoot },
    });
    const origins = Array.from({ length: days * 24 }, (_, i) => new Date(firstMs + i * HOUR_MS).toISOString());
    const scoreAt = new Date(firstMs + days * 24 * HOUR_MS).toISOString();
    const t0 = Date.now();
    const r = await replayAndScore({
      temporal: client,
      region,
      origins,
      scoreAt,
      registryRoot,
      idPrefix: `week-${Date.now()}`,
      onProgress: (d, t) => d % 24 === 0 && process.stderr.write(`${d}/${t} origins\n`),
    });
    const servedBy = new Map<string, number>();
    for (const f of r.forecasts)
      servedBy.set(f.intensityServedBy ?? '?', (servedBy.get(f.intensityServedBy ?? '?') ?? 0) + 1);
    const backfilled = r.ingests.reduce((n, i) => n + (i.backfill?.pointsWritten ?? 0), 0);
    const lines = [
      `replayed ${origins.length} hourly origins ${origins[0]} … ${origins[origins.length - 1]} in ${((Date.now() - t0) / 1000).toFixed(0)} s; scored at ${scoreAt} (7-day window)`,
      `forecasts served by: ${[...servedBy].map(([k, n]) => `${k} ${n}`).join(', ')}; actuals backfilled: ${backfilled}`,
      'horizon | live MAE (gCO2/kWh) | live coverage80 | points | backtest MAE | points',
    ];
    for (const b of r.backtest) {
      const l = r.live.find((s) => s.window === '7d' && s.servedBy === 'champion' && s.horizon === b.horizon);
      lines.push(
        `${b.horizon} | ${l?.maeGPerKWh.toFixed(3) ?? '–'} | ${l?.coverage80?.toFixed(3) ?? '–'} | ${l?.points ?? 0} | ${b.maeGPerKWh.toFixed(3)} | ${b.points}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(started.map((w) => killWorker(w, 'SIGKILL')));
    await connection.close();
    await rm(registryRoot, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`replay-week: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
