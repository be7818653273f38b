import React, { useState } from 'react';
import { Alert, Button, LoadingPlaceholder } from '@grafana/ui';
import { testIds } from '@carbonreducer/grafana-shared';
import { failureWords, type ConsoleApi } from '../api/client';
import { applyPoint, paretoChart } from '../api/pareto';
import { useLoad } from './useLoad';

const ids = testIds.app.tradeoff;

/**
 * Cost against CO2 for a range of CO2 prices (the Pareto curve of the home's runs still to plan, solved by the API's
 * optimizer), the home's chosen price marked and settable; picking a point applies its schedule as the plan (its runs
 * pinned).
 */
export function TradeOff({ api, homeId }: { api: ConsoleApi; homeId: string }) {
  const { value, error, loading, reload } = useLoad(() => api.pareto(homeId), [api, homeId]);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (error && !value)
    return (
      <div data-testid={ids.page}>
        <Alert data-testid={testIds.app.error} title="The cost vs CO2 curve could not be loaded">
          {error.message}
        </Alert>
      </div>
    );
  if (!value) return <LoadingPlaceholder text="Solving the cost vs CO2 curve" />;
  if (value.points.length === 0)
    return (
      <div data-testid={ids.page}>
        <p data-testid={ids.empty}>
          No runs are waiting to be planned, so there is no trade-off to show. Request a run on the Home plan page.
        </p>
      </div>
    );

  const chart = paretoChart(value);
  const apply = async (index: number) => {
    const point = value.points[index]!;
    setBusy(true);
    setStatus(null);
    try {
      const { startNow, pins } = applyPoint(point, `pareto-${Date.now().toString(36)}`, Date.now());
      let result: Awaited<ReturnType<typeof api.pins>> | undefined;
      for (const requestId of startNow) result = await api.startNow(homeId, requestId);
      if (pins) result = await api.pins(homeId, pins);
      const starts = (result?.runs ?? []).map((r) => `${r.requestId} ${r.startAt?.slice(11, 16) ?? '—'}`).join(', ');
      setStatus(`Applied the ${point.co2PricePerKg}/kg point: plan v${result?.planVersion ?? '—'} (${starts} UTC)`);
      reload();
    } catch (err) {
      setStatus(failureWords(`Applying the ${point.co2PricePerKg}/kg point`, err));
    } finally {
      setBusy(false);
    }
  };

  const setPrice = async (index: number) => {
    const price = value.points[index]!.co2PricePerKg;
    setBusy(true);
    setStatus(null);
    try {
      const current = await api.preferences(homeId);
      await api.putPreferences(homeId, { ...current, co2PricePerKg: price });
      setStatus(`Your CO2 price is now ${price} per kg`);
      reload();
    } catch (err) {
      setStatus(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid={ids.page}>
      <p>
        Expected cost ({value.tariff?.name ?? 'tariff'}) against kg CO2 of the runs still to plan, one plan per CO2
        price. Your chosen price is {value.chosenCo2PricePerKg} per kg (change it in Settings).
        {loading ? ' Refreshing…' : ''}
      </p>
      <svg data-testid={ids.chart} width={chart.width} height={chart.height} role="img" aria-label="Cost vs CO2">
        {chart.xTicks.map((t, i) => (
          // The last label ends at its tick, so it stays inside the chart.
          <text
            key={`x${t.x}`}
            x={t.x}
            y={chart.height - 16}
            fontSize={11}
            textAnchor={i === chart.xTicks.length - 1 ? 'end' : 'middle'}
            fill="currentColor"
          >
            {t.label}
          </text>
        ))}
        {chart.yTicks.map((t) => (
          <text key={`y${t.y}`} x={4} y={t.y} fontSize={11} fill="currentColor">
            {t.label}
          </text>
        ))}
        <polyline points={chart.frontPath} fill="none" stroke="#73bf69" strokeWidth={2} />
        {chart.points.map((p) => (
          <g key={p.index} data-testid={ids.point(p.index)}>
            <title>{p.label}</title>
            {p.chosen && (
              <circle data-testid={ids.chosen} cx={p.x} cy={p.y} r={10} fill="none" stroke="#f2cc0c" strokeWidth={3} />
            )}
            <circle
              cx={p.x}
              cy={p.y}
              r={5}
              fill={p.dominated ? '#888' : '#73bf69'}
              style={{ cursor: 'pointer' }}
              onClick={() => void apply(p.index)}
            />
          </g>
        ))}
      </svg>
      <ul>
        {chart.points.map((p) => (
          <li key={p.index}>
            {p.label}
            {p.chosen ? ' · your price' : ''}{' '}
            <Button
              size="sm"
              variant="secondary"
              disabled={busy}
              onClick={() => void apply(p.index)}
              data-testid={ids.apply(p.index)}
            >
              Use this plan
            </Button>{' '}
            {!p.chosen && (
              <Button
                size="sm"
                variant="secondary"
                fill="text"
                disabled={busy}
                onClick={() => void setPrice(p.index)}
                data-testid={ids.setPrice(p.index)}
              >
                Make {p.co2PricePerKg}/kg my price
              </Button>
            )}
          </li>
        ))}
      </ul>
      {status && <p data-testid={ids.status}>{status}</p>}
    </div>
  );
}
