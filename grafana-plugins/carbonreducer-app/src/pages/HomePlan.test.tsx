import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { testIds } from '@carbonreducer/grafana-shared';
import { createConsoleApi } from '../api/client';
import { HomePlan } from './HomePlan';

// Grafana's backend service is the edge: a fake one that answers like the data source's resource routes.
const calls: { method: string; url: string; body?: unknown }[] = [];
let planned = false;
const NOW = Date.now();
const at = (h: number) => new Date(NOW + h * 3_600_000).toISOString();
const run = (id: string, h: number) => ({
  requestId: id,
  deviceId: 'dishwasher',
  appliance: 'dishwasher',
  startAt: at(h),
  endAt: at(h + 2),
  powerW: 1400,
  energyWh: 2800,
  emissionsG: 200,
  baselineEmissionsG: 320,
  avoidedEmissionsG: 120,
});
const plan = () => ({
  homeId: 'sim-001',
  version: planned ? 2 : 1,
  plannedAt: at(0),
  forecastIssuedAt: at(0),
  forecastModelVersion: 'm1',
  runs: planned ? [run('r1', 3), run('r2', 5)] : [run('r1', 3)],
  slots: [],
  requests: [],
  commands: [],
  expectedAvoidedEmissionsG: 120,
});
const srv = {
  get: jest.fn(async (url: string) => {
    calls.push({ method: 'GET', url });
    if (url.endsWith('/homes'))
      return { homes: [{ homeId: 'sim-001', region: 'GB', timeZone: 'UTC', importLimitW: null, active: true }] };
    if (url.endsWith('/plan')) return plan();
    if (url.includes('/intensity/GB'))
      return {
        region: 'GB',
        issuedAt: at(0),
        modelVersion: 'm1',
        servedBy: 'x',
        coverage: 0.8,
        points: Array.from({ length: 48 }, (_, i) => ({
          time: at(i / 2),
          intensityGPerKWh: 200 - i,
          lowerGPerKWh: 150,
          upperGPerKWh: 250,
        })),
      };
    throw { status: 404, data: { code: 'not_found', detail: 'no route' } };
  }),
  post: jest.fn(async (url: string, body: unknown) => {
    calls.push({ method: 'POST', url, body });
    planned = true;
    return { requestId: 'r2', startAt: at(5), endAt: at(7), avoidedEmissionsG: 100, planVersion: 2 };
  }),
};
jest.mock('@grafana/runtime', () => ({
  getBackendSrv: () => srv,
  PanelDataErrorView: () => <div>no data</div>,
}));

const ids = testIds.app.plan;

describe('HomePlan', () => {
  it('draws the plan, explains each run and shows a requested run without reload', async () => {
    const drawn = jest.fn();
    render(<HomePlan api={createConsoleApi('carbonreducer')} homeId="sim-001" onDrawn={drawn} />);
    expect(await screen.findByTestId(ids.run('r1'))).toBeInTheDocument();
    expect(drawn).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId(testIds.schedulePanel.run('r1'))).toBeInTheDocument();
    expect(screen.getByTestId(ids.explanation('r1')).textContent).toContain('Avoids 0.12 kg CO2 (38 %)');
    expect(screen.getByTestId(ids.cancel('r1'))).toHaveAttribute('aria-disabled', 'true');
    expect(calls[0]?.url).toBe('/api/datasources/uid/carbonreducer/resources/homes');

    fireEvent.change(screen.getByTestId(ids.requestDuration), { target: { value: '90' } });
    fireEvent.click(screen.getByTestId(ids.requestSubmit));
    expect(await screen.findByTestId(ids.run('r2'))).toBeInTheDocument();
    expect(screen.getByTestId(ids.actionStatus).textContent).toContain('plan v2');
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.url).toBe('/api/datasources/uid/carbonreducer/resources/homes/sim-001/runs');
    expect(post?.body).toMatchObject({
      deviceId: 'dishwasher',
      appliance: 'dishwasher',
      durationMin: 90,
      powerW: 1400,
    });
    await waitFor(() => expect(screen.getByTestId(testIds.schedulePanel.run('r2'))).toBeInTheDocument());
  });
});
