import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the two SMS providers' documented Messages APIs, for tests of the Keycloak SMS
 * provider (identity/keycloak-sms-otp). It checks credentials and input as the providers do and records what
 * was sent, so a test can read the code out of the message.
 * - Twilio: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form `To`, `From` | `MessagingServiceSid`,
 *   `Body`, HTTP Basic `AccountSid:AuthToken`; 201 with a Message resource, errors `{code, message, status}`.
 * - MessageBird: `POST /messages`, JSON (or form) `originator`, `recipients`, `body`, `Authorization: AccessKey
 *   <key>`; 201 with a Message object, errors `{errors: [{code, description, parameter}]}`.
 */
export interface SentSms {
  gateway: 'twilio' | 'messagebird';
  /** E.164 with '+' (MessageBird's MSISDN is given back its '+'). */
  to: string;
  from: string;
  body: string;
  receivedAtMs: number;
}

export interface FakeSmsCredentials {
  twilioAccountSid: string;
  twilioAuthToken: string;
  messageBirdAccessKey: string;
}

/** How the server answers the next requests: normally, slowly (timeouts), or with a server error. */
export type FakeSmsBehaviour =
  { kind: 'normal' } | { kind: 'delay'; delayMs: number } | { kind: 'error'; status: number };

export interface FakeSmsGateways {
  /** Base URL (http://127.0.0.1:port) for both APIs. */
  readonly url: string;
  readonly sent: readonly SentSms[];
  setBehaviour(behaviour: FakeSmsBehaviour): void;
  /** The next message to `to` after the first `afterCount` messages; rejects after `timeoutMs`. */
  waitForMessage(to: string, afterCount: number, timeoutMs?: number): Promise<SentSms>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9][0-9]{7,14}$/;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function startFakeSmsGateways(credentials: FakeSmsCredentials): Promise<FakeSmsGateways> {
  const sent: SentSms[] = [];
  const waiters: Array<() => void> = [];
  let behaviour: FakeSmsBehaviour = { kind: 'normal' };

  const record = (message: SentSms): void => {
    sent.push(message);
    waiters.splice(0).forEach((wake) => wake());
  };

  const twilio = (request: IncomingMessage, response: ServerResponse, accountSid: string, body: string): void => {
    const expected =
      'Basic ' + Buffer.from(`${credentials.twilioAccountSid}:${credentials.twilioAuthToken}`).toString('base64');
    if (request.headers.authorization !== expected || accountSid !== credentials.twilioAccountSid) {
      json(response, 401, {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
      return;
    }
    const form = new URLSearchParams(body);
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? form.get('MessagingServiceSid') ?? '';
    const text = form.get('Body') ?? '';
    if (!E164.test(to)) {
      json(response, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
      return;
    }
    if (from === '') {
      json(response, 400, { code: 21603, message: "The 'From' phone number is required.", status: 400 });
      return;
    }
    if (text === '') {
      json(response, 400, { code: 21602, message: 'Message body is required.', status: 400 });
      return;
    }
    const sid = 'SM' + randomBytes(16).toString('hex');
    record({ gateway: 'twilio', to, from, body: text, receivedAtMs: Date.now() });
    json(response, 201, {
      sid,
      account_sid: accountSid,
      to,
      from,
      body: text,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    });
  };

  const messageBird = (request: IncomingMessage, response: ServerResponse, body: string): void => {
    if (request.headers.authorization !== `AccessKey ${credentials.messageBirdAccessKey}`) {
      json(response, 401, {
        errors: [{ code: 2, description: 'Request not allowed (incorrect access_key)', parameter: 'access_key' }],
      });
      return;
    }
    let fields: { originator?: unknown; recipients?: unknown; body?: unknown };
    try {
      fields = (request.headers['content-type'] ?? '').startsWith('application/json')
        ? (JSON.parse(body) as typeof fields)
        : Object.fromEntries(new URLSearchParams(body));
    } catch {
      json(response, 422, { errors: [{ code: 9, description: 'no valid JSON body', parameter: null }] });
      return;
    }
    const recipients = (
      Array.isArray(fields.recipients) ? fields.recipients : String(fields.recipients ?? '').split(',')
    )
      .map((r) => String(r).trim())
      .filter((r) => r !== '');
    if (recipients.length === 0 || recipients.some((r) => !/^[1-9][0-9]{7,14}$/.test(r))) {
      json(response, 422, {
        errors: [{ code: 9, description: 'no (correct) recipients found', parameter: 'recipients' }],
      });
      return;
    }
    if (typeof fields.originator !== 'string' || fields.originator === '') {
      json(response, 422, { errors: [{ code: 9, description: 'originator is required', parameter: 'originator' }] });
      return;
    }
    if (typeof fields.body !== 'string' || fields.body === '') {
      json(response, 422, { errors: [{ code: 9, description: 'body is required', parameter: 'body' }] });
      return;
    }
    const id = randomBytes(16).toString('hex');
    const now = new Date().toISOString();
    for (const recipient of recipients) {
      record({
        gateway: 'messagebird',
        to: `+${recipient}`,
        from: fields.originator,
        body: fields.body,
        receivedAtMs: Date.now(),
      });
    }
    json(response, 201, {
      id,
      href: `${url}/messages/${id}`,
      direction: 'mt',
      type: 'sms',
      originator: fields.originator,
      body: fields.body,
      createdDatetime: now,
      recipients: {
        totalCount: recipients.length,
        totalSentCount: recipients.length,
        totalDeliveredCount: 0,
        totalDeliveryFailedCount: 0,
        items: recipients.map((r) => ({ recipient: Number(r), status: 'sent', statusDatetime: now })),
      },
    });
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      if (behaviour.kind === 'delay')
        await new Promise((resolve) => setTimeout(resolve, (behaviour as { delayMs: number }).delayMs));
      if (behaviour.kind === 'error') {
        json(response, behaviour.status, { code: 20500, message: 'Internal Server Error', status: behaviour.status });
        return;
      }
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const twilioPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
      if (request.method === 'POST' && twilioPath)
        twilio(request, response, decodeURIComponent(twilioPath[1] ?? ''), body);
      else if (request.method === 'POST' && path === '/messages') messageBird(request, response, body);
      else json(response, 404, { code: 20404, message: `no route ${request.method} ${path}`, status: 404 });
    })().catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    sent,
    setBehaviour(next) {
      behaviour = next;
    },
    waitForMessage(to, afterCount, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no SMS to ${to} within ${timeoutMs} ms (${sent.length} messages recorded)`)),
          timeoutMs,
        );
        const check = (): void => {
          const found = sent.slice(afterCount).find((m) => m.to === to);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The digits of the code in a message sent by the Keycloak SMS provider. */
export function codeFromMessage(message: SentSms): string {
  const match = /code: ([0-9]{4,10})\b/.exec(message.body);
  if (!match?.[1]) throw new Error(`no code in SMS body '${message.body}'`);
  return match[1];
}
