import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KeycloakAdmin, type TestUser } from '../smoke/keycloak/admin';
import { launchBrowser, type LoginBrowser } from '../smoke/keycloak/browser';
import { CodeLogin } from '../smoke/keycloak/flows';
import { totpCode } from '../smoke/keycloak/totp';
import { loadStackEnv, repoRoot } from '@carbonreducer/stack-env';
import { Client as PgClient } from 'pg';
import { freePort, sleep, stack, type FaultResult } from './lib';
import type { Log, Scale } from './experiments';

/**
 * Keycloak and PostgreSQL restarts while the API is under load (issue #21). The API (api/src/server.ts, its own
 * process on a free port) takes a steady stream of writes from an operator with a real MFA token: `POST /api/homes`
 * with a new home id each, then `GET` of that home. The server is stopped (`scripts/stack down`) and started again
 * meanwhile. Every write the API acknowledged (201) must be in PostgreSQL afterwards (lost = acknowledged, not
 * stored); writes that failed are counted by status; recovery is from the server being back until requests succeed
 * again (for Keycloak: also until a new login works).
 */

/** An operator made for the run, logged in through the real login pages (password + TOTP): an `acr: mfa` token. */
class Operator {
  private browser: LoginBrowser | undefined;
  private constructor(
    private readonly admin: KeycloakAdmin,
    private readonly issuer: string,
    private readonly user: TestUser,
  ) {}

  static async create(prefix: string): Promise<Operator> {
    const env = loadStackEnv();
    const base = `http://127.0.0.1:${env.port('KEYCLOAK_PORT')}`;
    const admin = new KeycloakAdmin(base, env.get('KEYCLOAK_ADMIN_PASSWORD'));
    const user = await admin.createUser({ prefix, roles: ['operator'], totp: true });
    return new Operator(admin, `${base}/realms/carbonreducer`, user);
  }

  async login(): Promise<string> {
    this.browser ??= await launchBrowser();
    const session = await this.browser.newSession(this.user.username);
    try {
      const flow = new CodeLogin(session, this.issuer, 'carbonreducer-test');
      await flow.start();
      await flow.password(this.user.username, this.user.password);
      await flow.submitCode('otp', totpCode(this.user.totpSecret ?? '', Date.now()));
      const t = await flow.tokens();
      if (!t.access_token) throw new Error(`no access token for ${this.user.username}`);
      return t.access_token;
    } finally {
      await session.context.close();
    }
  }

  async close(): Promise<void> {
    await this.browser?.close();
    await this.admin.deleteUser(this.user);
  }
}

interface Outcome {
  atMs: number;
  status: number; // 0: no answer (connection refused, timeout)
  latencyMs: number;
  write: boolean;
  homeId?: string;
}

class ApiServer {
  private output = '';
  private constructor(
    private readonly proc: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<ApiServer> {
    const port = await freePort();
    const proc = spawn(process.execPath, ['--require', 'tsx/cjs', join(repoRoot, 'api/src/server.ts')], {
      cwd: repoRoot,
      detached: true,
      env: { ...process.env, API_PORT: String(port), API_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ApiServer(proc, `http://127.0.0.1:${port}`);
    proc.stdout?.on('data', (d: Buffer) => (server.output = (server.output + d.toString()).slice(-50_000)));
    proc.stderr?.on('data', (d: Buffer) => (server.output = (server.output + d.toString()).slice(-50_000)));
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(`the API exited with ${proc.exitCode}: ${server.output.slice(-2000)}`);
      try {
        const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
        if (res.status === 200 || res.status === 503) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the API did not start: ${server.output.slice(-2000)}`);
      await sleep(500);
    }
  }

  /** Whether the API process is still running (a dependency's restart must not end it). */
  running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.running()) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    try {
      process.kill(-(this.proc.pid ?? 0), 'SIGTERM');
    } catch {
      this.proc.kill('SIGTERM');
    }
    await exited;
  }
}

/** `concurrency` loops of register-then-read until `stop()`; every outcome recorded. */
function load(api: ApiServer, token: () => string, prefix: string, concurrency: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  let n = 0;
  const call = async (method: string, path: string, body: unknown, homeId: string): Promise<void> => {
    const t0 = Date.now();
    let status: number;
    try {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    outcomes.push({ atMs: t0, status, latencyMs: Date.now() - t0, write: method === 'POST', homeId });
  };
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const homeId = `${prefix}-${(n++).toString(36)}`;
      await call('POST', '/api/homes', { homeId, region: 'GB' }, homeId);
      await call('GET', `/api/homes/${homeId}`, undefined, homeId);
      await sleep(50);
    }
  });
  return {
    outcomes,
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

function summarize(outcomes: Outcome[], backMs: number) {
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[String(o.status)] = (byStatus[String(o.status)] ?? 0) + 1;
  // Recovered: from the server being back until the first request after which every request succeeded.
  const sorted = [...outcomes].sort((a, b) => a.atMs - b.atMs);
  let lastFailure = -1;
  sorted.forEach((o, i) => {
    if (o.status < 200 || o.status >= 300) lastFailure = i;
  });
  const firstGood = sorted[lastFailure + 1];
  const recoverS = firstGood === undefined ? undefined : Math.max(0, (firstGood.atMs - backMs) / 1000);
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const failures = sorted.filter((o) => o.status < 200 || o.status >= 300);
  const failingS = failures.length === 0 ? 0 : ((failures.at(-1)?.atMs ?? 0) - (failures[0]?.atMs ?? 0)) / 1000 + 0.001;
  return {
    byStatus,
    recoverS,
    failingS: Math.round(failingS * 10) / 10,
    p50Ms: p(0.5),
    p99Ms: p(0.99),
    maxMs: latencies.at(-1) ?? 0,
  };
}

async function storedHomes(prefix: string): Promise<Set<string>> {
  const env = loadStackEnv();
  const pg = new PgClient({
    connectionString: `postgresql://carbonreducer:${encodeURIComponent(env.get('POSTGRES_PASSWORD'))}@127.0.0.1:${env.port('POSTGRES_PORT')}/carbonreducer`,
  });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ home_id: string }>('SELECT home_id FROM app.homes WHERE home_id LIKE $1', [
      `${prefix}-%`,
    ]);
    return new Set(rows.map((r) => r.home_id));
  } finally {
    await pg.end();
  }
}

async function removeHomes(prefix: string): Promise<void> {
  const env = loadStackEnv();
  const pg = new PgClient({
    connectionString: `postgresql://carbonreducer:${encodeURIComponent(env.get('POSTGRES_PASSWORD'))}@127.0.0.1:${env.port('POSTGRES_PORT')}/carbonreducer`,
  });
  await pg.connect();
  try {
    await pg.query('DELETE FROM app.homes WHERE home_id LIKE $1', [`${prefix}-%`]);
  } finally {
    await pg.end();
  }
}

async function apiUnderLoad(
  name: string,
  server: 'keycloak' | 'postgres',
  scale: Scale,
  log: Log,
): Promise<FaultResult> {
  const prefix = `fault-api-${server.slice(0, 2)}-${Date.now().toString(36)}`;
  let operator: Operator | undefined;
  let api: ApiServer | undefined;
  try {
    operator = await Operator.create(prefix);
    let token = await operator.login();
    api = await ApiServer.start();
    const downS = scale.name === 'long' ? 120 : 10;
    const traffic = load(api, () => token, prefix, 4);
    await sleep(10_000);
    const downAtMs = Date.now();
    await stack('down', server);
    log(`${name}: ${server} down for ${downS} s under ${traffic.outcomes.length} requests so far`);
    await sleep(downS * 1000);
    await stack('up', server);
    const backMs = Date.now();
    log(`${name}: ${server} back after ${((backMs - downAtMs) / 1000).toFixed(1)} s`);
    // For Keycloak also: how soon a new login works again (the API itself keeps its signing keys).
    let loginS: number | string = 'n/a';
    if (server === 'keycloak') {
      for (let i = 0; i < 60; i++) {
        try {
          token = await operator.login();
          loginS = Math.round((Date.now() - backMs) / 100) / 10;
          break;
        } catch {
          await sleep(2000);
        }
      }
    }
    await sleep(20_000);
    await traffic.stop();
    const acknowledged = traffic.outcomes.filter((o) => o.write && o.status === 201).map((o) => o.homeId ?? '');
    const stored = await storedHomes(prefix);
    const lost = acknowledged.filter((h) => !stored.has(h)).length;
    // Stored although the API did not acknowledge (e.g. the answer was lost): not lost, but worth knowing.
    const unacknowledgedStored = [...stored].filter((h) => !acknowledged.includes(h)).length;
    const s = summarize(traffic.outcomes, backMs);
    const notes: FaultResult['notes'] = {
      downS: Math.round((backMs - downAtMs) / 100) / 10,
      requests: traffic.outcomes.length,
      byStatus: JSON.stringify(s.byStatus),
      failingS: s.failingS,
      acknowledgedWrites: acknowledged.length,
      storedWrites: stored.size,
      unacknowledgedStored,
      p50Ms: s.p50Ms,
      p99Ms: s.p99Ms,
      maxMs: s.maxMs,
      apiStillRunning: String(api.running()),
      loginAgainAfterS: loginS,
    };
    return {
      name,
      sent: acknowledged.length,
      stored: acknowledged.length - lost,
      duplicates: 0,
      lost,
      recoverS: s.recoverS,
      notes,
      passed: lost === 0 && s.recoverS !== undefined && api.running(),
    };
  } finally {
    await stack('up', server).catch(() => undefined);
    await api?.stop();
    await operator?.close().catch(() => undefined);
    await removeHomes(prefix).catch(() => undefined);
  }
}

export function keycloakRestartUnderApiLoad(scale: Scale, log: Log): Promise<FaultResult> {
  return apiUnderLoad('keycloak-restart-under-api-load', 'keycloak', scale, log);
}

export function postgresRestartUnderApiLoad(scale: Scale, log: Log): Promise<FaultResult> {
  return apiUnderLoad('postgres-restart-under-api-load', 'postgres', scale, log);
}
