import { createServer } from 'node:http';
import { createJsonLogger, errorMessage } from '@carbonreducer/common';
import { TELEMETRY_QOS } from '@carbonreducer/telemetry';
import mqtt from 'mqtt';
import { loadGatewayConfig } from './config';
import { DiskQueue } from './diskQueue';
import { Gateway } from './gateway';

// Edge gateway for a Raspberry Pi: local broker → disk buffer → central broker. See pipeline/README.md.
const log = createJsonLogger({ fields: { service: 'gateway' } });

/**
 * `carbonreducer gateway` (old name `carbonreducer-gateway`; cli/src/commands/gateway.ts): runs until SIGINT/SIGTERM.
 * It takes no arguments: settings come from the environment (GATEWAY_SETTINGS).
 */
export async function runGateway(): Promise<void> {
  const config = loadGatewayConfig();
  const queue = DiskQueue.open(config.bufferDir, {
    maxBytes: config.bufferMaxBytes,
    segmentBytes: config.segmentBytes,
  });
  log.info('disk buffer opened', { dir: config.bufferDir, ...queue.pending(), bytes: queue.totalBytes });

  const gateway = new Gateway(
    queue,
    async (will) => {
      const client = mqtt.connect(config.central.url, {
        username: config.central.username,
        password: config.central.password,
        clientId: `carbonreducer-gateway-${config.homeId}-${config.gatewayId}`,
        // The gateway resends from its own disk buffer after a reconnect, so the client keeps no session or retries.
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        will: { topic: will.topic, payload: Buffer.from(will.payload), qos: TELEMETRY_QOS, retain: true },
      });
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', (err) => {
          client.end(true);
          reject(err);
        });
        client.once('close', () => reject(new Error(`connection to ${config.central.url} closed`)));
      });
      client.on('error', (err) => log.warn('central broker error', { error: err }));
      return client;
    },
    {
      homeId: config.homeId,
      gatewayId: config.gatewayId,
      maxInflight: config.maxInflight,
      heartbeatMs: config.heartbeatMs,
      retryMs: config.retryMs,
      cursorSyncMs: config.cursorSyncMs,
      cursorSyncRecords: config.cursorSyncRecords,
      now: () => Date.now(),
    },
    log,
  );
  gateway.start();

  // Status endpoint for operators and `scripts/stack status`: buffer depth and rates over the last 10 s.
  const status =
    config.statusPort > 0
      ? createServer((req, res) => {
          if (req.method !== 'GET' || req.url !== '/status') {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /status\n');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(gateway.status()) + '\n');
        })
      : undefined;
  status?.on('error', (err) => log.warn('status endpoint failed', { port: config.statusPort, error: err }));
  status?.listen(config.statusPort, '127.0.0.1', () =>
    log.info('status endpoint', { url: `http://127.0.0.1:${config.statusPort}/status` }),
  );

  // The local session is persistent: what devices sent while the gateway was down waits in the local broker, and a
  // message is acknowledged (PUBACK) only after `accept` wrote it to disk.
  const local = mqtt.connect(config.local.url, {
    username: config.local.username,
    password: config.local.password,
    clientId: `carbonreducer-gateway-${config.homeId}-${config.gatewayId}-local`,
    clean: false,
    reconnectPeriod: 1000,
  });
  local.handleMessage = (packet, callback) => {
    try {
      const payload = typeof packet.payload === 'string' ? packet.payload : packet.payload.toString('utf8');
      gateway.accept(packet.topic, payload, packet.retain);
      callback();
    } catch (err) {
      // The disk failed: do not acknowledge; exit so that the supervisor restarts us and the broker redelivers.
      log.error('cannot journal a device message', { error: err instanceof Error ? err : errorMessage(err) });
      process.exit(1);
    }
  };
  local.on('connect', (connack) => {
    log.info('connected to the local broker', { url: config.local.url, sessionPresent: connack.sessionPresent });
    const home = `carbonreducer/${config.homeId}`;
    local.subscribe(
      { [`${home}/telemetry/#`]: { qos: TELEMETRY_QOS }, [`${home}/status/#`]: { qos: TELEMETRY_QOS } },
      (err) => {
        if (err) log.error('local subscribe failed', { error: err });
        else log.info('subscribed to the local broker', { homeId: config.homeId });
      },
    );
  });
  local.on('error', (err) => log.warn('local broker error', { error: err }));

  const shutdown = (signal: string): void => {
    log.info('stopping', { signal });
    status?.close();
    local.end(false, () => {
      gateway
        .stop()
        .then(() => {
          queue.close();
          process.exit(0);
        })
        .catch((err: unknown) => {
          log.error('stop failed', { error: err instanceof Error ? err : errorMessage(err) });
          process.exit(1);
        });
    });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

// Run directly (`node --require tsx/cjs pipeline/src/gateway/cli.ts`, as the fault suite does), not when imported.
if (require.main === module) {
  runGateway().catch((err: unknown) => {
    log.error('gateway failed', { error: err instanceof Error ? err : errorMessage(err) });
    process.exit(1);
  });
}
