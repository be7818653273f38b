import React, { useMemo } from 'react';
import { dateTimeFormat, type PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { PanelDataErrorView } from '@grafana/runtime';
import { testIds } from '@carbonreducer/grafana-shared';
import { DEFAULT_OPTIONS, type ScheduleOptions } from '../../types';
import { shapeSchedule } from '../../shaping/viewModel';
import { layoutSchedule } from '../../shaping/layout';
import { getStyles } from './SchedulePanel.styles';

export interface SchedulePanelProps extends PanelProps<ScheduleOptions> {
  /** Clock for "now" (tests pin it); Grafana passes none, so the wall clock is read here at the edge. */
  nowMs?: number;
}

const ids = testIds.schedulePanel;

export const SchedulePanel: React.FC<SchedulePanelProps> = ({
  options,
  data,
  width,
  height,
  fieldConfig,
  id,
  timeZone,
  nowMs,
}) => {
  const styles = useStyles2(getStyles);
  const opts = { ...DEFAULT_OPTIONS, ...options };
  // The panel's "now" is the render time unless pinned; data refreshes re-render it.
  const now = nowMs ?? Date.now();
  const shape = useMemo(() => shapeSchedule(data.series, opts, now), [data.series, opts, now]);

  if (!shape.ok) {
    const message =
      shape.reason === 'no-intensity'
        ? 'No carbon-intensity forecast in the panel horizon: add an intensity query (forecast) to this panel.'
        : undefined;
    return <PanelDataErrorView fieldConfig={fieldConfig} panelId={id} data={data} message={message} needsTimeField />;
  }
  const view = shape.view;
  const l = layoutSchedule(view, width, height, opts.kioskSize);
  const fmt = (t: number) => dateTimeFormat(t, { format: 'HH:mm', timeZone });

  return (
    <div className={styles.wrapper} style={{ width, height }} data-testid={ids.root}>
      <svg
        width={width}
        height={height}
        data-testid={ids.svg}
        role="img"
        aria-label="Planned runs over the carbon-intensity forecast"
      >
        {l.best && (
          <rect
            data-testid={ids.bestWindow}
            className={styles.best}
            x={l.best.x}
            y={l.best.y}
            width={l.best.width}
            height={l.best.height}
          >
            <title>
              Cleanest window {fmt(view.best?.startMs ?? 0)}–{fmt(view.best?.endMs ?? 0)}:{' '}
              {Math.round(view.best?.meanIntensityGPerKWh ?? 0)} gCO2/kWh
            </title>
          </rect>
        )}
        {l.yTicks.map((t) => (
          <g key={`y${t.value}`}>
            <line className={styles.grid} x1={l.plot.x} x2={l.plot.x + l.plot.width} y1={t.y} y2={t.y} />
            <text
              className={styles.axis}
              x={l.plot.x - 4}
              y={t.y}
              textAnchor="end"
              dominantBaseline="middle"
              fontSize={l.fontPx}
            >
              {Math.round(t.value)}
            </text>
          </g>
        ))}
        {l.xTicks.map((t) => (
          <text
            key={`x${t.timeMs}`}
            className={styles.axis}
            x={t.x}
            y={height - 4}
            textAnchor="middle"
            fontSize={l.fontPx}
          >
            {fmt(t.timeMs)}
          </text>
        ))}
        {l.bandPath && <path data-testid={ids.band} className={styles.band} d={l.bandPath} />}
        <path data-testid={ids.forecastLine} className={styles.line} d={l.linePath} strokeWidth={l.strokePx} />
        {l.runs.map((r, i) => {
          const run = view.runs[i];
          return (
            <g key={r.requestId} data-testid={ids.run(r.requestId)}>
              <rect className={styles.run} x={r.x} y={r.y} width={r.width} height={r.height} rx={3}>
                <title>
                  {r.label} {fmt(run?.startMs ?? 0)}–{fmt(run?.endMs ?? 0)}
                  {run?.avoidedKg != null ? `, avoids ${run.avoidedKg.toFixed(2)} kg CO2` : ''}
                </title>
              </rect>
              {r.width > l.fontPx * 4 && (
                <text
                  className={styles.runLabel}
                  x={r.x + 4}
                  y={r.y + r.height / 2}
                  dominantBaseline="middle"
                  fontSize={l.fontPx * 0.9}
                >
                  {r.label}
                </text>
              )}
            </g>
          );
        })}
        <line
          data-testid={ids.nowLine}
          className={styles.now}
          x1={l.nowX}
          x2={l.nowX}
          y1={l.plot.y}
          y2={height - l.fontPx * 1.8}
          strokeWidth={l.strokePx / 1.5}
        />
      </svg>
    </div>
  );
};
