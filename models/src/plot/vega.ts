import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The one type face of every plot: DejaVu Sans (Debian's fonts-dejavu-core, installed by `scripts/stack install`). */
export const PLOT_FONT = 'DejaVu Sans';

const CONFIG = {
  font: PLOT_FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom' },
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#666666', anchor: 'start' },
} as const;

/** A Vega-Lite spec rendered to SVG (vector) and to PNG at `scale` (resvg, with the system's fonts). */
export async function renderVegaLite(spec: TopLevelSpec, scale = 1): Promise<{ svg: string; png: Buffer }> {
  const compiled = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      font: { loadSystemFonts: true, defaultFontFamily: PLOT_FONT },
    })
      .render()
      .asPng();
    return { svg, png: Buffer.from(png) };
  } finally {
    view.finalize();
  }
}
