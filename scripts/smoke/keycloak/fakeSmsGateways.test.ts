import { codeFromMessage, startFakeSmsGateways, type FakeSmsGateways } from './fakeSmsGateways';

// The local Twilio/MessageBird stand-in must refuse what the real APIs refuse, or the Keycloak tests that use it
// would pass with wrong credentials or a wrong request shape.
const credentials = { twilioAccountSid: 'AC123', twilioAuthToken: 'secret', messageBirdAccessKey: 'live_key' };
const basic = (user: string, password: string): string =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

describe('fake SMS gateways (Twilio and MessageBird Messages APIs)', () => {
  let sms: FakeSmsGateways;
  beforeEach(async () => {
    sms = await startFakeSmsGateways(credentials);
  });
  afterEach(async () => {
    await sms.close();
  });

  const twilio = (authorization: string, form: Record<string, string>, sid = 'AC123') =>
    fetch(`${sms.url}/2010-04-01/Accounts/${sid}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });

  it('Twilio: records a message sent with the right Basic auth, answers 201 with a Message sid', async () => {
    const response = await twilio(basic('AC123', 'secret'), {
      To: '+447700900123',
      From: '+15005550006',
      Body: 'code: 123456',
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { sid: string }).sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sms.sent).toMatchObject([{ gateway: 'twilio', to: '+447700900123', from: '+15005550006' }]);
    expect(codeFromMessage(sms.sent[0] ?? { gateway: 'twilio', to: '', from: '', body: '', receivedAtMs: 0 })).toBe(
      '123456',
    );
  });

  it('Twilio: refuses a wrong token (401, error 20003) and a number that is not E.164 (400, error 21211)', async () => {
    const wrong = await twilio(basic('AC123', 'nope'), { To: '+447700900123', From: '+15005550006', Body: 'x' });
    expect([wrong.status, ((await wrong.json()) as { code: number }).code]).toEqual([401, 20003]);
    const bad = await twilio(basic('AC123', 'secret'), { To: '07700900123', From: '+15005550006', Body: 'x' });
    expect([bad.status, ((await bad.json()) as { code: number }).code]).toEqual([400, 21211]);
    expect(sms.sent).toHaveLength(0);
  });

  it('MessageBird: records a JSON message with the AccessKey, refuses bad recipients with 422', async () => {
    const send = (authorization: string, recipients: unknown) =>
      fetch(`${sms.url}/messages`, {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/json' },
        body: JSON.stringify({ originator: 'CarbonRed', recipients, body: 'code: 4242' }),
      });
    expect((await send('AccessKey wrong', ['447700900123'])).status).toBe(401);
    const bad = await send('AccessKey live_key', ['+44 7700']);
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: Array<{ code: number }> }).errors[0]?.code).toBe(9);
    const ok = await send('AccessKey live_key', ['447700900123']);
    expect(ok.status).toBe(201);
    const message = await sms.waitForMessage('+447700900123', 0, 1_000);
    expect(message).toMatchObject({ gateway: 'messagebird', from: 'CarbonRed' });
  });

  it('answers slowly or with a server error when told to', async () => {
    sms.setBehaviour({ kind: 'error', status: 503 });
    expect((await twilio(basic('AC123', 'secret'), { To: '+447700900123', From: '+1', Body: 'x' })).status).toBe(503);
    await expect(sms.waitForMessage('+447700900123', 0, 50)).rejects.toThrow('no SMS to +447700900123 within 50 ms');
  });
});
