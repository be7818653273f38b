/**
 * Ingest benchmark (run by hand on the native stack; prints figures, asserts nothing):
 *   npx tsx pipeline/src/bench/ingest.ts [--rate 50000] [--seconds 30] [--homes 100] [--devices 10]
 *        [--per-message 1] [--clients 4] [--ceiling-seconds 5] [--ceiling-batch 5000,10000] [--ceiling-concurrency 2,4]
 * 1. Ceiling: batched line-protocol writes straight to InfluxDB (the same bucket, the same points as the pipeline
 *    writes), for every batch size × concurrency given; the best rate is the ceiling.
 * 2. Pipeline: many simulated devices publish through MQTT → Telegraf (contract processor) → InfluxDB at the target
 *    rate; sustained points/s until the last point is queryable, p50/p99 latency from publish to queryable (probe
 *    messages every --probe-ms, polled every 200 ms), and loss (published − queryable).
 * Prints both, their ratio, the load average, and the CPU each server of the native stack used per point
 * (from /proc, so the figures can be compared across runs on a shared machine).
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { cpuMs, stackProcesses, type StackProcess } from './cpu';
import { InfluxDB, flux, fluxDateTime } from '@influxdata/influxdb-client';
import { encodeBatch, encodeReading, telemetryTopic, toLineProtocol, type Reading } from '@carbonreducer/telemetry';
import type { MqttClient } from 'mqtt';
import { loadInfluxConfig, loadMqttConfig } from '../config';
import { connectMqtt } from '../mqtt';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50000' },
    seconds: { type: 'string', default: '30' },
    homes: { type: 'string', default: '100' },
    devices: { type: 'string', default: '10' },
    'per-message': { type: 'string', default: '1' },
    clients: { type: 'string', default: '4' },
    'ceiling-seconds': { type: 'string', default: '5' },
    'ceiling-batch': { type: 'string', default: '5000,10000' },
    'ceiling-concurrency': { type: 'string', default: '2,4' },
    'probe-ms': { type: 'string', default: '50' },
    'skip-ceiling': { type: 'boolean', default: false },
  },
});
const num = (k: keyof typeof values): number => {
  const v = Number(values[k]);
  if (!(v > 0)) throw new Error(`--${k} ${String(values[k])}: expected a positive number`);
  return v;
};
const nums = (k: keyof typeof values): number[] =>
  String(values[k])
    .split(',')
    .map((x) => {
      const v = Number(x);
      if (!(v > 0)) throw new Error(`--${k} ${String(values[k])}: expected positive numbers separated by commas`);
      return v;
    });

const influx = loadInfluxConfig();
const mqttConfig = loadMqttConfig('device');
const queryApi = new InfluxDB({ url: influx.url, token: influx.token, timeout: 120_000 }).getQueryApi(influx.org);
const run = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = (line: string) => process.stdout.write(line + '\n');

async function countPoints(homePrefix: string, startMs: number): Promise<number> {
  const rows = await queryApi.collectRows<{ _value: number }>(flux`
    from(bucket: ${influx.bucket})
      |> range(start: ${fluxDateTime(new Date(startMs).toISOString())})
      |> filter(fn: (r) => r.home_id =~ ${new RegExp('^' + homePrefix)})
      |> filter(fn: (r) => r._field == "power_w")
      |> group()
      |> count()`);
  return rows.reduce((s, r) => s + Number(r._value), 0);
}

/** One point as the pipeline writes it for the benchmark's devices (plug, home_id + device_id, power_w). */
function benchPoint(homeId: string, deviceId: string, tsMs: number, powerW: number): string {
  return toLineProtocol({
    measurement: 'plug',
    tags: { home_id: homeId, device_id: deviceId },
    fields: { power_w: powerW },
    timeMs: tsMs,
  });
}

async function ceilingRun(batch: number, concurrency: number, seconds: number): Promise<number> {
  const home = `${run}-ceil-${batch}x${concurrency}`;
  const startTs = Date.now() - 3_600_000;
  let seq = 0;
  let written = 0;
  const deadline = Date.now() + seconds * 1000;
  const t0 = performance.now();
  const writer = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const lines: string[] = [];
      for (let i = 0; i < batch; i++, seq++) {
        lines.push(benchPoint(home, `d${seq % 1000}`, startTs + Math.floor(seq / 1000) * 10, 100 + (seq % 2000)));
      }
      const res = await fetch(
        `${influx.url}/api/v2/write?org=${encodeURIComponent(influx.org)}&bucket=${encodeURIComponent(influx.bucket)}&precision=ms`,
        { method: 'POST', headers: { Authorization: `Token ${influx.token}` }, body: lines.join('\n') },
      );
      if (res.status !== 204) throw new Error(`InfluxDB write: HTTP ${res.status} ${await res.text()}`);
      written += batch;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, writer));
  const rate = written / ((performance.now() - t0) / 1000);
  const stored = await countPoints(home, startTs - 60_000);
  out(
    `  ceiling ${concurrency} × batches of ${batch}: ${written} points → ${rate.toFixed(0)} points/s` +
      ` (stored ${stored}${stored === written ? '' : ' — MISMATCH'})`,
  );
  return rate;
}

/** The best direct-write rate over every batch size × concurrency asked for. */
async function ceiling(): Promise<number> {
  out('ceiling: batched line-protocol writes straight to InfluxDB');
  let best = 0;
  for (const batch of nums('ceiling-batch')) {
    for (const concurrency of nums('ceiling-concurrency')) {
      best = Math.max(best, await ceilingRun(batch, concurrency, num('ceiling-seconds')));
    }
  }
  out(`ceiling: ${best.toFixed(0)} points/s (best of the above)`);
  return best;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface PipelineResult {
  sustained: number;
  total: number;
  stored: number;
  p50Ms: number;
  p99Ms: number;
}

async function pipeline(): Promise<PipelineResult> {
  const rate = num('rate');
  const seconds = num('seconds');
  const homes = num('homes');
  const devicesPerHome = num('devices');
  const perMessage = num('per-message');
  const clientsN = num('clients');
  const devices = homes * devicesPerHome;
  const total = Math.floor(rate * seconds);
  // Whole messages per device: a device's last message may be only partly filled, but its device times are reserved.
  const readingsPerDevice = Math.ceil(Math.ceil(total / perMessage) / devices) * perMessage;
  // Device times end a minute ago, one second apart: all within the contract, all distinct per device.
  const startTs = Date.now() - 60_000 - readingsPerDevice * 1000;
  const homePrefix = `${run}-p`;
  // Probes go through the same path under a home of their own (fast to poll): every 500th message and the last.
  const probeTopic = telemetryTopic(`${homePrefix}probe`, 'plug', 'probe');
  const topics = Array.from({ length: devices }, (_, d) =>
    telemetryTopic(
      `${homePrefix}${String(Math.floor(d / devicesPerHome)).padStart(4, '0')}`,
      'plug',
      `d${d % devicesPerHome}`,
    ),
  );
  const clients: MqttClient[] = [];
  for (let c = 0; c < clientsN; c++) {
    clients.push(await connectMqtt(mqttConfig, { clientId: `${run}-c${c}`, reconnectPeriod: 0 }));
  }
  // A probe about every --probe-ms (at the target rate): enough of them for a p99.
  const probeEvery = Math.max(1, Math.round((rate / perMessage) * (num('probe-ms') / 1000)));
  const probes = new Map<number, number>(); // probe id → publish time (ms)
  const seenAt = new Map<number, number>();
  let published = 0;
  let acked = 0;
  let failures = 0;
  const maxInflightPerClient = 2000;
  const inflight = clients.map(() => 0);
  const messages = Math.ceil(total / perMessage);
  // Probe device times: one second apart, all in the past (a future point would only be queryable once it is due).
  const probeBaseTs = startTs - (Math.ceil(messages / probeEvery) + 2) * perMessage * 1000;
  out(
    `pipeline: ${devices} devices in ${homes} homes, ${total} readings (${perMessage}/message, ${messages} messages) at ${rate}/s target over ${clientsN} MQTT connections`,
  );

  let polling = true;
  const poller = (async () => {
    while (polling) {
      const pollStart = Date.now();
      const rows = await queryApi
        .collectRows<{ _value: number; _time: string }>(
          flux`
          from(bucket: ${influx.bucket})
            |> range(start: ${fluxDateTime(new Date(probeBaseTs - 60_000).toISOString())})
            |> filter(fn: (r) => r.home_id == ${`${homePrefix}probe`} and r._field == "power_w" and r._value >= 1.0)`,
        )
        .catch(() => []);
      const now = Date.now();
      if (process.env.BENCH_DEBUG) out(`  poll: ${rows.length} probes seen, ${now - pollStart} ms`);
      for (const r of rows) {
        const id = Math.round(r._value);
        if (!seenAt.has(id)) seenAt.set(id, now);
      }
      await sleep(200);
    }
  })();

  // Every message is encoded before the clock starts: the devices' JSON encoding is not part of the system under test
  // and would otherwise take CPU from it on this machine.
  const plan: { topic: string; payload: string; probeId: number | undefined }[] = [];
  let probeCount = 0;
  for (let msgIndex = 0, reading = 0; reading < total; msgIndex++) {
    const d = msgIndex % devices;
    const k = Math.floor(msgIndex / devices) * perMessage;
    const batch: Reading[] = [];
    const isProbe = msgIndex % probeEvery === 0 || reading + perMessage >= total;
    const probeId = isProbe ? ++probeCount : undefined;
    for (let j = 0; j < perMessage && reading < total; j++, reading++) {
      // A probe's power is its id (the probe device's readings are one second apart by id).
      batch.push(
        probeId !== undefined
          ? { tsMs: probeBaseTs + (probeId * perMessage + j) * 1000, powerW: j === 0 ? probeId : 0.5 }
          : { tsMs: startTs + (k + j) * 1000, powerW: 100 + ((k + j) % 2000) },
      );
    }
    const payload = batch.length === 1 ? encodeReading(batch[0] as Reading) : encodeBatch(batch);
    plan.push({ topic: isProbe ? probeTopic : (topics[d] as string), payload, probeId });
  }

  const servers = stackProcesses();
  const cpuBefore = servers.map((p) => cpuMs(p.pid));
  const benchCpuBefore = process.cpuUsage();
  const t0 = Date.now();
  for (let msgIndex = 0; msgIndex < plan.length; msgIndex++) {
    // Pace: message i is due at t0 + i / (rate / perMessage).
    const due = t0 + (msgIndex * perMessage * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 2) await sleep(wait);
    const c = msgIndex % clientsN;
    while ((inflight[c] as number) >= maxInflightPerClient) await sleep(1);
    const { topic, payload, probeId } = plan[msgIndex] as (typeof plan)[number];
    inflight[c] = (inflight[c] as number) + 1;
    published++;
    if (probeId !== undefined) probes.set(probeId, Date.now());
    (clients[c] as MqttClient).publish(topic, payload, { qos: 1 }, (err) => {
      inflight[c] = (inflight[c] as number) - 1;
      if (err) failures++;
      else acked++;
    });
  }
  while (acked + failures < published) await sleep(5);
  const publishSeconds = (Date.now() - t0) / 1000;
  out(
    `  published ${published} messages (${total} readings) in ${publishSeconds.toFixed(1)} s → ${(total / publishSeconds).toFixed(0)} readings/s offered; broker acks ${acked}, failures ${failures}`,
  );

  // Done when the last message (a probe) is queryable; then every point is counted.
  const lastProbe = probes.size;
  const deadline = Date.now() + 300_000;
  while (!seenAt.has(lastProbe) && Date.now() < deadline) await sleep(100);
  polling = false;
  await poller;
  const doneAt = seenAt.get(lastProbe) ?? Date.now();
  // CPU up to the moment the last point was queryable (not the counting queries below).
  const cpuAfter = servers.map((p) => cpuMs(p.pid));
  const benchUsage = process.cpuUsage(benchCpuBefore);
  let stored = 0;
  for (let i = 0; i < 30; i++) {
    // Telegraf may still be writing earlier batches after the last probe: recount until stable.
    const n = await countPoints(homePrefix, probeBaseTs - 60_000);
    if (n === stored && n >= total) break;
    stored = n;
    await sleep(1000);
  }
  const elapsed = (doneAt - t0) / 1000;
  const sustained = stored / elapsed;
  const latencies = [...probes].filter(([id]) => seenAt.has(id)).map(([id, sent]) => (seenAt.get(id) as number) - sent);
  latencies.sort((a, b) => a - b);
  out(
    `  queryable: ${stored}/${total} points (loss ${total - stored}); last point queryable ${elapsed.toFixed(1)} s after the first publish → sustained ${sustained.toFixed(0)} points/s`,
  );
  out(
    `  latency publish → queryable over ${latencies.length}/${probes.size} probes (200 ms polling): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1) ?? NaN} ms`,
  );
  reportCpu(servers, cpuBefore, cpuAfter, benchUsage, stored);
  await Promise.all(clients.map((c) => c.endAsync()));
  return { sustained, total, stored, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/** CPU each server (and this publisher) used during the pipeline run, in total and per stored point. */
function reportCpu(
  servers: StackProcess[],
  before: (number | undefined)[],
  after: (number | undefined)[],
  benchUsage: NodeJS.CpuUsage,
  points: number,
): void {
  let serverMs = 0;
  const parts = servers.map((p, i) => {
    const start = before[i];
    const end = after[i];
    if (start === undefined || end === undefined) return `${p.name} ?`;
    serverMs += end - start;
    return `${p.name} ${(end - start).toFixed(0)} ms (${(((end - start) * 1000) / points).toFixed(1)} µs/point)`;
  });
  const benchMs = (benchUsage.user + benchUsage.system) / 1000;
  parts.push(`publisher ${benchMs.toFixed(0)} ms (${((benchMs * 1000) / points).toFixed(1)} µs/point)`);
  out(`  CPU from the first publish until the last point was queryable: ${parts.join(', ')}`);
  // What the measured CPU cost per point would allow if the pipeline had every core of this machine to itself: a
  // projection (it ignores contention between the servers), printed because a shared machine's load hides it.
  const usPerPoint = ((serverMs + benchMs) * 1000) / points;
  const cores = availableParallelism();
  out(
    `  CPU per point, servers + publisher: ${usPerPoint.toFixed(1)} µs → at most ${((cores * 1e6) / usPerPoint).toFixed(0)} points/s on ${cores} idle cores (projection)`,
  );
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  out(`ingest benchmark ${run} on ${influx.url} (bucket ${influx.bucket}) and ${mqttConfig.url}`);
  const loadBefore = load();
  out(`load average before: ${loadBefore}`);
  const ceilingRate = values['skip-ceiling'] ? NaN : await ceiling();
  const r = await pipeline();
  const loadAfter = load();
  out(`load average after: ${loadAfter}`);
  out(
    `SUMMARY pipeline ${r.sustained.toFixed(0)} points/s sustained, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
      `ceiling ${ceilingRate.toFixed(0)} points/s, ratio ${(r.sustained / ceilingRate).toFixed(2)}, ` +
      `loss ${r.total - r.stored}/${r.total}, load ${loadBefore} → ${loadAfter}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`cause: ${String(err.cause)}\n`);
  process.exit(1);
});
