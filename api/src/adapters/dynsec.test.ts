import { parseDeviceTopic, parseTopic } from '@carbonreducer/telemetry';
import { BrokerRefused } from '../ports';
import {
  answers,
  checkResponses,
  deviceAcls,
  deviceRolename,
  deviceUsername,
  newDevicePassword,
  registerCommands,
  revokeCommands,
} from './dynsec';

describe('dynamic-security commands for device identities', () => {
  it('names a device by home and id, so two homes can each have a dishwasher', () => {
    expect(deviceUsername('home-7', 'dishwasher')).toBe('home-7/dishwasher');
    expect(deviceUsername('home-8', 'dishwasher')).not.toBe(deviceUsername('home-7', 'dishwasher'));
    expect(deviceRolename('home-7', 'dishwasher')).toBe('device/home-7/dishwasher');
    // Service clients (telegraf, service, device, dynsec-admin) have no '/': a device can never take one over.
    expect(deviceUsername('a', 'b')).toContain('/');
  });

  it('grants exactly the device contract topics of its own id: publish telemetry/status/acks/events, subscribe commands/notifications', () => {
    const acls = deviceAcls('home-7', 'plug', 'dishwasher');
    expect(acls).toEqual([
      { acltype: 'publishClientSend', topic: 'carbonreducer/home-7/telemetry/plug/dishwasher', allow: true },
      { acltype: 'publishClientSend', topic: 'carbonreducer/home-7/telemetry/gateway/dishwasher', allow: true },
      { acltype: 'publishClientSend', topic: 'carbonreducer/home-7/status/dishwasher', allow: true },
      { acltype: 'publishClientSend', topic: 'carbonreducer/home-7/acks/dishwasher', allow: true },
      { acltype: 'publishClientSend', topic: 'carbonreducer/home-7/events/dishwasher', allow: true },
      { acltype: 'subscribeLiteral', topic: 'carbonreducer/home-7/commands/dishwasher', allow: true },
      { acltype: 'subscribeLiteral', topic: 'carbonreducer/home-7/notifications', allow: true },
    ]);
    // Every topic is a contract topic of this home and device, no wildcard anywhere.
    for (const { topic } of acls) {
      expect(topic).not.toMatch(/[+#]/);
      const parsed = parseTopic(topic) ?? parseDeviceTopic(topic);
      if (topic.endsWith('/notifications')) continue;
      expect(parsed).toMatchObject({ homeId: 'home-7', deviceId: 'dishwasher' });
    }
    // A gateway-kind device gets its telemetry topic once.
    expect(deviceAcls('h', 'gateway', 'g').filter((a) => a.topic.includes('/telemetry/'))).toHaveLength(1);
  });

  it('refuses ids outside the contract rule before anything reaches the broker', () => {
    expect(() => deviceAcls('home-7', 'plug', '#')).toThrow(/deviceId "#" is not a valid id/);
    expect(() => deviceAcls('home/7', 'plug', 'x')).toThrow(/homeId/);
  });

  it('registers in one request: leftovers under the names deleted, then the role, then the client with it', () => {
    const commands = registerCommands({ homeId: 'h', deviceId: 'd', kind: 'meter' }, 'secret');
    expect(commands.map((c) => c.command)).toEqual(['deleteClient', 'deleteRole', 'createRole', 'createClient']);
    expect(commands[3]).toMatchObject({ username: 'h/d', password: 'secret', roles: [{ rolename: 'device/h/d' }] });
    expect(commands[2]).toMatchObject({ rolename: 'device/h/d', acls: deviceAcls('h', 'meter', 'd') });
    expect(revokeCommands({ homeId: 'h', deviceId: 'd' })).toEqual([
      { command: 'deleteClient', username: 'h/d' },
      { command: 'deleteRole', rolename: 'device/h/d' },
    ]);
  });

  it('makes 192-bit URL-safe passwords, a new one every time', () => {
    const a = newDevicePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newDevicePassword()).not.toBe(a);
  });
});

describe('dynamic-security answers', () => {
  const sent = registerCommands({ homeId: 'h', deviceId: 'd', kind: 'plug' }, 'pw');
  const answer = (errors: (string | undefined)[], correlation = 'c1') =>
    JSON.stringify({
      responses: sent.map((c, i) => ({
        command: c.command,
        correlationData: correlation,
        ...(errors[i] ? { error: errors[i] } : {}),
      })),
    });

  it('accepts deletes of names that are not there', () => {
    expect(checkResponses(sent, answer(['Client not found', 'Role not found']), 'c1')).toHaveLength(4);
  });

  it('names the command the broker refused and its reason', () => {
    expect(() =>
      checkResponses(sent, answer([undefined, undefined, undefined, 'Client already exists']), 'c1'),
    ).toThrow(new BrokerRefused('the broker refused createClient h/d: Client already exists'));
    expect(() => checkResponses(sent, answer([undefined, undefined, 'Role already exists']), 'c1')).toThrow(
      /createRole device\/h\/d: Role already exists/,
    );
    // "not found" only excuses deletes.
    expect(() => checkResponses(sent, answer([undefined, undefined, 'Role not found']), 'c1')).toThrow(BrokerRefused);
  });

  it('refuses answers that do not fit the request: not JSON, other correlation, missing or reordered commands', () => {
    expect(() => checkResponses(sent, 'nope', 'c1')).toThrow(/not JSON/);
    expect(() => checkResponses(sent, '{"x":1}', 'c1')).toThrow(/no responses/);
    expect(() => checkResponses(sent, answer([], 'c0'), 'c1')).toThrow(/answered 0 of 4/);
    const reordered = JSON.stringify({
      responses: [...sent].reverse().map((c) => ({ command: c.command, correlationData: 'c1' })),
    });
    expect(() => checkResponses(sent, reordered, 'c1')).toThrow(/answered createClient where deleteClient was asked/);
    // Whole-payload errors of the plugin (e.g. invalid JSON) carry no correlation: they answer no request.
    const pluginError = '{"responses":[{"command":"Unknown command","error":"Payload not valid JSON"}]}';
    expect(answers(pluginError, 'c1')).toBe(false);
    expect(answers(answer([]), 'c1')).toBe(true);
    expect(answers('garbage', 'c1')).toBe(false);
  });
});
