import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { silentLogger } from '@carbonreducer/common';
import { loadStackEnv, withStackDefaults } from '@carbonreducer/stack-env';
import { loadConfig } from './config';
import { startServer, type RunningApi } from './server';

// The API's HTTPS listener with the local CA's server certificate (what main.sh's API serves on API_TLS_PORT):
// a client trusting the CA gets answers, one trusting only the system CAs or speaking TLS 1.1 does not.
// The stack's local CA (`scripts/stack` generates it into .stack/tls; `stack env` names its certificate).
const tlsDir = dirname(loadStackEnv().get('MQTT_CA_FILE'));
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });

const fetchTls = (
  url: string,
  options: { ca?: Buffer; maxVersion?: 'TLSv1.1' },
): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    get(url, { ...options, ...(options.maxVersion ? { minVersion: 'TLSv1' } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });

let api: RunningApi;
let ca: Buffer;

beforeAll(async () => {
  if (!existsSync(join(tlsDir, 'server.crt'))) {
    throw new Error(`no local CA in ${tlsDir}: run \`bash scripts/stack up\` (or \`bash scripts/stack env\`) once`);
  }
  ca = readFileSync(join(tlsDir, 'ca.crt'));
  const config = loadConfig({
    ...withStackDefaults(process.env),
    API_PORT: String(await freePort()),
    API_TLS_PORT: String(await freePort()),
    API_TLS_CERT_FILE: join(tlsDir, 'server.crt'),
    API_TLS_KEY_FILE: join(tlsDir, 'server.key'),
  });
  api = await startServer(config, silentLogger);
});
afterAll(async () => {
  await api?.close();
});

describe('API over HTTPS', () => {
  it('answers a client that trusts the local CA, on both 127.0.0.1 and localhost', async () => {
    expect(api.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetchTls(`${api.tlsUrl}/api/openapi.json`, { ca });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
    const byName = await fetchTls(`${api.tlsUrl!.replace('127.0.0.1', 'localhost')}/api/openapi.json`, { ca });
    expect(byName.status).toBe(200);
  });

  it('is refused by a client that trusts only the system CAs', async () => {
    await expect(fetchTls(`${api.tlsUrl}/api/openapi.json`, {})).rejects.toMatchObject({
      code: expect.stringMatching(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/,
      ),
    });
  });

  it('refuses TLS older than 1.2', async () => {
    await expect(fetchTls(`${api.tlsUrl}/api/openapi.json`, { ca, maxVersion: 'TLSv1.1' })).rejects.toThrow();
  });

  it('keeps serving HTTP on the loopback port', async () => {
    const res = await fetch(`${api.url}/api/openapi.json`);
    expect(res.status).toBe(200);
  });
});
