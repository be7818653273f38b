/**
 * The CarbonReducer API of this checkout as a child process (api/src/server.ts on a free port, the stack's settings),
 * and an operator's MFA token from the real Keycloak login pages, for the firmware's integration tests: devices get
 * their broker credentials from the API, as they will in the field.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { KeycloakAdmin, type TestUser } from '@carbonreducer/scripts/smoke/keycloak/admin';
import { launchBrowser } from '@carbonreducer/scripts/smoke/keycloak/browser';
import { CodeLogin } from '@carbonreducer/scripts/smoke/keycloak/flows';
import { totpCode } from '@carbonreducer/scripts/smoke/keycloak/totp';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { repoRoot } from './virtualDevice';

export interface ApiProcess {
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return typeof ((await res.json()) as { status?: unknown }).status === 'string';
  } catch {
    return false;
  }
}

/** Starts the API and waits for /healthz (60 s); its stderr goes to the test's. `env` overrides settings. */
export async function startApi(env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('npx', ['tsx', 'api/src/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, API_PORT: String(port), LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const stop = async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  const t0 = Date.now();
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`the API (api/src/server.ts) exited with ${child.exitCode} on start`);
    if (Date.now() - t0 > 60_000) {
      await stop();
      throw new Error(`the API did not answer ${url}/healthz within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, stop };
}

export interface Operator {
  /** An MFA access token, logged in again when the last one is older than 4 minutes (they live 300 s). */
  token(): Promise<string>;
  close(): Promise<void>;
}

/** A fresh operator in the realm, logged in with password + TOTP through the login pages. */
export async function operatorLogin(prefix: string): Promise<Operator> {
  const stack = loadStackEnv();
  const base = `http://127.0.0.1:${stack.port('KEYCLOAK_PORT')}`;
  const admin = new KeycloakAdmin(base, stack.get('KEYCLOAK_ADMIN_PASSWORD'));
  const user: TestUser = await admin.createUser({ prefix, roles: ['operator'], totp: true });
  const login = async (): Promise<string> => {
    const browser = await launchBrowser();
    try {
      const session = await browser.newSession(user.username);
      const flow = new CodeLogin(session, `${base}/realms/carbonreducer`, 'carbonreducer-test');
      await flow.start();
      await flow.password(user.username, user.password);
      await flow.submitCode('otp', totpCode(user.totpSecret ?? '', Date.now()));
      const t = await flow.tokens();
      if (!t.access_token) throw new Error(`no access token for ${user.username}`);
      return t.access_token;
    } finally {
      await browser.close();
    }
  };
  let current: { token: string; atMs: number };
  try {
    current = { token: await login(), atMs: Date.now() };
  } catch (err) {
    await admin.deleteUser(user);
    throw err;
  }
  return {
    token: async () => {
      if (Date.now() - current.atMs > 240_000) current = { token: await login(), atMs: Date.now() };
      return current.token;
    },
    close: () => admin.deleteUser(user),
  };
}

/** One API call; a non-2xx answer throws with the problem's code and detail. */
export async function apiCall<T>(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}
