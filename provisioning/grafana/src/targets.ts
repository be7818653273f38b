/**
 * Panel queries as foundation-SDK builders. The SDK ships no InfluxDB or CarbonReducer query types, so these two
 * builders produce what those data sources read: Grafana's InfluxDB (Flux) query `{ refId, query }`, and the
 * CarbonReducer data source's `CarbonQuery` (grafana-plugins/carbonreducer-datasource/src/types.ts).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
// The data source's query model (its Go backend reads the same fields; the plugin has no index to export it from).
// eslint-disable-next-line no-restricted-imports
import type { CarbonQuery } from '@carbonreducer/grafana-datasource/src/types';
import { DATASOURCES, type DatasourceRef } from './model';

export interface FluxTarget {
  refId: string;
  datasource: DatasourceRef;
  query: string;
}

export type CarbonTarget = Omit<CarbonQuery, 'datasource' | 'key'> & { datasource: DatasourceRef };

/** A query as Grafana stores it in a panel's `targets`; the SDK's marker method never reaches the JSON. */
class TargetBuilder<T extends { refId: string }> implements cog.Builder<cog.Dataquery> {
  constructor(private readonly target: T) {}
  build(): cog.Dataquery {
    return { ...this.target, _implementsDataqueryVariant: () => undefined } as unknown as cog.Dataquery;
  }
}

export function flux(refId: string, query: string): cog.Builder<cog.Dataquery> {
  return new TargetBuilder<FluxTarget>({ refId, datasource: DATASOURCES.influxdb, query });
}

export function carbon(refId: string, query: Omit<CarbonTarget, 'refId' | 'datasource'>): cog.Builder<cog.Dataquery> {
  return new TargetBuilder<CarbonTarget>({ refId, datasource: DATASOURCES.carbonreducer, ...query });
}

export function isFluxTarget(t: { datasource?: { uid?: string } }): t is FluxTarget {
  return t.datasource?.uid === DATASOURCES.influxdb.uid;
}

export function isCarbonTarget(t: { datasource?: { uid?: string } }): t is CarbonTarget {
  return t.datasource?.uid === DATASOURCES.carbonreducer.uid;
}
