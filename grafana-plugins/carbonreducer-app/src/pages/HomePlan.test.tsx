import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { testIds } from '@carbonreducer/grafana-shared';
import { createConsoleApi } from '../api/client';
import { HomePlan } from './HomePlan';

// Grafana's backend service is the edge: a fake one that answers like the data source's resource routes.
const calls: { method: string; url: string; body?: unknown }[] = [];
let planned = false;
/** What the fake API says about r1 after an override (the real workflow's answers, by action). */
let r1: { status: string; startH: number; pin?: { from: string; to: string; pinnedAt: string } } = {
  status: 'planned',
  startH: 3,
};
let refuse: {
  status: number;
  data: { code: string; detail: string; errors?: { field: string; code: string; message: string }[] };
} | null = null;
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
  runs: [...(r1.status === 'cancelled' ? [] : [run('r1', r1.startH)]), ...(planned ? [run('r2', 5)] : [])],
  slots: [],
  requests: [
    {
      requestId: 'r1',
      deviceId: 'dishwasher',
      appliance: 'dishwasher',
      status: r1.status,
      ...(r1.pin ? { pin: r1.pin } : {}),
    },
  ],
  commands: [],
  expectedAvoidedEmissionsG: 120,
  verifiedAvoidedEmissionsG: 450,
  verifiedRuns: [
    { requestId: 'r0', deviceId: 'dishwasher', status: 'verified', expectedAvoidedG: 500, avoidedG: 450 },
    { requestId: 'w0', deviceId: 'washer', status: 'no_telemetry', expectedAvoidedG: 90, avoidedG: null },
  ],
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
    if (refuse) throw refuse;
    const override = /\/runs\/r1\/(start-now|cancel|pin)$/.exec(url)?.[1];
    if (override === 'start-now') r1 = { status: 'dispatched', startH: 0 };
    if (override === 'cancel') r1 = { status: 'cancelled', startH: 0 };
    if (override === 'pin') {
      const w = body as { from: string; to: string };
      r1 = { status: 'planned', startH: (Date.parse(w.from) - NOW) / 3_600_000, pin: { ...w, pinnedAt: at(0) } };
    }
    if (override) {
      return {
        overrideId: 'o1',
        planVersion: 3,
        runs: [
          {
            requestId: 'r1',
            action: override,
            status: r1.status,
            ...(r1.status === 'cancelled' ? {} : { startAt: at(r1.startH), endAt: at(r1.startH + 2) }),
            ...(override === 'start-now' ? { command: { idempotencyKey: 'sim-001/r1/start', status: 'sent' } } : {}),
          },
        ],
      };
    }
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

  beforeEach(() => {
    calls.length = 0;
    planned = false;
    r1 = { status: 'planned', startH: 3 };
    refuse = null;
  });

  it('shows the verified savings of finished runs, and why a run is not verified', async () => {
    render(<HomePlan api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    expect(await screen.findByTestId(ids.verifiedRun('r0'))).toHaveTextContent(
      'avoided 0.45 kg CO2, measured (expected 0.50 kg)'
    );
    expect(screen.getByTestId(ids.verifiedRun('w0'))).toHaveTextContent(
      'not verified: no power readings from the device for the run (expected 0.09 kg)'
    );
    expect(screen.getByTestId(ids.page)).toHaveTextContent('expected avoided 0.12 kg CO2 · verified 0.45 kg CO2');
  });

  it('pins a run to a window: the request goes to the pin route and the plan shows the run moved and pinned', async () => {
    render(<HomePlan api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    fireEvent.click(await screen.findByTestId(ids.pin('r1')));
    const from = new Date(NOW + 6 * 3_600_000).toISOString().slice(0, 16);
    const to = new Date(NOW + 9 * 3_600_000).toISOString().slice(0, 16);
    fireEvent.change(screen.getByTestId(ids.pinFrom('r1')), { target: { value: from } });
    fireEvent.change(screen.getByTestId(ids.pinTo('r1')), { target: { value: to } });
    fireEvent.click(screen.getByTestId(ids.pinSubmit('r1')));
    expect(await screen.findByTestId(ids.pinned('r1'))).toHaveTextContent(`Pinned to ${from.slice(11, 16)}`);
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.url).toBe('/api/datasources/uid/carbonreducer/resources/homes/sim-001/runs/r1/pin');
    expect(post?.body).toEqual({ from: `${from}:00.000Z`, to: `${to}:00.000Z` });
    expect(screen.getByTestId(ids.actionStatus).textContent).toContain(`Pinned: r1 planned ${from.slice(11, 16)}`);
    expect(screen.getByTestId(ids.run('r1')).textContent).toContain(from.slice(11, 16));
    // The form closed with the answer.
    expect(screen.queryByTestId(ids.pinForm('r1'))).toBeNull();
  });

  it('starts a run now and cancels one, each shown without reload', async () => {
    render(<HomePlan api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    fireEvent.click(await screen.findByTestId(ids.startNow('r1')));
    await waitFor(() => expect(screen.getByTestId(ids.actionStatus).textContent).toContain('start command sent'));
    // The started run says so instead of why it sits where it was planned.
    expect(await screen.findByTestId(ids.started('r1'))).toHaveTextContent(
      `Started: the start command went to the device at ${new Date(NOW).toISOString().slice(11, 16)} UTC`
    );
    expect(screen.queryByTestId(ids.explanation('r1'))).toBeNull();
    expect(calls.find((c) => c.method === 'POST')?.url).toMatch(/\/runs\/r1\/start-now$/);
    fireEvent.click(screen.getByTestId(ids.cancel('r1')));
    await waitFor(() => expect(screen.queryByTestId(ids.run('r1'))).toBeNull());
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url.split('/').at(-1))).toEqual([
      'start-now',
      'cancel',
    ]);
  });

  it("shows the API's refusal in words with its code (the reason from the workflow's validator)", async () => {
    const detail = 'run r1: the 120 min cycle does not fit: 60 min left in the window';
    refuse = {
      status: 409,
      data: {
        code: 'override_refused',
        detail,
        errors: [{ field: 'body.from', code: 'window_too_short', message: detail }],
      },
    };
    render(<HomePlan api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    fireEvent.click(await screen.findByTestId(ids.pin('r1')));
    fireEvent.click(screen.getByTestId(ids.pinSubmit('r1')));
    expect(await screen.findByTestId(ids.actionStatus)).toHaveTextContent(`Pin refused: ${detail} (window_too_short)`);
    // Still open, so the window can be corrected.
    expect(screen.getByTestId(ids.pinForm('r1'))).toBeInTheDocument();
  });

  it("shows the optimizer's refusal of a run request in words with its code", async () => {
    const detail = 'Infeasible: request r9 cannot be planned: the dishwasher cannot finish by 12:21';
    refuse = { status: 422, data: { code: 'run_rejected', detail } };
    render(<HomePlan api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    fireEvent.click(await screen.findByTestId(ids.requestSubmit));
    expect(await screen.findByTestId(ids.actionStatus)).toHaveTextContent(`Request refused: ${detail} (run_rejected)`);
  });

  it('shows a refusal without reasons by its problem code, and a run the API does not know', async () => {
    refuse = { status: 404, data: { code: 'run_not_found', detail: 'no run r1 in the plan of home sim-001' } };
    render(<HomePlan api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    fireEvent.click(await screen.findByTestId(ids.cancel('r1')));
    expect(await screen.findByTestId(ids.actionStatus)).toHaveTextContent(
      'Cancel refused: no run r1 in the plan of home sim-001 (run_not_found)'
    );
  });
});
