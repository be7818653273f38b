import React from 'react';
import { InlineField, Input, Select, Stack } from '@grafana/ui';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { testIds, type QueryType } from '@carbonreducer/grafana-shared';
import type { DataSource } from '../../datasource';
import { ACCURACY_HORIZONS, HOME_QUERIES, type CarbonOptions, type CarbonQuery } from '../../types';

type Props = QueryEditorProps<DataSource, CarbonQuery, CarbonOptions>;

export const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = [
  { value: 'telemetry', label: 'Telemetry', description: 'Power or energy per device, downsampled' },
  { value: 'intensity', label: 'Intensity', description: 'Forecast with its 80 % band, model and issue time' },
  { value: 'loadForecast', label: 'Load forecast', description: "The home's forecast load" },
  { value: 'plan', label: 'Plan', description: 'Planned runs and the planned power per slot' },
  { value: 'savings', label: 'Savings', description: 'Expected and verified avoided kg CO2' },
  {
    value: 'forecastAccuracy',
    label: 'Forecast accuracy',
    description: 'Forecast against actual at one lead time, over the dashboard range',
  },
  {
    value: 'leaderboard',
    label: 'Leaderboard',
    description: 'Avoided kg CO2 per opted-in home for a month, by pseudonym',
  },
];

export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const set = (patch: Partial<CarbonQuery>) => {
    onChange({ ...query, ...patch });
    onRunQuery();
  };
  const needsHome = HOME_QUERIES.includes(query.queryType);
  return (
    <Stack gap={0} wrap="wrap">
      <InlineField label="Query" labelWidth={10}>
        <Select
          data-testid={testIds.datasource.queryType}
          width={24}
          options={QUERY_TYPE_OPTIONS}
          value={query.queryType}
          onChange={(v) => v.value && set({ queryType: v.value })}
        />
      </InlineField>
      {needsHome && (
        <InlineField label="Home" labelWidth={8} tooltip="A home id or a variable such as $home">
          <Input
            data-testid={testIds.datasource.homeId}
            width={20}
            value={query.homeId ?? ''}
            onChange={(e) => onChange({ ...query, homeId: e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
      )}
      {(query.queryType === 'intensity' || query.queryType === 'forecastAccuracy') && (
        <InlineField label="Region" labelWidth={8}>
          <Input
            width={10}
            value={query.region ?? 'GB'}
            onChange={(e) => onChange({ ...query, region: e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
      )}
      {(query.queryType === 'intensity' || query.queryType === 'loadForecast') && (
        <InlineField label="Hours" labelWidth={8}>
          <Input
            width={8}
            type="number"
            value={query.hours ?? 48}
            onChange={(e) => set({ hours: Number(e.currentTarget.value) })}
          />
        </InlineField>
      )}
      {query.queryType === 'telemetry' && (
        <>
          <InlineField label="Device" labelWidth={8}>
            <Input
              width={16}
              value={query.deviceId ?? ''}
              placeholder="all"
              onChange={(e) => onChange({ ...query, deviceId: e.currentTarget.value || undefined })}
              onBlur={onRunQuery}
            />
          </InlineField>
          <InlineField label="Field" labelWidth={8}>
            <Select
              width={16}
              options={[
                { value: 'power_w', label: 'power (W)' },
                { value: 'energy_wh', label: 'energy (Wh)' },
              ]}
              value={query.field ?? 'power_w'}
              onChange={(v) => set({ field: v.value as CarbonQuery['field'] })}
            />
          </InlineField>
          <InlineField label="Every" labelWidth={8}>
            <Select
              width={10}
              options={['1m', '5m', '15m', '30m', '1h', '1d'].map((e) => ({ value: e, label: e }))}
              value={query.every ?? '15m'}
              onChange={(v) => set({ every: v.value as CarbonQuery['every'] })}
            />
          </InlineField>
        </>
      )}
      {query.queryType === 'forecastAccuracy' && (
        <InlineField label="Lead" labelWidth={8} tooltip="How long before the slot ended the forecast was issued">
          <Select
            width={10}
            options={ACCURACY_HORIZONS.map((h) => ({ value: h, label: h }))}
            value={query.horizon ?? '24h'}
            onChange={(v) => set({ horizon: v.value as CarbonQuery['horizon'] })}
          />
        </InlineField>
      )}
      {query.queryType === 'leaderboard' && (
        <InlineField label="Month" labelWidth={8} tooltip="YYYY-MM; empty: the month the dashboard range ends in">
          <Input
            width={12}
            placeholder="YYYY-MM"
            value={query.month ?? ''}
            onChange={(e) => onChange({ ...query, month: e.currentTarget.value || undefined })}
            onBlur={onRunQuery}
          />
        </InlineField>
      )}
      {query.queryType === 'savings' && (
        <InlineField label="Per" labelWidth={8}>
          <Select
            width={12}
            options={[
              { value: 'day', label: 'day' },
              { value: 'month', label: 'month' },
            ]}
            value={query.period ?? 'day'}
            onChange={(v) => set({ period: v.value as CarbonQuery['period'] })}
          />
        </InlineField>
      )}
    </Stack>
  );
}
