/**
 * influx-token.sh, compose's one-shot service that creates Grafana's read-only InfluxDB token, run for real (sh, sed)
 * with a stand-in `influx` CLI on PATH (no InfluxDB runs in unit tests): the stand-in keeps the tokens it "created" in
 * a file, accepts `bucket list --token T` only for those, and answers `auth create --json` as influx-cli 2.7 does (one
 * authorization object, pretty-printed, with its permissions).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, '..', 'influx-token.sh');

const FAKE_INFLUX = `#!/bin/sh
state=$FAKE_STATE
echo "$*" >>"$state.calls"
case "$1 $2" in
  "bucket list")
    tok=''
    while [ $# -gt 0 ]; do [ "$1" = --token ] && tok=$2; shift; done
    grep -qxF "$tok" "$state" 2>/dev/null && { echo "0a1b	telemetry	infinite"; exit 0; }
    echo "Error: failed to list buckets: 401 Unauthorized: unauthorized access" >&2; exit 1 ;;
  "auth create")
    [ -n "\${FAKE_NO_TOKEN:-}" ] && { echo '{ "id": "x" }'; exit 0; }
    n=$(( $(wc -l <"$state" 2>/dev/null || echo 0) + 1 ))
    echo "read-token-$n" >>"$state"
    cat <<EOF
{
	"id": "0c1d$n",
	"description": "grafana: read all buckets",
	"token": "read-token-$n",
	"status": "active",
	"userName": "admin",
	"userID": "0a0a",
	"permissions": [
		"read:orgs/0b0b/buckets"
	]
}
EOF
    exit 0 ;;
esac
echo "unexpected: influx $*" >&2; exit 2
`;

describe('influx-token.sh (compose: the read-only InfluxDB token for Grafana)', () => {
  let dir: string;
  let out: string;
  const run = (env: Record<string, string> = {}) =>
    spawnSync('sh', [script, out], {
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
        FAKE_STATE: join(dir, 'tokens'),
        INFLUX_HOST: 'http://127.0.0.1:8086',
        INFLUX_ORG: 'carbonreducer',
        INFLUX_TOKEN: 'operator-token',
        GRAFANA_UID: String(process.getuid?.() ?? 0),
        ...env,
      },
    });
  const calls = () => readFileSync(join(dir, 'tokens.calls'), 'utf8').trim().split('\n');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'influx-token-'));
    out = join(dir, 'influx-grafana-token');
    writeFileSync(join(dir, 'influx'), FAKE_INFLUX);
    chmodSync(join(dir, 'influx'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a read-buckets token once, readable by its owner only, and keeps it while InfluxDB accepts it', () => {
    const first = run();
    expect([first.status, first.stderr]).toEqual([
      0,
      expect.stringContaining("created token 'grafana: read all buckets'"),
    ]);
    expect(readFileSync(out, 'utf8')).toBe('read-token-1\n');
    expect(statSync(out).mode & 0o777).toBe(0o400);
    expect(calls()).toEqual([
      'auth create --org carbonreducer --description grafana: read all buckets --read-buckets --json',
    ]);
    const second = run();
    expect([second.status, second.stderr]).toEqual([0, expect.stringContaining('kept')]);
    expect(readFileSync(out, 'utf8')).toBe('read-token-1\n');
    expect(calls().slice(1)).toEqual(['bucket list --org carbonreducer --token read-token-1 --hide-headers']);
  });

  it("replaces a token this InfluxDB refuses (e.g. the native stack's value)", () => {
    writeFileSync(out, 'token-of-another-influxdb\n');
    const r = run();
    expect([r.status, r.stderr]).toEqual([0, expect.stringContaining('refuses: creating a new one')]);
    expect(readFileSync(out, 'utf8')).toBe('read-token-1\n');
  });

  it('fails, saying so, without the operator token or when InfluxDB answers no token; writes no file', () => {
    const noOperator = run({ INFLUX_TOKEN: '' });
    expect(noOperator.status).not.toBe(0);
    expect(noOperator.stderr).toContain('INFLUX_TOKEN (the operator token) is not set');
    const noToken = run({ FAKE_NO_TOKEN: '1' });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toContain('no token in the answer of influx auth create');
    expect(existsSync(out)).toBe(false);
  });
});
