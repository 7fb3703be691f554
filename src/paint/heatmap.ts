// Fills the heatmap's pixels: one Uint32 store per pixel from a 256-entry colour table, never one
// fillRect per cell. Each pixel shows the cells it covers: when cells are smaller than pixels
// (1 440 columns on an 800-pixel canvas) it shows the one with the largest magnitude, so a hot
// cell can never fall between pixels; when cells are larger, neighbouring pixels repeat it.
// Identical pixel lines are copied, not recomputed.
import { columnStart, spansByEdges } from "./column-edges.js";
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
  /** Widths of columns [c0, c1) as cumulative edges (column-edges.ts); null/absent: equal. */
  xEdges?: Float64Array | null;
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

/**
 * Paints `layer` into `pixels` (width × height, row-major, ImageData's Uint32 view); only pixel
 * columns [xFrom, xTo) when given (a replay step repaints just the newly revealed columns).
 */
export function paintHeatmap(
  pixels: Uint32Array,
  width: number,
  height: number,
  layer: HeatLayer,
  scale: ColourScale,
  lut: Uint32Array,
  xFrom = 0,
  xTo = width,
): void {
  const rows = layer.r1 - layer.r0;
  const cols = layer.c1 - layer.c0;
  if (rows <= 0 || cols <= 0) {
    pixels.fill(0);
    return;
  }
  const edges = layer.xEdges ?? null;
  const xs = edges === null ? spans(cols, width) : spansByEdges(edges, width);
  const ys = spans(rows, height);
  // When no pixel spans two columns, each stored row is coloured once per column (the common
  // case: ≤ 1 440 columns on a wide canvas) and pixels pick their column's colour.
  const poolX = edges === null ? cols > width : xs.first.some((f, x) => xs.last[x]! - f > 1);
  const levels = new Uint8Array(width);
  const hatched = new Uint8Array(width);
  const cellLevels = new Uint8Array(cols);
  const cellFlags = new Uint8Array(cols);
  const cellColours = new Uint32Array(cols);
  const { values, stride, conflicts } = layer;
  const reveal = Math.min(layer.reveal ?? layer.c1, layer.c1);
  const log = scale.kind === "log";
  const diverging = scale.diverging;
  const k = scale.k;
  const level = (v: number): number => {
    const mag = v < 0 ? -v : v;
    if (!(mag > 0)) return 0; // zero (and NaN) stay transparent
    const t = (log ? fastLog2p1(mag) : mag) * k;
    if (!diverging) return t >= 254 ? 255 : 1 + (t | 0);
    const m = t >= 126 ? 127 : 1 + (t | 0);
    return v < 0 ? 128 - m : 128 + m;
  };
  let prevFirst = -1;
  let prevLast = -1;
  let prevHatched = false;
  for (let y = 0; y < height; y++) {
    const rf = layer.r0 + ys.first[y]!;
    const rl = layer.r0 + ys.last[y]!;
    const line = y * width;
    if (rf === prevFirst && rl === prevLast && !prevHatched) {
      pixels.copyWithin(line + xFrom, line - width + xFrom, line - width + xTo);
      continue;
    }
    let anyHatch = false;
    if (!poolX && rl - rf === 1) {
      const base = rf * stride;
      const ca = layer.c0 + xs.first[xFrom]!;
      const cb = Math.min(layer.c0 + xs.first[xTo - 1]! + 1, reveal);
      if (conflicts === null) {
        // Hot path: colour each cell once, then pixels copy their column's colour.
        for (let c = ca; c < cb; c++) cellColours[c - layer.c0] = lut[level(values[base + c]!)]!;
        cellColours.fill(lut[0]!, Math.max(0, cb - layer.c0));
        if (cols === width && edges === null)
          pixels.set(cellColours.subarray(xFrom, xTo), line + xFrom); // one cell per pixel: a block copy
        else for (let x = xFrom; x < xTo; x++) pixels[line + x] = cellColours[xs.first[x]!]!;
        prevFirst = rf;
        prevLast = rl;
        prevHatched = false;
        continue;
      }
      for (let c = ca; c < cb; c++) {
        cellLevels[c - layer.c0] = level(values[base + c]!);
        anyHatch = (cellFlags[c - layer.c0] = conflicts[base + c]!) !== 0 || anyHatch;
      }
      cellLevels.fill(0, Math.max(0, cb - layer.c0));
      cellFlags.fill(0, Math.max(0, cb - layer.c0));
      for (let x = xFrom; x < xTo; x++) {
        const j = xs.first[x]!;
        levels[x] = cellLevels[j]!;
        hatched[x] = cellFlags[j]!;
      }
    } else {
      for (let x = xFrom; x < xTo; x++) {
        const cf = layer.c0 + xs.first[x]!;
        const cl = Math.min(layer.c0 + xs.last[x]!, reveal);
        let best = 0;
        let flag = 0;
        for (let r = rf; r < rl; r++) {
          const at = r * stride;
          for (let c = cf; c < cl; c++) {
            const v = values[at + c]!;
            if ((v < 0 ? -v : v) > (best < 0 ? -best : best)) best = v;
            if (conflicts !== null) flag |= conflicts[at + c]!;
          }
        }
        levels[x] = level(best);
        hatched[x] = flag;
        anyHatch ||= flag !== 0;
      }
    }
    if (anyHatch) {
      for (let x = xFrom; x < xTo; x++) {
        pixels[line + x] = hatched[x] !== 0 && (x + y) % HATCH_PERIOD < 2 ? HATCH : lut[levels[x]!]!;
      }
    } else {
      for (let x = xFrom; x < xTo; x++) pixels[line + x] = lut[levels[x]!]!;
    }
    prevFirst = rf;
    prevLast = rl;
    prevHatched = anyHatch;
  }
}

/**
 * Pixel columns [from, to) whose cells include any of columns [c0, c1) of a view of `cols`
 * columns on `width` pixels (`edges`: their widths, as HeatLayer.xEdges).
 */
export function pixelSpan(
  c0: number,
  c1: number,
  cols: number,
  width: number,
  edges: Float64Array | null = null,
): [number, number] {
  const from = Math.max(0, Math.floor(columnStart(edges, cols, c0) * width) - 1);
  const to = Math.min(width, Math.ceil(columnStart(edges, cols, c1) * width) + 1);
  return [from, Math.max(from, to)];
}
