// A wire matrix as an opaque RGBA image, painted by the viewer's own painter and colour tables
// (src/paint/), so a rendered PNG looks like the page: rows in key order top to bottom, columns in
// time order left to right, log colour scale, zero cells showing the page background.
import { columnEdges } from "../paint/column-edges.js";
import { paintHeatmap } from "../paint/heatmap.js";
import { sequentialLut, type Palette } from "../paint/palette.js";
import { makeScale, type Scale } from "../paint/scale.js";
import type { Matrix } from "../wire/wire.js";

/** The viewer page's background (--bg in src/web/style.css). */
export const BACKGROUND: readonly [number, number, number] = [0x0d, 0x11, 0x17];

export interface ImageOptions {
  /** Target size in pixels; each cell gets a whole number of pixels while it fits. */
  maxWidth?: number;
  maxHeight?: number;
  scale?: Scale;
  palette?: Palette;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  data: Uint8Array;
}

/** Pixels per axis: a whole number per cell up to `max`, else `max` (cells then share pixels). */
function extent(cells: number, max: number): number {
  return cells === 0 ? 1 : cells <= max ? cells * Math.floor(max / cells) : max;
}

export function heatmapImage(m: Matrix, o: ImageOptions = {}): RgbaImage {
  const rows = m.rows.length;
  const cols = m.column_unix_ms.length;
  const width = extent(cols, o.maxWidth ?? 1200);
  const height = extent(rows, o.maxHeight ?? 600);
  const values = new Float64Array(rows * cols);
  let max = 0;
  m.rows.forEach((row, r) => {
    for (let c = 0; c < cols; c++) {
      const v = row.values[c] ?? 0;
      values[r * cols + c] = v;
      if (v > max) max = v;
    }
  });
  const pixels = new Uint32Array(width * height);
  const xEdges = columnEdges(m.column_unix_ms, 0, cols); // tiered history: older columns are wider
  const layer = { values, stride: cols, r0: 0, r1: rows, c0: 0, c1: cols, conflicts: null, xEdges };
  paintHeatmap(
    pixels,
    width,
    height,
    layer,
    makeScale(o.scale ?? "log", false, max, 1),
    sequentialLut(o.palette ?? "viridis"),
  );
  return { width, height, data: overBackground(pixels) };
}

/** Composites the painter's RGBA pixels (little-endian packed) over the page background. */
function overBackground(pixels: Uint32Array): Uint8Array {
  const out = new Uint8Array(pixels.length * 4);
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i]!;
    const a = (p >>> 24) / 255;
    out[i * 4] = Math.round((p & 255) * a + BACKGROUND[0] * (1 - a));
    out[i * 4 + 1] = Math.round(((p >>> 8) & 255) * a + BACKGROUND[1] * (1 - a));
    out[i * 4 + 2] = Math.round(((p >>> 16) & 255) * a + BACKGROUND[2] * (1 - a));
    out[i * 4 + 3] = 255;
  }
  return out;
}
