import type { Logger } from '@carbonreducer/common';
import type { TokenVerifier } from './auth/tokens';
import type { ApiMetrics } from './metrics';
import type { BrokerPublisher, DeviceIdentities, DeviceRegistry, Directory, Planner, TimeSeries } from './ports';
import type { Pseudonymizer } from './pseudonym';

/** Everything the app object needs; the server wires real clients, tests wire the real ones too (or fakes for pure parts). */
export interface AppDeps {
  verifier: TokenVerifier;
  directory: Directory;
  devices: DeviceRegistry;
  /** Per-device broker identities (Mosquitto dynamic security). */
  identities: DeviceIdentities;
  broker: BrokerPublisher;
  series: TimeSeries;
  planner: Planner;
  pseudonyms: Pseudonymizer;
  metrics: ApiMetrics;
  log: Logger;
  secrets: { alertWebhookToken: string; metricsToken: string };
  settings: { publicUrl: string; mqttPublicUrl: string; bodyLimitBytes: number; requiredAcr: readonly string[] };
  now: () => Date;
}
