/**
 * In-memory stand-ins for the adapters, for unit tests of the app's pure parts (validation, authentication
 * decisions, problem mapping, id views). Integration tests (*.int.test.ts) use the real servers instead.
 */
import { silentLogger } from '@carbonreducer/common';
import { generateKeyPair, exportJWK, createLocalJWKSet, type JWK, type KeyLike } from 'jose';
import { createTokenVerifier } from '../auth/tokens';
import { DEFAULT_PREFERENCES } from '../adapters/postgres';
import type { AppDeps } from '../deps';
import { createMetrics } from '../metrics';
import {
  BrokerRefused,
  DependencyUnavailable,
  OverrideRefused,
  type BrokerPublisher,
  type DeviceIdentities,
  type DeviceRegistry,
  type DeviceRow,
  type Directory,
  type HomeRow,
  type MemberRow,
  type OverrideInput,
  type OverrideOutcome,
  type ParetoView,
  type Planner,
  type PlanView,
  type Preferences,
  type TimeSeries,
} from '../ports';
import { createPseudonymizer } from '../pseudonym';

export const TEST_ISSUER = 'http://127.0.0.1:1/realms/test';
export const TEST_AUDIENCE = 'carbonreducer-api';

export class MemoryDirectory implements Directory {
  homes = new Map<string, HomeRow>();
  members = new Map<string, Map<string, MemberRow>>();
  prefs = new Map<string, Preferences>();
  async listHomes() {
    return [...this.homes.values()];
  }
  async getHome(id: string) {
    return this.homes.get(id) ?? null;
  }
  async registerHome(h: HomeRow) {
    if (this.homes.has(h.homeId)) return false;
    this.homes.set(h.homeId, h);
    return true;
  }
  async setActive(id: string, active: boolean) {
    const h = this.homes.get(id);
    if (!h) return false;
    h.active = active;
    return true;
  }
  async homesOf(subject: string) {
    return [...this.members.entries()]
      .filter(([, m]) => m.has(subject))
      .map(([homeId, m]) => ({ homeId, role: (m.get(subject) as MemberRow).role }));
  }
  async isMember(subject: string, homeId: string) {
    return this.members.get(homeId)?.has(subject) ?? false;
  }
  async listMembers(homeId: string) {
    return [...(this.members.get(homeId)?.values() ?? [])];
  }
  async putMember(homeId: string, subject: string, role: 'owner' | 'resident') {
    const m = this.members.get(homeId) ?? new Map<string, MemberRow>();
    this.members.set(homeId, m);
    const row = { subject, role, addedAt: new Date('2026-12-01T00:00:00Z') };
    m.set(subject, row);
    return row;
  }
  async deleteMember(homeId: string, subject: string) {
    return this.members.get(homeId)?.delete(subject) ?? false;
  }
  async getPreferences(homeId: string) {
    return this.prefs.get(homeId) ?? DEFAULT_PREFERENCES;
  }
  async putPreferences(homeId: string, p: Preferences) {
    this.prefs.set(homeId, p);
  }
  async alertRecipients() {
    return [...this.prefs.entries()]
      .filter(([id, p]) => p.alerts.optIn && this.homes.get(id)?.active)
      .map(([homeId, p]) => ({ homeId, region: this.homes.get(homeId)?.region ?? 'GB', channel: p.alerts.channel }));
  }
  async leaderboardHomes() {
    return [...this.prefs.entries()].filter(([, p]) => p.leaderboardOptIn).map(([id]) => id);
  }
  async ping() {}
}

export class MemoryDevices implements DeviceRegistry {
  rows = new Map<string, DeviceRow & { tokenId: string }>();
  async register(d: { homeId: string; deviceId: string; kind: string; tokenId: string; tokenSha256: Buffer }) {
    const key = `${d.homeId}/${d.deviceId}`;
    const existing = this.rows.get(key);
    if (existing && !existing.revoked) return { created: false, createdAt: new Date(0) };
    this.rows.set(key, { ...d, revoked: false });
    return { created: true, createdAt: new Date('2026-12-03T00:00:00Z') };
  }
  async revoke(homeId: string, deviceId: string) {
    const r = this.rows.get(`${homeId}/${deviceId}`);
    if (!r || r.revoked) return false;
    r.revoked = true;
    return true;
  }
  async byTokenId(tokenId: string) {
    return [...this.rows.values()].find((r) => r.tokenId === tokenId) ?? null;
  }
}

export class MemoryBroker implements BrokerPublisher {
  published: { topic: string; payload: string }[] = [];
  fail = false;
  async publish(topic: string, payload: string) {
    if (this.fail) throw new Error('broker down');
    this.published.push({ topic, payload });
  }
  async ping() {}
}

/** Broker identities by username; `fail` makes the next calls fail as an unreachable or refusing broker would. */
export class MemoryIdentities implements DeviceIdentities {
  clients = new Map<string, { password: string; kind: string }>();
  fail: 'unavailable' | 'refused' | undefined;
  private check() {
    if (this.fail === 'unavailable') throw new DependencyUnavailable('dynamic-security did not answer within 5 ms');
    if (this.fail === 'refused') throw new BrokerRefused('the broker refused createClient x: Internal error');
  }
  username(homeId: string, deviceId: string) {
    return `${homeId}/${deviceId}`;
  }
  async create(d: { homeId: string; deviceId: string; kind: string }) {
    this.check();
    const username = this.username(d.homeId, d.deviceId);
    const password = `pw-${this.clients.size + 1}`;
    this.clients.set(username, { password, kind: d.kind });
    return { username, password };
  }
  async remove(d: { homeId: string; deviceId: string }) {
    this.check();
    this.clients.delete(this.username(d.homeId, d.deviceId));
  }
  async ping() {}
}

export const emptySeries: TimeSeries = {
  readings: async () => [],
  latestIntensityForecast: async () => null,
  latestLoadForecast: async () => null,
  plannedAvoided: async () => [],
  verifiedAvoided: async () => [],
  intensityActuals: async () => [],
  intensityIssues: async () => [],
  ping: async () => {},
};

export class MemoryPlanner implements Planner {
  plans = new Map<string, PlanView>();
  async requestRun(_h: string, _r: string, req: { requestId: string; readyBy: string }) {
    return { requestId: req.requestId, startAt: req.readyBy, endAt: req.readyBy, avoidedEmissionsG: 0, planVersion: 1 };
  }
  async currentPlan(homeId: string) {
    return this.plans.get(homeId) ?? null;
  }
  /** Overrides asked for, in order; `refuse` makes the next ones fail as the workflow's validator would. */
  overrides: { homeId: string; input: OverrideInput }[] = [];
  refuse: OverrideRefused['refusals'] | undefined;
  async overrideRuns(homeId: string, input: OverrideInput): Promise<OverrideOutcome> {
    if (this.refuse) throw new OverrideRefused(this.refuse);
    this.overrides.push({ homeId, input });
    return {
      overrideId: input.overrideId,
      planVersion: this.overrides.length + 1,
      runs: input.overrides.map((o) => ({
        requestId: o.requestId,
        action: o.action,
        status: o.action === 'cancel' ? 'cancelled' : o.action === 'start-now' ? 'dispatched' : 'planned',
        ...(o.window ? { startAt: o.window.from, pin: { ...o.window, pinnedAt: o.window.from } } : {}),
      })),
    };
  }
  paretos = new Map<string, ParetoView>();
  paretoAsked: { homeId: string; co2PricesPerKg: number[] }[] = [];
  async pareto(homeId: string, co2PricesPerKg: number[]) {
    this.paretoAsked.push({ homeId, co2PricesPerKg });
    return this.paretos.get(homeId) ?? null;
  }
  async ping() {}
}

export interface TestKeys {
  privateKey: KeyLike;
  publicJwk: JWK;
  kid: string;
}

export async function testKeys(kid = 'test-key'): Promise<TestKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, publicJwk, kid };
}

export function memoryDeps(keys: TestKeys, overrides: Partial<AppDeps> = {}) {
  const directory = new MemoryDirectory();
  const devices = new MemoryDevices();
  const broker = new MemoryBroker();
  const identities = new MemoryIdentities();
  const planner = new MemoryPlanner();
  const deps: AppDeps = {
    verifier: createTokenVerifier(createLocalJWKSet({ keys: [keys.publicJwk] }), {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      requiredAcr: ['mfa'],
      clockSkewS: 30,
    }),
    directory,
    devices,
    identities,
    broker,
    series: emptySeries,
    planner,
    pseudonyms: createPseudonymizer('unit-test-pseudonym-key'),
    metrics: createMetrics(),
    log: silentLogger,
    secrets: { alertWebhookToken: 'alerts-secret-0123456789', metricsToken: 'metrics-secret-0123456789' },
    settings: {
      publicUrl: 'http://127.0.0.1:8380',
      mqttPublicUrl: 'mqtt://127.0.0.1:1883',
      bodyLimitBytes: 65536,
      requiredAcr: ['mfa'],
    },
    now: () => new Date(),
    ...overrides,
  };
  return { deps, directory, devices, identities, broker, planner };
}
