import type { CoreApp, DataSourceInstanceSettings, MetricFindValue, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import type { ApiHomeList } from '@carbonreducer/grafana-shared';
import { DEFAULT_QUERY, HOME_QUERIES, parseVariableQuery, type CarbonOptions, type CarbonQuery } from './types';

interface ReadingsBody {
  series: { deviceId: string; kind: string }[];
}

const DAY_MS = 86_400_000;

export class DataSource extends DataSourceWithBackend<CarbonQuery, CarbonOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<CarbonOptions>) {
    super(instanceSettings);
  }

  getDefaultQuery(_: CoreApp): Partial<CarbonQuery> {
    return DEFAULT_QUERY;
  }

  applyTemplateVariables(query: CarbonQuery, scopedVars: ScopedVars): CarbonQuery {
    const t = getTemplateSrv();
    return {
      ...query,
      homeId: query.homeId ? t.replace(query.homeId, scopedVars) : query.homeId,
      deviceId: query.deviceId ? t.replace(query.deviceId, scopedVars) : query.deviceId,
      region: query.region ? t.replace(query.region, scopedVars) : query.region,
    };
  }

  filterQuery(query: CarbonQuery): boolean {
    return !HOME_QUERIES.includes(query.queryType) || !!query.homeId;
  }

  /**
   * Template variables: `homes` (the homes the signed-in user may see) or `devices(<homeId>)` (devices that reported
   * in the last 24 h: the API has no device list route yet), through the resource routes with the user's token.
   */
  async metricFindQuery(text: string, options?: { scopedVars?: ScopedVars }): Promise<MetricFindValue[]> {
    const q = parseVariableQuery(getTemplateSrv().replace(text, options?.scopedVars));
    if (q instanceof Error) throw q;
    if (q.kind === 'homes') {
      const body = await this.getResource<ApiHomeList>('homes');
      return body.homes.map((h) => ({ text: h.homeId, value: h.homeId }));
    }
    const now = Date.now();
    const body = await this.getResource<ReadingsBody>(`homes/${encodeURIComponent(q.homeId)}/readings`, {
      from: new Date(now - DAY_MS).toISOString(),
      to: new Date(now).toISOString(),
      every: '1h',
    });
    return body.series.map((s) => ({ text: `${s.deviceId} (${s.kind})`, value: s.deviceId }));
  }
}
