import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Writes a plot as `X.png` and `X.svg` (a path without .png gets it); returns both paths. */
export async function writePlotFiles(
  path: string,
  plot: { png: Buffer; svg: string },
): Promise<{ png: string; svg: string }> {
  const full = resolve(path);
  const png = full.endsWith('.png') ? full : `${full}.png`;
  const svg = png.replace(/\.png$/, '.svg');
  try {
    await writeFile(png, plot.png);
    await writeFile(svg, plot.svg);
  } catch (err) {
    throw new Error(`cannot write the plot to ${png}`, { cause: err });
  }
  return { png, svg };
}
