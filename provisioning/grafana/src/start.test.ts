/**
 * start.sh, the compose entrypoint that creates the orgs, run for real (sh, curl) against a stand-in for Grafana: no
 * Grafana server can run here, so `GRAFANA_RUN` points at a small Node program that answers the parts of Grafana's
 * documented HTTP API the script uses (GET /api/health, GET /api/orgs, POST /api/orgs with basic auth) and keeps its
 * "database" in a JSON file, and a stand-in `grafana cli admin reset-admin-password` on PATH changes that file.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from './generate';

const script = join(__dirname, '..', 'start.sh');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

interface State {
  password: string;
  orgs: { id: number; name: string }[];
  folders: { org: number; uid: string; title: string; permissions: { role: string; permission: number }[] }[];
}

// Bootstrap mode (GF_AUTH_BASIC_ENABLED=true): serve the API on GF_SERVER_HTTP_PORT until killed. Otherwise this is
// the real start: record the arguments and the provisioning path, and exit.
const FAKE_RUN = `#!/usr/bin/env node
const fs = require('node:fs');
const http = require('node:http');
const file = process.env.FAKE_STATE;
if (process.env.GF_AUTH_BASIC_ENABLED !== 'true') {
  fs.writeFileSync(file + '.started', JSON.stringify({ args: process.argv.slice(2), provisioning: process.env.GF_PATHS_PROVISIONING ?? null }));
  process.exit(0);
}
const load = () => fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8'))
  : { password: process.env.GF_SECURITY_ADMIN_PASSWORD, orgs: [{ id: 1, name: 'Main Org.' }], folders: [] };
fs.writeFileSync(file, JSON.stringify(load()));
http.createServer((req, res) => {
  const state = load();
  const send = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
  if (req.url === '/api/health') return send(200, { database: 'ok' });
  const auth = 'Basic ' + Buffer.from('admin:' + state.password).toString('base64');
  if (req.headers.authorization !== auth) return send(401, { message: 'Unauthorized' });
  if (req.url === '/api/orgs' && req.method === 'GET') return send(200, state.orgs.map((o) => ({ id: o.id, name: o.name })));
  const org = Number(req.headers['x-grafana-org-id'] ?? 1);
  if (!state.orgs.some((o) => o.id === org)) return send(401, { message: 'not a member of org ' + org });
  const folder = new RegExp('^/api/folders/([^/]+)$').exec(req.url ?? '');
  if (folder && req.method === 'GET') {
    const f = state.folders.find((x) => x.org === org && x.uid === folder[1]);
    return f ? send(200, { uid: f.uid, title: f.title }) : send(404, { message: 'Folder not found' });
  }
  const perms = new RegExp('^/api/folders/([^/]+)/permissions$').exec(req.url ?? '');
  if ((req.url === '/api/orgs' || req.url === '/api/folders' || perms) && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/api/folders') {
        const { uid, title } = JSON.parse(body);
        state.folders.push({ org, uid, title, permissions: [{ role: 'Viewer', permission: 1 }, { role: 'Editor', permission: 2 }] });
        fs.writeFileSync(file, JSON.stringify(state));
        return send(200, { uid, title });
      }
      if (perms) {
        const f = state.folders.find((x) => x.org === org && x.uid === perms[1]);
        if (!f) return send(404, { message: 'Folder not found' });
        f.permissions = JSON.parse(body).items;
        fs.writeFileSync(file, JSON.stringify(state));
        return send(200, { message: 'Folder permissions updated' });
      }
      const { name } = JSON.parse(body);
      if (state.orgs.some((o) => o.name === name)) return send(409, { message: 'Organization name taken' });
      const id = Math.max(...state.orgs.map((o) => o.id)) + 1;
      state.orgs.push({ id, name });
      fs.writeFileSync(file, JSON.stringify(state));
      send(200, { message: 'Organization created', orgId: id });
    });
    return;
  }
  send(404, { message: 'Not found' });
}).listen(Number(process.env.GF_SERVER_HTTP_PORT), '127.0.0.1');
`;

const FAKE_CLI = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
const i = args.indexOf('reset-admin-password');
if (args[0] !== 'cli' || i < 0) process.exit(2);
const state = JSON.parse(fs.readFileSync(process.env.FAKE_STATE, 'utf8'));
state.password = args[i + 1];
fs.writeFileSync(process.env.FAKE_STATE, JSON.stringify(state));
`;

describe('start.sh (creates the orgs, then starts Grafana)', () => {
  let dir: string;
  let orgsFile: string;
  const state = () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as State;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cr-grafana-start-'));
    writeFileSync(join(dir, 'run.js'), FAKE_RUN);
    writeFileSync(join(dir, 'grafana'), FAKE_CLI);
    chmodSync(join(dir, 'run.js'), 0o755);
    chmodSync(join(dir, 'grafana'), 0o755);
    orgsFile = join(dir, 'orgs.env');
    writeFileSync(orgsFile, generate().get('orgs.env') ?? '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(extraEnv: Record<string, string> = {}) {
    const port = await freePort();
    rmSync(join(dir, 'state.json.started'), { force: true });
    return spawnSync('sh', [script, '--extra-arg'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
        HOME: dir,
        GRAFANA_RUN: join(dir, 'run.js'),
        GRAFANA_ORGS_FILE: orgsFile,
        GRAFANA_BOOTSTRAP_PORT: String(port),
        GF_PATHS_HOME: dir,
        GF_PATHS_CONFIG: join(dir, 'grafana.ini'),
        GF_PATHS_PROVISIONING: '/etc/grafana/provisioning',
        FAKE_STATE: join(dir, 'state.json'),
        ...extraEnv,
      },
    });
  }

  it('creates Homes and Analytics with the ids the provisioning uses, then starts the real server with its provisioning', async () => {
    const r = await run();
    expect([r.status, r.stderr]).toEqual([0, expect.stringContaining('orgs ready')]);
    expect(state().orgs).toEqual([
      { id: 1, name: 'Main Org.' },
      { id: 2, name: 'Homes' },
      { id: 3, name: 'Analytics' },
    ]);
    // The Operations folder exists in Analytics before the provisioning, visible to the org's Admins only.
    expect(state().folders).toEqual([
      { org: 3, uid: 'cr-operations', title: 'Operations', permissions: [{ role: 'Admin', permission: 4 }] },
    ]);
    const started = JSON.parse(readFileSync(join(dir, 'state.json.started'), 'utf8')) as {
      args: string[];
      provisioning: string;
    };
    expect(started).toEqual({ args: ['--extra-arg'], provisioning: '/etc/grafana/provisioning' });
  });

  it('is idempotent on an existing database whose admin password it does not know (it resets it)', async () => {
    const before = state();
    const r = await run();
    expect([r.status, r.stderr]).toEqual([0, expect.not.stringContaining('created org')]);
    expect(state().orgs).toEqual(before.orgs);
    expect(state().folders).toEqual(before.folders);
    // A fresh random password every start, never the one before.
    expect(state().password).not.toEqual(before.password);
    expect(state().password).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('refuses to start Grafana when an org has another id than the provisioning expects', async () => {
    writeFileSync(
      join(dir, 'state.json'),
      JSON.stringify({
        password: 'x',
        orgs: [
          { id: 1, name: 'Main Org.' },
          { id: 2, name: 'Analytics' },
        ],
        folders: [],
      }),
    );
    const r = await run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('org Homes has id 3, the provisioning expects 2');
    expect(existsSync(join(dir, 'state.json.started'))).toBe(false);
  });

  it('says which file is missing', async () => {
    const r = await run({ GRAFANA_ORGS_FILE: join(dir, 'nope.env') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot read ${join(dir, 'nope.env')}`);
  });
});
