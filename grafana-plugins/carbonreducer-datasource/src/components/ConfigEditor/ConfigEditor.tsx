import React, { type ChangeEvent } from 'react';
import { InlineField, InlineSwitch, Input } from '@grafana/ui';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import type { CarbonOptions } from '../../types';

type Props = DataSourcePluginOptionsEditorProps<CarbonOptions>;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  return (
    <>
      <InlineField label="API URL" labelWidth={24} tooltip="The CarbonReducer API, e.g. http://127.0.0.1:8380">
        <Input
          width={40}
          value={options.url}
          placeholder="http://127.0.0.1:8380"
          onChange={(e: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, url: e.target.value })}
        />
      </InlineField>
      <InlineField
        label="Forward OAuth identity"
        labelWidth={24}
        tooltip="Every query and resource call reaches the API with the signed-in user's Keycloak token (required)"
      >
        <InlineSwitch
          value={options.jsonData.oauthPassThru ?? false}
          onChange={(e: React.FormEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, jsonData: { ...options.jsonData, oauthPassThru: e.currentTarget.checked } })
          }
        />
      </InlineField>
    </>
  );
}
