import {
  ContractError,
  ackTopic,
  commandTopic,
  eventTopic,
  notificationTopic,
  parseAck,
  parseCommand,
  parseDeviceEvent,
  parseDeviceTopic,
  parseNotification,
} from './device';
import { DEVICE_MESSAGE_CASES, type DeviceMessageCase } from './fixtures';
import { ID_PATTERN, isValidId } from './topics';

function run(c: DeviceMessageCase): unknown {
  if (c.message === 'command') {
    const to = parseDeviceTopic(c.topic);
    if (!to || to.level !== 'commands') throw new Error(`fixture ${c.name}: not a command topic`);
    const result = parseCommand(c.payload, to);
    if (result.ok) return { ok: true, value: result.command };
    return {
      ok: false,
      reason: result.reason,
      ...(result.field !== undefined ? { field: result.field } : {}),
      idempotencyKey: result.idempotencyKey,
    };
  }
  const parse = { ack: parseAck, event: parseDeviceEvent, notification: parseNotification }[c.message];
  try {
    return { ok: true, value: parse(c.payload) };
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    return { ok: false, reason: err.reason, ...(err.field !== undefined ? { field: err.field } : {}) };
  }
}

describe('device messages: golden fixtures', () => {
  it('cover every message kind, accepted and refused', () => {
    for (const kind of ['command', 'ack', 'event', 'notification']) {
      const ofKind = DEVICE_MESSAGE_CASES.filter((c) => c.message === kind);
      expect(ofKind.some((c) => c.expect.ok)).toBe(true);
      expect(ofKind.some((c) => !c.expect.ok)).toBe(true);
    }
  });

  it.each(DEVICE_MESSAGE_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(run(c)).toEqual(c.expect);
  });
});

describe('device topics', () => {
  it('are built and parsed with the one id rule', () => {
    expect(commandTopic('h-1', 'kettle')).toBe('carbonreducer/h-1/commands/kettle');
    expect(ackTopic('h-1', 'kettle')).toBe('carbonreducer/h-1/acks/kettle');
    expect(eventTopic('h-1', 'kettle')).toBe('carbonreducer/h-1/events/kettle');
    expect(notificationTopic('h-1')).toBe('carbonreducer/h-1/notifications');
    expect(parseDeviceTopic('carbonreducer/h-1/acks/kettle')).toEqual({
      level: 'acks',
      homeId: 'h-1',
      deviceId: 'kettle',
    });
    expect(parseDeviceTopic('carbonreducer/h-1/telemetry/plug/kettle')).toBeUndefined();
    expect(parseDeviceTopic('carbonreducer/H-1/acks/kettle')).toBeUndefined();
    expect(() => commandTopic('h-1', 'a/b')).toThrow(/deviceId "a\/b" is not a valid id/);
  });

  it('accept 64-character ids and refuse 65, in the function and the pattern alike', () => {
    const pattern = new RegExp(ID_PATTERN);
    for (const id of ['a', 'a'.repeat(64), '0_-x', 'a'.repeat(65), '_a', 'A', '', 'a b', 'é']) {
      expect(pattern.test(id)).toBe(isValidId(id));
    }
    expect(isValidId('a'.repeat(64))).toBe(true);
    expect(isValidId('a'.repeat(65))).toBe(false);
  });
});
