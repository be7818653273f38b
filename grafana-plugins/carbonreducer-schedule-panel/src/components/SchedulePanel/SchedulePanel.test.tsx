import React from 'react';
import { render, screen } from '@testing-library/react';
import { getDefaultTimeRange, LoadingState, FieldConfigSource, type PanelData, type DataFrame } from '@grafana/data';
import { testIds } from '@carbonreducer/grafana-shared';
import { SchedulePanel } from './SchedulePanel';
import { intensityFrame, NOW_MS, runsFrame, TWO_RUNS } from '../../shaping/fixtures';

// Grafana's data-error view needs the running Grafana app; this edge is faked, the panel's own code is not.
jest.mock('@grafana/runtime', () => ({
  PanelDataErrorView: (p: { message?: string }) => <div data-testid="panel-data-error">{p.message ?? 'No data'}</div>,
}));

const ids = testIds.schedulePanel;

function props(series: DataFrame[], kioskSize: 'desk' | 'room' = 'desk') {
  const data: PanelData = { series, state: LoadingState.Done, timeRange: getDefaultTimeRange() };
  const fieldConfig: FieldConfigSource = { defaults: {}, overrides: [] };
  return {
    id: 1,
    data,
    timeRange: data.timeRange,
    timeZone: 'utc',
    options: { horizonHours: 24, appliances: [], kioskSize },
    transparent: false,
    width: 900,
    height: 360,
    fieldConfig,
    renderCounter: 0,
    title: 'Plan',
    eventBus: {
      publish: jest.fn(),
      getStream: jest.fn(),
      subscribe: jest.fn(),
      removeAllListeners: jest.fn(),
      newScopedBus: jest.fn(),
    },
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    replaceVariables: (s: string) => s,
    onChangeTimeRange: jest.fn(),
    nowMs: NOW_MS,
  } as unknown as React.ComponentProps<typeof SchedulePanel>;
}

describe('SchedulePanel', () => {
  it('draws the forecast, band, now line, best window and a bar per run', () => {
    render(<SchedulePanel {...props([intensityFrame(), runsFrame(TWO_RUNS)])} />);
    expect(screen.getByTestId(ids.forecastLine)).toHaveAttribute('d');
    expect(screen.getByTestId(ids.band)).toBeInTheDocument();
    expect(screen.getByTestId(ids.nowLine)).toBeInTheDocument();
    expect(screen.getByTestId(ids.bestWindow).textContent).toContain('13:30–15:30');
    expect(screen.getByTestId(ids.run('dw-1')).textContent).toContain('avoids 0.21 kg CO2');
    expect(screen.getByTestId(ids.run('wm-1'))).toBeInTheDocument();
  });

  it("shows Grafana's data-error view, never a blank, without data and without a forecast", () => {
    const { unmount } = render(<SchedulePanel {...props([])} />);
    expect(screen.getByTestId('panel-data-error')).toHaveTextContent('No data');
    unmount();
    render(<SchedulePanel {...props([runsFrame(TWO_RUNS)])} />);
    expect(screen.getByTestId('panel-data-error')).toHaveTextContent('No carbon-intensity forecast');
  });

  it('uses kiosk-sized text for a room screen', () => {
    render(<SchedulePanel {...props([intensityFrame(), runsFrame(TWO_RUNS)], 'room')} />);
    const labels = screen.getByTestId(ids.svg).querySelectorAll('text');
    expect(labels[0]?.getAttribute('font-size')).toBe('32');
  });
});
