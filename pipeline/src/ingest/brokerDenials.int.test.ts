import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@carbonreducer/stack-env';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../mqtt';
import { freePort } from '../testing/localBroker';

jest.setTimeout(120_000);

// Our broker plugin (provisioning/mosquitto/denials) in brokers of its own, with the stack's plugin lines
// (provisioning/mosquitto/mosquitto.conf: the dynamic-security plugin first, ours after it): it counts exactly the
// publishes and subscriptions the broker refuses, per topic, bounded, and never lets one through.
const REPORT_TOPIC = '$SYS/broker/carbonreducer/denied';

interface Report {
  v: number;
  since: number;
  reason: string;
  publish: number;
  subscribe: number;
  topics: { action: string; topic: string; messages: number }[];
}

interface TestBroker {
  connect(clientId: string): Promise<MqttClient>;
  log(): string;
  /** The log once it holds `text`, or as it is after `timeoutMs`. */
  logged(text: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

let plugin = '';
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-denials-build-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  plugin = join(dir, 'carbonreducer_denials.so');
  execFileSync(join(repoRoot, 'provisioning', 'mosquitto', 'denials', 'build.sh'), [plugin]);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A broker with the stack's plugin lines plus `options` for ours, and a client `dev` allowed only under ok/. */
async function startBroker(options: string): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-denials-'));
  mkdirSync(join(dir, 'plugins'));
  execFileSync('cp', [plugin, join(dir, 'plugins', 'carbonreducer_denials.so')]);
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', join(dir, 'dynamic-security.json'), 'admin', 'admin-pw'], {
    stdio: 'ignore',
  });
  const port = await freePort();
  const conf = readFileSync(join(repoRoot, 'provisioning', 'mosquitto', 'mosquitto.conf'), 'utf8');
  const plugins = conf
    .split('\n')
    .filter((l) => /^plugin(_opt_config_file)? /.test(l))
    .join('\n');
  expect(plugins).toContain('plugin plugins/carbonreducer_denials.so');
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    `listener ${port} 127.0.0.1\nallow_anonymous false\n${plugins}\n${options}\n` +
      'log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n',
  );
  // Started as root, mosquitto drops to the `mosquitto` user, which must read and write its directory.
  execFileSync('chmod', ['-R', 'a+rwX', dir]);
  const proc = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const clients: MqttClient[] = [];
  const stop = async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    if (proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  const ctrl = (...args: string[]) =>
    execFileSync(
      'mosquitto_ctrl',
      ['-h', '127.0.0.1', '-p', String(port), '-u', 'admin', '-P', 'admin-pw', 'dynsec', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      ctrl('createClient', 'dev', '-p', 'dev-pw');
      break;
    } catch (err) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`the test broker did not start: ${log}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  ctrl('createRole', 'dev');
  ctrl('addRoleACL', 'dev', 'publishClientSend', 'ok/#', 'allow');
  ctrl('addRoleACL', 'dev', 'subscribePattern', 'ok/#', 'allow');
  ctrl('addRoleACL', 'dev', 'subscribeLiteral', REPORT_TOPIC, 'allow');
  ctrl('addClientRole', 'dev', 'dev');
  return {
    connect: async (clientId) => {
      const c = await connectMqtt(
        { url: `mqtt://127.0.0.1:${port}`, username: 'dev', password: 'dev-pw' },
        { clientId },
      );
      clients.push(c);
      return c;
    },
    log: () => log,
    // The broker's stderr is read by the event loop, which the synchronous mosquitto_ctrl calls above may not have
    // given a turn: wait for the line rather than read the log at once.
    logged: async (text, timeoutMs = 5_000) => {
      const until = Date.now() + timeoutMs;
      while (!log.includes(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      return log;
    },
    stop,
  };
}

/** Subscribes to the plugin's reports; `latest()` is the per-topic count last reported, `last()` the last report. */
async function watchReports(watcher: MqttClient) {
  const reports: Report[] = [];
  const received: string[] = [];
  watcher.on('message', (topic, payload) => {
    if (topic === REPORT_TOPIC) reports.push(JSON.parse(payload.toString()) as Report);
    else received.push(topic);
  });
  await watcher.subscribeAsync([REPORT_TOPIC, 'ok/#'], { qos: 1 });
  return {
    received,
    last: () => reports.at(-1),
    latest: () => {
      const perTopic: Record<string, number> = {};
      for (const r of reports) for (const t of r.topics) perTopic[`${t.action} ${t.topic}`] = t.messages;
      return perTopic;
    },
    until: async (done: (r: Report) => boolean) => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !reports.some(done)) await new Promise((r) => setTimeout(r, 200));
    },
  };
}

describe('broker denials plugin (needs mosquitto, mosquitto_ctrl, cc and mosquitto-dev: bash scripts/stack install)', () => {
  it('counts each refused publish and subscription per topic, none that was allowed; a refused one reaches nobody', async () => {
    const broker = await startBroker('plugin_opt_interval 1');
    expect(await broker.logged('carbonreducer_denials: counting refused publishes')).toContain(
      'carbonreducer_denials: counting refused publishes',
    );
    const reports = await watchReports(await broker.connect('watcher'));
    const device = await broker.connect('device');
    for (let i = 0; i < 5; i++) await device.publishAsync('ok/allowed', 'x', { qos: 1 });
    for (let i = 0; i < 3; i++) await device.publishAsync('not/"allowed"/here', 'x', { qos: 1 });
    await device.publishAsync('elsewhere', 'x', { qos: 0 });
    // SUBACK failure code 128: refused (MQTT.js rejects).
    await expect(device.subscribeAsync('secret/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    // $SYS is refused by the broker before any plugin is asked: not counted (the plugin's comment says so).
    await device.publishAsync('$SYS/forged', 'x', { qos: 1 });

    await reports.until((r) => r.publish + r.subscribe >= 5);
    expect(reports.last()).toMatchObject({ v: 1, reason: 'no_acl_allows', publish: 4, subscribe: 1 });
    expect(reports.latest()).toEqual({
      'publish not/"allowed"/here': 3,
      'publish elsewhere': 1,
      'subscribe secret/#': 1,
    });
    // The plugin only observes: the allowed publishes arrived, nothing refused did.
    expect(reports.received).toEqual(Array(5).fill('ok/allowed'));
    expect(Math.abs((reports.last()?.since ?? 0) - Date.now() / 1000)).toBeLessThan(120);
    await broker.stop();
  });

  it('keeps at most max_topics counters: further topics are counted together, long topics cut', async () => {
    const broker = await startBroker('plugin_opt_interval 1\nplugin_opt_max_topics 2');
    const reports = await watchReports(await broker.connect('watcher'));
    const device = await broker.connect('device');
    const long = `x/${'é'.repeat(150)}`; // 302 bytes: cut to 200 at a character boundary
    for (const topic of ['a/1', 'a/2', 'a/3', 'a/4', 'a/1', long]) await device.publishAsync(topic, 'x', { qos: 1 });
    await reports.until((r) => r.publish >= 6);
    expect(reports.last()?.publish).toBe(6);
    expect(reports.latest()).toEqual({ 'publish a/1': 2, 'publish a/2': 1, 'publish (other topics)': 3 });
    await broker.stop();

    const cut = await startBroker('plugin_opt_interval 1');
    const r2 = await watchReports(await cut.connect('watcher'));
    await (await cut.connect('device')).publishAsync(long, 'x', { qos: 1 });
    await r2.until((r) => r.publish >= 1);
    expect(r2.latest()).toEqual({ [`publish x/${'é'.repeat(99)}`]: 1 });
    await cut.stop();
  });

  it('refuses to start with a bad option, naming it', async () => {
    await expect(startBroker('plugin_opt_interval soon')).rejects.toThrow(/plugin_opt_interval must be a whole number/);
  });
});
