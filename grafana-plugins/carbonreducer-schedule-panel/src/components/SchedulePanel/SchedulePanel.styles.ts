import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

export const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ position: 'relative', overflow: 'hidden', fontFamily: theme.typography.fontFamily }),
  axis: css({ fill: theme.colors.text.secondary }),
  grid: css({ stroke: theme.colors.border.weak }),
  line: css({ fill: 'none', stroke: theme.visualization.getColorByName('orange') }),
  band: css({ fill: theme.visualization.getColorByName('orange'), fillOpacity: 0.18, stroke: 'none' }),
  best: css({ fill: theme.visualization.getColorByName('green'), fillOpacity: 0.15 }),
  now: css({ stroke: theme.colors.text.primary, strokeDasharray: '4 3' }),
  run: css({ fill: theme.visualization.getColorByName('blue'), fillOpacity: 0.85 }),
  runLabel: css({ fill: theme.colors.getContrastText(theme.visualization.getColorByName('blue')) }),
});
