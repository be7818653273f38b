import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { testIds, type ApiPareto } from '@carbonreducer/grafana-shared';
import { createConsoleApi } from '../api/client';
import { TradeOff } from './TradeOff';

// Grafana's backend service is the edge: a fake one that answers like the data source's resource routes.
const calls: { method: string; url: string; params?: unknown; body?: unknown }[] = [];
const run = (startAt: string, endAt: string) => ({
  requestId: 'dw',
  deviceId: 'dishwasher',
  appliance: 'dishwasher',
  startAt,
  endAt,
});
let curve: ApiPareto;
const srv = {
  get: jest.fn(async (url: string, params?: unknown) => {
    calls.push({ method: 'GET', url, params });
    if (url.endsWith('/pareto')) return curve;
    if (url.endsWith('/preferences'))
      return {
        co2PricePerKg: curve.chosenCo2PricePerKg,
        comfort: { earliestHour: 6, latestHour: 23 },
        fuseA: null,
        alerts: { optIn: false, channel: 'mqtt' },
        leaderboardOptIn: false,
      };
    throw { status: 404, data: { code: 'not_found', detail: 'no route' } };
  }),
  put: jest.fn(async (url: string, body: unknown) => {
    calls.push({ method: 'PUT', url, body });
    curve = { ...curve, chosenCo2PricePerKg: (body as { co2PricePerKg: number }).co2PricePerKg };
    return body;
  }),
  post: jest.fn(async (url: string, body: unknown) => {
    calls.push({ method: 'POST', url, body });
    return {
      overrideId: 'o1',
      planVersion: 4,
      runs: [{ requestId: 'dw', action: 'pin', status: 'planned', startAt: '2026-12-04T12:00:00.000Z' }],
    };
  }),
};
jest.mock('@grafana/runtime', () => ({ getBackendSrv: () => srv }));

const ids = testIds.app.tradeoff;

beforeEach(() => {
  calls.length = 0;
  curve = {
    homeId: 'sim-001',
    computedAt: '2026-12-03T20:00:00.000Z',
    tariff: { name: 'example two-rate', currency: 'GBP' },
    forecastIssuedAt: null,
    forecastModelVersion: null,
    chosenCo2PricePerKg: 0.1,
    points: [
      {
        co2PricePerKg: 0,
        costExpected: 0.3,
        kgCO2Expected: 0.5,
        dominated: false,
        runs: [run('2026-12-04T01:00:00.000Z', '2026-12-04T03:00:00.000Z')],
      },
      {
        co2PricePerKg: 0.1,
        costExpected: 0.3,
        kgCO2Expected: 0.5,
        dominated: false,
        runs: [run('2026-12-04T01:00:00.000Z', '2026-12-04T03:00:00.000Z')],
      },
      {
        co2PricePerKg: 2,
        costExpected: 0.6,
        kgCO2Expected: 0.12,
        dominated: false,
        runs: [run('2026-12-04T12:00:00.000Z', '2026-12-04T14:00:00.000Z')],
      },
    ],
  };
});

describe('TradeOff', () => {
  afterEach(() => jest.restoreAllMocks());

  it('draws cost against CO2 with the chosen price marked, each point labelled', async () => {
    render(<TradeOff api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    expect(await screen.findByTestId(ids.chart)).toBeInTheDocument();
    expect(calls[0]?.url).toBe('/api/datasources/uid/carbonreducer/resources/homes/sim-001/pareto');
    expect(screen.getByTestId(ids.point(0))).toBeInTheDocument();
    expect(screen.getByTestId(ids.point(2)).textContent).toBe('2/kg CO2: 0.60 GBP, 0.12 kg');
    // The chosen price (0.1) is the second point.
    expect(screen.getByTestId(ids.point(1)).contains(screen.getByTestId(ids.chosen))).toBe(true);
    expect(screen.getByText(/your price/).textContent).toContain('0.1/kg CO2: 0.30 GBP, 0.50 kg');
  });

  it('applies a point as the plan: its runs pinned where the point has them, the answer shown', async () => {
    // Before the point's runs start (applyPoint starts runs of the current minute instead of pinning them).
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-04T01:00:00.000Z'));
    render(<TradeOff api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    fireEvent.click(await screen.findByTestId(ids.apply(2)));
    expect(await screen.findByTestId(ids.status)).toHaveTextContent('Applied the 2/kg point: plan v4 (dw 12:00 UTC)');
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.url).toBe('/api/datasources/uid/carbonreducer/resources/homes/sim-001/pins');
    expect(post?.body).toMatchObject({
      pins: [{ requestId: 'dw', from: '2026-12-04T12:00:00.000Z', to: '2026-12-04T14:00:00.000Z' }],
    });
    // The curve is asked for again (the pins change what is left to plan).
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET')).toHaveLength(2));
  });

  it("sets a point's CO2 price as the home's price, keeping the other preferences, and marks it", async () => {
    render(<TradeOff api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    expect(await screen.findByTestId(ids.chart)).toBeInTheDocument();
    expect(screen.queryByTestId(ids.setPrice(1))).toBeNull(); // already the chosen one
    fireEvent.click(screen.getByTestId(ids.setPrice(2)));
    expect(await screen.findByTestId(ids.status)).toHaveTextContent('Your CO2 price is now 2 per kg');
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.url).toBe('/api/datasources/uid/carbonreducer/resources/homes/sim-001/preferences');
    expect(put?.body).toMatchObject({ co2PricePerKg: 2, comfort: { earliestHour: 6, latestHour: 23 } });
    await waitFor(() => expect(screen.getByTestId(ids.point(2)).contains(screen.getByTestId(ids.chosen))).toBe(true));
  });

  it('says so when nothing is left to plan, and shows an API error in words', async () => {
    curve = { ...curve, points: [], tariff: null, computedAt: null };
    const { unmount } = render(<TradeOff api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    expect(await screen.findByTestId(ids.empty)).toHaveTextContent('No runs are waiting to be planned');
    unmount();
    srv.get.mockImplementationOnce(async () => {
      throw { status: 503, data: { code: 'dependency_unavailable', detail: 'the optimizer did not answer' } };
    });
    render(<TradeOff api={createConsoleApi('carbonreducer')} homeId="sim-001" />);
    expect(await screen.findByTestId(testIds.app.error)).toHaveTextContent(
      'GET homes/sim-001/pareto: the optimizer did not answer'
    );
  });
});
