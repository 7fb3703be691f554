// Fills the heatmap's pixels: one Uint32 store per pixel from a 256-entry colour table, never one
// fillRect per cell. Each pixel shows the cells it covers: when cells are smaller than pixels
// (1 440 columns on an 800-pixel canvas) it shows the one with the largest magnitude, so a hot
// cell can never fall between pixels; when cells are larger, neighbouring pixels repeat it.
// Identical pixel lines are copied, not recomputed.
import { fastLog2p1, type ColourScale } from "./scale.js";

export interface HeatLayer {
  values: Float64Array;
  /** Columns per stored row. */
  stride: number;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  conflicts: Uint8Array | null;
  /** Columns at or after this index are not drawn (replay cursor); default: all. */
  reveal?: number;
}

// Conflict hatching: diagonal stripes over flagged cells.
const HATCH = 0xe6ffffff; // white, alpha 0.9
const HATCH_PERIOD = 6;

/** Pixel spans over `n` cells: cell range of pixel p is [first[p], last[p]). */
export function spans(n: number, px: number): { first: Int32Array; last: Int32Array } {
  const first = new Int32Array(px);
  const last = new Int32Array(px);
  for (let p = 0; p < px; p++) {
    const a = Math.floor((p * n) / px);
    first[p] = a;
    last[p] = Math.max(a + 1, Math.floor(((p + 1) * n) / px));
  }
  return { first, last };
}

/** Paints `layer` into `pixels` (width × height, row-major, ImageData's Uint32 view). */
export function paintHeatmap(pixels: Uint32Array, width: number, height: number, layer: HeatLayer, scale: ColourScale, lut: Uint32Array): void {
  const rows = layer.r1 - layer.r0;
  const cols = layer.c1 - layer.c0;
  if (rows <= 0 || cols <= 0) {
    pixels.fill(0);
    return;
  }
  const xs = spans(cols, width);
  const ys = spans(rows, height);
  const levels = new Uint8Array(width);
  const hatched = new Uint8Array(width);
  const { values, stride, conflicts } = layer;
  const reveal = layer.reveal ?? layer.c1;
  const log = scale.kind === "log";
  const diverging = scale.diverging;
  const k = scale.k;
  let prevFirst = -1;
  let prevLast = -1;
  let prevHatched = false;
  for (let y = 0; y < height; y++) {
    const rf = layer.r0 + ys.first[y]!;
    const rl = layer.r0 + ys.last[y]!;
    const line = y * width;
    if (rf === prevFirst && rl === prevLast && !prevHatched) {
      pixels.copyWithin(line, line - width, line);
      continue;
    }
    let anyHatch = false;
    for (let x = 0; x < width; x++) {
      const cf = layer.c0 + xs.first[x]!;
      const cl = Math.min(layer.c0 + xs.last[x]!, reveal);
      let best = 0;
      let mag = 0;
      let flag = 0;
      for (let r = rf; r < rl; r++) {
        const base = r * stride;
        for (let c = cf; c < cl; c++) {
          const v = values[base + c]!;
          const a = v < 0 ? -v : v;
          if (a > mag) {
            mag = a;
            best = v;
          }
          if (conflicts !== null) flag |= conflicts[base + c]!;
        }
      }
      let idx = 0;
      if (mag > 0) {
        const t = (log ? fastLog2p1(mag) : mag) * k;
        if (!diverging) idx = t >= 254 ? 255 : 1 + (t | 0);
        else {
          const m = t >= 126 ? 127 : 1 + (t | 0);
          idx = best < 0 ? 128 - m : 128 + m;
        }
      }
      levels[x] = idx;
      hatched[x] = flag;
      anyHatch ||= flag !== 0;
    }
    if (anyHatch) {
      for (let x = 0; x < width; x++) {
        pixels[line + x] = hatched[x] !== 0 && (x + y) % HATCH_PERIOD < 2 ? HATCH : lut[levels[x]!]!;
      }
    } else {
      for (let x = 0; x < width; x++) pixels[line + x] = lut[levels[x]!]!;
    }
    prevFirst = rf;
    prevLast = rl;
    prevHatched = anyHatch;
  }
}
