import React from 'react';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { testIds } from '@carbonreducer/grafana-shared';
import type { ConsoleApi } from '../api/client';
import { useLoad } from './useLoad';

/** Cost against CO2: the Pareto curve waits for its API route; the home's chosen CO2 price is shown (set it in Settings). */
export function TradeOff({ api, homeId }: { api: ConsoleApi; homeId: string }) {
  const { value, error } = useLoad(() => api.preferences(homeId), [api, homeId]);
  return (
    <div data-testid={testIds.app.tradeoff.page}>
      <Alert severity="info" title="Pareto curve not available" data-testid={testIds.app.tradeoff.unavailable}>
        The API has no Pareto route yet (GET /api/optimize/homes/{'{homeId}'}/pareto); the curve of cost against CO2 for
        a range of CO2 prices is drawn here once it has.
      </Alert>
      {error && <Alert title="Preferences could not be loaded">{error.message}</Alert>}
      {!value && !error && <LoadingPlaceholder text="Loading" />}
      {value && <p>Chosen CO2 price: {value.co2PricePerKg} per kg (change it in Settings).</p>}
    </div>
  );
}
