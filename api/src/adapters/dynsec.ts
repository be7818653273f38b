/**
 * Per-device broker identities in Mosquitto's dynamic-security plugin (provisioning/mosquitto/README.md): one client
 * and one role per registered device, created and deleted through `$CONTROL/dynamic-security/v1` as the plugin's
 * admin client. The pure part builds the plugin's commands and reads its answers; `DynsecClient` is the thin edge
 * (one MQTT connection, one request at a time, a deadline per request).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@carbonreducer/common';
import {
  ackTopic,
  commandTopic,
  eventTopic,
  notificationTopic,
  statusTopic,
  telemetryTopic,
  type DeviceKind,
} from '@carbonreducer/telemetry';
import { connectAsync, type MqttClient } from 'mqtt';
import { BrokerRefused, DependencyUnavailable, type DeviceIdentities } from '../ports';

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;

export interface DynsecSettings {
  url: string;
  username: string;
  password: string;
  /** How long to wait for the plugin's answer before the API answers 503 (ms). */
  timeoutMs: number;
}

// ── pure ────────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The broker username of a device. Device ids are unique per home only (every home has its `dishwasher`), so the
 * home is part of it; `/` is outside the id alphabet, so a device username never equals a service client's.
 */
export function deviceUsername(homeId: string, deviceId: string): string {
  return `${homeId}/${deviceId}`;
}

export function deviceRolename(homeId: string, deviceId: string): string {
  return `device/${deviceUsername(homeId, deviceId)}`;
}

export type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern';

export interface Acl {
  acltype: AclType;
  topic: string;
  allow: boolean;
}

/** Telemetry kinds a device may publish besides its registered one: the firmware's health readings (firmware/README.md). */
const HEALTH_KIND: DeviceKind = 'gateway';

/**
 * Exactly the device's contract topics: it publishes its own telemetry (registered kind and health), status (also
 * its last will), acks and events, and subscribes, literally, to its own commands and its home's notifications.
 * Everything else falls to the plugin's default: refused.
 */
export function deviceAcls(homeId: string, kind: DeviceKind, deviceId: string): Acl[] {
  const kinds = [...new Set<DeviceKind>([kind, HEALTH_KIND])];
  const publish = [
    ...kinds.map((k) => telemetryTopic(homeId, k, deviceId)),
    statusTopic(homeId, deviceId),
    ackTopic(homeId, deviceId),
    eventTopic(homeId, deviceId),
  ];
  const subscribe = [commandTopic(homeId, deviceId), notificationTopic(homeId)];
  return [
    ...publish.map((topic): Acl => ({ acltype: 'publishClientSend', topic, allow: true })),
    ...subscribe.map((topic): Acl => ({ acltype: 'subscribeLiteral', topic, allow: true })),
  ];
}

export interface DynsecCommand {
  command: string;
  [key: string]: unknown;
}

/**
 * What registering asks of the plugin, in one request: first whatever a failed earlier attempt may have left under
 * this device's names (the caller has just made sure the device is not registered), then the role and the client.
 */
export function registerCommands(
  device: { homeId: string; deviceId: string; kind: DeviceKind },
  password: string,
): DynsecCommand[] {
  const username = deviceUsername(device.homeId, device.deviceId);
  const rolename = deviceRolename(device.homeId, device.deviceId);
  return [
    ...revokeCommands(device),
    {
      command: 'createRole',
      rolename,
      textdescription: `CarbonReducer device ${username}: its own contract topics only`,
      acls: deviceAcls(device.homeId, device.kind, device.deviceId),
    },
    {
      command: 'createClient',
      username,
      password,
      textdescription: `CarbonReducer device ${username}, registered through the API`,
      roles: [{ rolename }],
    },
  ];
}

/** Deleting the client disconnects it at once (the plugin kicks it); then its role. */
export function revokeCommands(device: { homeId: string; deviceId: string }): DynsecCommand[] {
  return [
    { command: 'deleteClient', username: deviceUsername(device.homeId, device.deviceId) },
    { command: 'deleteRole', rolename: deviceRolename(device.homeId, device.deviceId) },
  ];
}

/** Answers that mean "nothing there to delete" (the wording of the 2.0 plugin). */
const ABSENT = new Set(['Client not found', 'Role not found']);

export interface DynsecResponse {
  command: string;
  error?: string;
  correlationData?: string;
  data?: unknown;
}

/**
 * The plugin's answer to one request, command by command. Throws `BrokerRefused` naming the first command the
 * plugin refused (a delete of something absent is not a refusal), or when the answer does not fit the request.
 */
export function checkResponses(sent: readonly DynsecCommand[], payload: string, correlation: string): DynsecResponse[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (err) {
    throw new BrokerRefused(`dynamic-security answer is not JSON: ${payload.slice(0, 200)}`, { cause: err });
  }
  const responses = (parsed as { responses?: unknown }).responses;
  if (!Array.isArray(responses)) {
    throw new BrokerRefused(`dynamic-security answer has no responses: ${payload.slice(0, 200)}`);
  }
  const mine = (responses as DynsecResponse[]).filter((r) => r.correlationData === correlation);
  if (mine.length !== sent.length) {
    throw new BrokerRefused(`dynamic-security answered ${mine.length} of ${sent.length} commands`);
  }
  mine.forEach((r, i) => {
    const command = sent[i] as DynsecCommand;
    if (r.command !== command.command) {
      throw new BrokerRefused(`dynamic-security answered ${r.command} where ${command.command} was asked`);
    }
    const deleting = command.command === 'deleteClient' || command.command === 'deleteRole';
    if (r.error !== undefined && !(deleting && ABSENT.has(r.error))) {
      const what = String(command.username ?? command.rolename ?? '');
      throw new BrokerRefused(`the broker refused ${command.command} ${what}: ${r.error}`);
    }
  });
  return mine;
}

/** Whether a response message answers the request with this correlation (unreadable ones answer nothing). */
export function answers(payload: string, correlation: string): boolean {
  try {
    const responses = (JSON.parse(payload) as { responses?: unknown }).responses;
    return Array.isArray(responses) && responses.some((r) => (r as DynsecResponse).correlationData === correlation);
  } catch {
    return false;
  }
}

/** A device's broker password: 192 random bits, URL-safe (fits the firmware's 128-byte field). */
export function newDevicePassword(): string {
  return randomBytes(24).toString('base64url');
}

// ── edge ────────────────────────────────────────────────────────────────────────────────────────────────────────

interface Pending {
  correlation: string;
  resolve: (payload: string) => void;
}

/**
 * The admin client: connects lazily (and again after a failure), subscribes to the plugin's responses, and sends one
 * request at a time. The plugin answers each command with the `correlationData` it was given, so a late answer to
 * a request that timed out is never taken for the next one's.
 */
export class DynsecClient {
  private client: Promise<MqttClient> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Pending | undefined;
  private seq = 0;

  constructor(
    private readonly settings: DynsecSettings,
    private readonly log: Logger,
  ) {}

  private connect(): Promise<MqttClient> {
    this.client ??= (async () => {
      const c = await connectAsync(this.settings.url, {
        username: this.settings.username,
        password: this.settings.password,
        clientId: `carbonreducer-api-dynsec-${process.pid}-${randomBytes(3).toString('hex')}`,
        protocolVersion: 5,
        clean: true,
        reconnectPeriod: 1000,
        connectTimeout: Math.min(5000, this.settings.timeoutMs),
      });
      c.on('error', (err) => this.log.warn('dynsec client error', { err }));
      c.on('message', (topic, payload) => {
        const p = this.pending;
        if (topic !== DYNSEC_RESPONSE_TOPIC || p === undefined) return;
        const text = payload.toString();
        if (answers(text, p.correlation)) p.resolve(text);
      });
      const granted = await c.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 });
      if (granted.some((g) => g.qos > 2)) {
        await c.endAsync(true);
        throw new Error(`${this.settings.username} may not subscribe to ${DYNSEC_RESPONSE_TOPIC}`);
      }
      return c;
    })().catch((err: unknown) => {
      this.client = undefined;
      throw new Error(`connecting to the broker's dynamic-security plugin at ${this.settings.url} failed`, {
        cause: err,
      });
    });
    return this.client;
  }

  /**
   * Sends the commands as one request and returns the plugin's answers. `DependencyUnavailable` when the broker
   * cannot be reached or does not answer in time, `BrokerRefused` when the plugin refuses a command.
   */
  request(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    const run = this.queue.then(() => this.send(commands));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    const correlation = `api-${process.pid}-${++this.seq}`;
    const deadline = this.settings.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DependencyUnavailable(`the broker's dynamic-security plugin did not answer within ${deadline} ms`),
          ),
        deadline,
      );
    });
    try {
      const client = await Promise.race([this.connect(), timeout]).catch((err: unknown) => {
        throw err instanceof DependencyUnavailable
          ? err
          : new DependencyUnavailable(err instanceof Error ? err.message : String(err), { cause: err });
      });
      const answer = new Promise<string>((resolve) => (this.pending = { correlation, resolve }));
      const payload = JSON.stringify({ commands: commands.map((c) => ({ ...c, correlationData: correlation })) });
      await Promise.race([client.publishAsync(DYNSEC_TOPIC, payload, { qos: 1 }), timeout]);
      return checkResponses(commands, await Promise.race([answer, timeout]), correlation);
    } finally {
      this.pending = undefined;
      clearTimeout(timer);
    }
  }

  async ping(): Promise<void> {
    await this.request([{ command: 'getDefaultACLAccess' }]);
  }

  async close(): Promise<void> {
    if (this.client === undefined) return;
    const c = await this.client.catch(() => undefined);
    this.client = undefined;
    await c?.endAsync();
  }
}

/** `DeviceIdentities` on the dynamic-security plugin. */
export class DynsecDeviceIdentities implements DeviceIdentities {
  constructor(private readonly client: DynsecClient) {}

  username(homeId: string, deviceId: string): string {
    return deviceUsername(homeId, deviceId);
  }

  async create(device: {
    homeId: string;
    deviceId: string;
    kind: DeviceKind;
  }): Promise<{ username: string; password: string }> {
    const password = newDevicePassword();
    await this.client.request(registerCommands(device, password));
    return { username: deviceUsername(device.homeId, device.deviceId), password };
  }

  async remove(device: { homeId: string; deviceId: string }): Promise<void> {
    await this.client.request(revokeCommands(device));
  }

  ping(): Promise<void> {
    return this.client.ping();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
