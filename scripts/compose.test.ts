import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { parseEnvFile, repoRoot } from '@carbonreducer/stack-env';

// docker-compose.yml must stay a valid Compose file that runs the servers at the versions the native stack pins.
// `merge`: YAML merge keys (<<) are resolved before validation, as Compose itself does.
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: unknown;
      volumes?: (string | { source?: string })[];
      environment?: Record<string, string>;
      entrypoint?: string[];
      depends_on?: Record<string, { condition: string }>;
    }
  >;
  volumes?: Record<string, unknown>;
};
const versions = parseEnvFile(readFileSync(join(repoRoot, 'provisioning', 'versions.env'), 'utf8'), 'versions.env');

/** Image repository → the versions.env key its tag must equal. */
const pinnedBy: Record<string, string> = {
  postgres: 'POSTGRES_VERSION',
  'eclipse-mosquitto': 'MOSQUITTO_VERSION',
  // The official mosquitto image with our denials plugin (provisioning/mosquitto/Dockerfile).
  'carbonreducer/mosquitto': 'MOSQUITTO_VERSION',
  influxdb: 'INFLUXDB_VERSION',
  // Built from the official telegraf image of that version with our telemetry processor (provisioning/telegraf).
  'carbonreducer/telegraf': 'TELEGRAF_VERSION',
  'temporalio/auto-setup': 'TEMPORAL_SERVER_VERSION',
  'temporalio/ui': 'TEMPORAL_UI_VERSION',
  'quay.io/keycloak/keycloak': 'KEYCLOAK_VERSION',
  'grafana/grafana': 'GRAFANA_VERSION',
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'compose-spec.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema bites: an unknown service key and a mistyped port list are rejected.
    expect(validate({ services: { broken: { image: 'x', restrt: 'always', ports: 1883 } } })).toBe(false);
  });

  it('uses exactly the server versions pinned in provisioning/versions.env', () => {
    const images = Object.entries(compose.services).flatMap(([name, service]) =>
      service.image === undefined ? [] : [{ name, image: service.image }],
    );
    expect(images.length).toBeGreaterThanOrEqual(Object.keys(pinnedBy).length);
    const seen = new Set<string>();
    for (const { name, image } of images) {
      const at = image.lastIndexOf(':');
      const repository = image.slice(0, at);
      const key = pinnedBy[repository];
      expect([name, repository, key === undefined ? 'not pinned in versions.env' : key]).toEqual([
        name,
        repository,
        expect.stringMatching(/_VERSION$/),
      ]);
      expect([name, image.slice(at + 1)]).toEqual([name, versions[key ?? '']]);
      seen.add(repository);
    }
    expect([...seen].sort()).toEqual(Object.keys(pinnedBy).sort());
  });

  it('mounts only provisioning files that exist', () => {
    const mounted = Object.values(compose.services).flatMap((service) =>
      (service.volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':')[0] : volume.source)),
    );
    const provisioning = mounted.filter((source): source is string => source?.startsWith('./provisioning/') === true);
    expect(provisioning.length).toBeGreaterThan(5);
    for (const source of provisioning) {
      expect([source, existsSync(join(repoRoot, source))]).toEqual([source, true]);
    }
  });

  it('builds the project services from the root Dockerfile', () => {
    expect(existsSync(join(repoRoot, 'Dockerfile'))).toBe(true);
    // telegraf is built too, from its own Dockerfile (the official image plus our telemetry processor).
    const built = Object.entries(compose.services).filter(
      ([name, service]) => service.build !== undefined && name !== 'telegraf' && name !== 'mosquitto-init',
    );
    expect(built.map(([name]) => name).sort()).toEqual(['api', 'simulator', 'worker']);
    expect(compose.services.telegraf?.build).toMatchObject({ dockerfile: 'provisioning/telegraf/Dockerfile' });
    expect(existsSync(join(repoRoot, 'provisioning', 'telegraf', 'Dockerfile'))).toBe(true);
    // mosquitto likewise (mosquitto-init builds the image that mosquitto runs).
    expect(compose.services['mosquitto-init']?.build).toMatchObject({
      dockerfile: 'provisioning/mosquitto/Dockerfile',
    });
    expect(compose.services.mosquitto?.image).toBe(compose.services['mosquitto-init']?.image);
  });

  it("scrapes the API's, the worker's and InfluxDB's /metrics (Telegraf, operations.conf) on the ports of ports.env", () => {
    const ports = parseEnvFile(readFileSync(join(repoRoot, 'provisioning', 'ports.env'), 'utf8'), 'ports.env');
    const env = (name: string) => compose.services[name]?.environment ?? {};
    expect(env('telegraf')).toMatchObject({
      INFLUXDB_PORT: ports.INFLUXDB_PORT,
      API_PORT: ports.API_PORT,
      WORKER_METRICS_PORT: ports.WORKER_METRICS_PORT,
      API_METRICS_TOKEN: expect.any(String),
    });
    expect(env('api').API_PORT).toBe(ports.API_PORT);
    expect(env('worker').WORKER_METRICS_ADDRESS).toBe(`127.0.0.1:${ports.WORKER_METRICS_PORT}`);
  });

  it("gives Grafana a read-only InfluxDB token created in compose's own InfluxDB, not the native stack's", () => {
    const grafana = compose.services.grafana;
    const creator = compose.services['influxdb-grafana-token'];
    // The native value (INFLUXDB_GRAFANA_TOKEN in .stack/secrets.env) is only valid on the native InfluxDB.
    expect(JSON.stringify(grafana?.environment)).not.toContain('INFLUXDB_GRAFANA_TOKEN');
    const file = grafana?.environment?.INFLUX_GRAFANA_TOKEN_FILE ?? '';
    expect(creator?.entrypoint?.at(-1)).toBe(file);
    expect(creator?.entrypoint?.[1]).toBe('/provisioning/grafana/influx-token.sh');
    // The same named volume holds the file: written by the token service, read-only for Grafana, which waits for it.
    const dir = file.slice(0, file.lastIndexOf('/'));
    expect(creator?.volumes).toContain(`grafana-secrets:${dir}`);
    expect(grafana?.volumes).toContain(`grafana-secrets:${dir}:ro`);
    expect(Object.keys(compose.volumes ?? {})).toContain('grafana-secrets');
    expect(grafana?.depends_on?.['influxdb-grafana-token']).toEqual({ condition: 'service_completed_successfully' });
    expect(creator?.environment?.INFLUX_TOKEN).toMatch(/INFLUXDB_ADMIN_TOKEN/);
  });
});
