import React from 'react';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { testIds } from '@carbonreducer/grafana-shared';
import type { ConsoleApi } from '../api/client';
import { useLoad } from './useLoad';
import { navigate } from '../route';

const DAY_MS = 86_400_000;

interface HomeRow {
  homeId: string;
  region: string;
  intensityGPerKWh: number | null;
  nextRun: { appliance: string; startAt: string } | null;
  expectedKg: number | null;
  verifiedKg: number | null;
}

async function loadHomes(api: ConsoleApi, nowMs: number): Promise<HomeRow[]> {
  const { homes } = await api.homes();
  const regions = [...new Set(homes.map((h) => h.region))];
  const intensity = new Map<string, number | null>();
  await Promise.all(
    regions.map(async (r) => {
      const f = await api.intensity(r, 2).catch(() => null);
      intensity.set(r, f?.points[0]?.intensityGPerKWh ?? null);
    })
  );
  const day = new Date(Math.floor(nowMs / DAY_MS) * DAY_MS);
  return Promise.all(
    homes.map(async (h) => {
      const [plan, report] = await Promise.all([
        api.plan(h.homeId).catch(() => null),
        api
          .report(h.homeId, 'day', day.toISOString(), new Date(day.getTime() + DAY_MS).toISOString())
          .catch(() => null),
      ]);
      const next = plan?.runs
        .filter((r) => Date.parse(r.endAt) > nowMs)
        .sort((a, b) => a.startAt.localeCompare(b.startAt))[0];
      const today = report?.rows[0];
      return {
        homeId: h.homeId,
        region: h.region,
        intensityGPerKWh: intensity.get(h.region) ?? null,
        nextRun: next ? { appliance: next.appliance, startAt: next.startAt } : null,
        expectedKg: today?.expectedAvoidedKg ?? (report ? 0 : null),
        verifiedKg: today?.verifiedAvoidedKg ?? null,
      };
    })
  );
}

const kg = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)} kg`);

export function Homes({ api }: { api: ConsoleApi }) {
  const { value, error, loading } = useLoad(() => loadHomes(api, Date.now()), [api]);
  if (error)
    return (
      <Alert data-testid={testIds.app.error} title="Homes could not be loaded">
        {error.message}
      </Alert>
    );
  if (loading && !value) return <LoadingPlaceholder text="Loading homes" />;
  return (
    <table data-testid={testIds.app.homes.page} className="filter-table">
      <thead>
        <tr>
          <th>Home</th>
          <th>Intensity now</th>
          <th>Next planned run</th>
          <th>Today expected</th>
          <th>Today verified</th>
        </tr>
      </thead>
      <tbody>
        {(value ?? []).map((h) => (
          <tr key={h.homeId} data-testid={testIds.app.homes.row(h.homeId)}>
            <td>
              <a href="#" onClick={(e) => (e.preventDefault(), navigate('plan', h.homeId))}>
                {h.homeId}
              </a>{' '}
              ({h.region})
            </td>
            <td>{h.intensityGPerKWh === null ? '—' : `${Math.round(h.intensityGPerKWh)} gCO2/kWh`}</td>
            <td>{h.nextRun ? `${h.nextRun.appliance} at ${h.nextRun.startAt.slice(11, 16)} UTC` : 'none'}</td>
            <td>{kg(h.expectedKg)}</td>
            <td>{kg(h.verifiedKg)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
