import React from 'react';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { testIds } from '@carbonreducer/grafana-shared';
import type { ConsoleApi } from '../api/client';
import { useLoad } from './useLoad';

const DAY_MS = 86_400_000;

async function loadSavings(api: ConsoleApi, homeId: string, nowMs: number) {
  const to = new Date(Math.ceil(nowMs / DAY_MS) * DAY_MS);
  const from = new Date(to.getTime() - 30 * DAY_MS);
  const now = new Date(nowMs);
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const [days, board] = await Promise.all([
    api.report(homeId, 'day', from.toISOString(), to.toISOString()),
    api.leaderboard(month).catch(() => null),
  ]);
  return { days, board };
}

const kg = (v: number | null) => (v === null ? 'not verified yet' : `${v.toFixed(2)} kg`);

/** Avoided kg CO2 per day against the run-at-request baseline, and the opt-in leaderboard. */
export function Savings({ api, homeId }: { api: ConsoleApi; homeId: string }) {
  const { value, error } = useLoad(() => loadSavings(api, homeId, Date.now()), [api, homeId]);
  if (error)
    return (
      <Alert data-testid={testIds.app.error} title="Savings could not be loaded">
        {error.message}
      </Alert>
    );
  if (!value) return <LoadingPlaceholder text="Loading savings" />;
  const total = value.days.rows.reduce((s, r) => s + r.expectedAvoidedKg, 0);
  return (
    <div data-testid={testIds.app.savings.page}>
      <p>
        Last 30 days: {total.toFixed(2)} kg CO2 expected avoided against running each appliance when it was requested.
      </p>
      <table className="filter-table">
        <thead>
          <tr>
            <th>Day</th>
            <th>Expected</th>
            <th>Verified</th>
          </tr>
        </thead>
        <tbody>
          {value.days.rows.map((r) => (
            <tr key={r.start} data-testid={testIds.app.savings.row(r.start)}>
              <td>{r.start.slice(0, 10)}</td>
              <td>{kg(r.expectedAvoidedKg)}</td>
              <td>{kg(r.verifiedAvoidedKg)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Leaderboard ({value.board?.month ?? 'unavailable'})</h3>
      <ol data-testid={testIds.app.savings.leaderboard}>
        {(value.board?.entries ?? []).map((e) => (
          <li key={e.home}>
            {e.home}: {e.avoidedKg.toFixed(2)} kg
          </li>
        ))}
      </ol>
    </div>
  );
}
