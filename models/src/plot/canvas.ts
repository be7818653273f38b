import { PNG } from 'pngjs';
import { glyph } from './font';

export type Rgb = [number, number, number];

/** A small raster with alpha-blended lines, rectangles and bitmap text; encodes to PNG with pngjs. */
export class Canvas {
  readonly png: PNG;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.png = new PNG({ width, height });
    this.fillRect(0, 0, width, height, background);
  }

  pixel(x: number, y: number, c: Rgb, alpha = 1): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const i = (yi * this.width + xi) * 4;
    const d = this.png.data;
    for (let k = 0; k < 3; k++) d[i + k] = Math.round((d[i + k] as number) * (1 - alpha) + (c[k] as number) * alpha);
    d[i + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb, alpha = 1): void {
    for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(this.height, Math.ceil(y + h)); yy++) {
      for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(this.width, Math.ceil(x + w)); xx++)
        this.pixel(xx, yy, c, alpha);
    }
  }

  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let s = 0; s <= n; s++) {
      const x = x0 + ((x1 - x0) * s) / n;
      const y = y0 + ((y1 - y0) * s) / n;
      if (width <= 1) this.pixel(x, y, c);
      else this.fillRect(x - width / 2, y - width / 2, width, width, c);
    }
  }

  /** Vertical band between two y values at column x (for interval areas). */
  vband(x: number, yTop: number, yBottom: number, c: Rgb, alpha: number): void {
    for (let y = Math.round(Math.min(yTop, yBottom)); y <= Math.round(Math.max(yTop, yBottom)); y++)
      this.pixel(x, y, c, alpha);
  }

  text(x: number, y: number, s: string, c: Rgb = [0, 0, 0], scale = 1): number {
    let cx = x;
    for (const ch of s) {
      const rows = glyph(ch);
      rows.forEach((row, ry) => {
        for (let rx = 0; rx < row.length; rx++)
          if (row[rx] === '1') this.fillRect(cx + rx * scale, y + ry * scale, scale, scale, c);
      });
      cx += 6 * scale;
    }
    return cx;
  }

  toBuffer(): Buffer {
    return PNG.sync.write(this.png);
  }
}
