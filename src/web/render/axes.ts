// The heatmap's surroundings: time axis (below), key axis (left), sums along both axes (right
// and top) and the legend. Canvas 2D text and bars; the cost is per pixel line, not per cell.
import { keyLabel as keyPreview } from "../../wire/encoding.js";
import type { GridRow } from "../data/grid.js";
import { columnStart, spansByEdges } from "../../paint/column-edges.js";
import { spans } from "../../paint/heatmap.js";
import { cssColour } from "../../paint/palette.js";
import { formatCount, valueAt, type ColourScale } from "../../paint/scale.js";

const INK = "#c9d1d9";
const MUTED = "#8b949e";
const FONT = "11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map(
  (s) => s * 1000,
);

/** Sizes a canvas's backing store to its CSS box at the device pixel ratio; returns the 2D context in CSS pixels. */
export function fitCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  const width = Math.max(1, canvas.clientWidth);
  const height = Math.max(1, canvas.clientHeight);
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/**
 * `HH:MM`, `HH:MM:SS` or, for steps under a second, `HH:MM:SS.mmm` (UTC), rounded to what it shows
 * (a column flushed at 12.999 s is "…:13", not "…:12"), with the date when the step is a day or more.
 */
export function formatTime(ms: number, stepMs: number): string {
  if (stepMs >= 86_400_000) return new Date(ms).toISOString().slice(0, 10);
  const unit = stepMs < 1000 ? 1 : stepMs < 60_000 ? 1000 : 60_000;
  const d = new Date(Math.round(ms / unit) * unit);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  if (unit === 60_000) return hm;
  const hms = `${hm}:${pad2(d.getUTCSeconds())}`;
  return unit === 1 ? `${hms}.${String(d.getUTCMilliseconds()).padStart(3, "0")}` : hms;
}

/** The step to label column `i` of `times` with: its gap from the previous column, at most 1 s. */
export function labelStep(times: readonly number[], i: number): number {
  const gap = i > 0 ? times[i]! - times[i - 1]! : i + 1 < times.length ? times[i + 1]! - times[i]! : 1000;
  return gap > 0 && gap < 1000 ? gap : 1000;
}

/**
 * A time tick's label: `formatTime`, after the day (`MM-DD `) when it is on another day than the
 * previous tick (`prevTick`, NaN for the first), on axes of an hour or more at sub-day steps.
 */
export function timeTickLabel(t: number, prevTick: number, step: number, span: number): string {
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(5, 10);
  const newDay = step < 86_400_000 && span >= 3_600_000 && Number.isFinite(prevTick) && dayOf(t) !== dayOf(prevTick);
  return (newDay ? `${dayOf(t)} ` : "") + formatTime(t, step);
}

/**
 * A key-axis label: the row's start key, then its label (labelled rows of one route share its
 * start key, so the label tells them apart); a key too long to `fit` is shortened, the label never.
 */
export function keyAxisLabel(row: Pick<GridRow, "start" | "label">, fits: (text: string) => boolean): string {
  const suffix = row.label ? ` ${row.label}` : "";
  let key = row.start === null ? "(start)" : keyPreview(row.start);
  while (key.length > 1 && !fits(key + suffix)) key = `${key.slice(0, -2)}…`;
  return key + suffix;
}

/** Time labels at round times, at least ~80 px apart. */
export function drawTimeAxis(
  canvas: HTMLCanvasElement,
  times: readonly number[],
  c0: number,
  c1: number,
  edges: Float64Array | null = null,
): void {
  const { ctx, width } = fitCanvas(canvas);
  const n = c1 - c0;
  if (n <= 0) return;
  const span = Math.max(1, times[c1 - 1]! - times[c0]!);
  const minGap = (span * 80) / width;
  const step = TIME_STEPS.find((s) => s >= minGap) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  ctx.font = FONT;
  ctx.fillStyle = MUTED;
  ctx.strokeStyle = "#30363d";
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  let lastX = -Infinity;
  let lastTick = NaN;
  // Ticks go by times rounded to the second, as the labels are (column times jitter around it).
  const shown = (c: number) => Math.round(times[c]! / 1000) * 1000;
  for (let c = c0; c < c1; c++) {
    const t = shown(c);
    const prev = c > 0 ? shown(c - 1) : -Infinity;
    if (Math.floor(t / step) === Math.floor(prev / step) && c !== c0) continue;
    const x = ((columnStart(edges, n, c - c0) + columnStart(edges, n, c - c0 + 1)) / 2) * width;
    if (x - lastX < 70) continue;
    const label = timeTickLabel(t, lastTick, step, span);
    lastTick = t;
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, 0);
    ctx.lineTo(Math.round(x) + 0.5, 5);
    ctx.stroke();
    const w = ctx.measureText(label).width;
    ctx.fillText(label, Math.min(Math.max(0, x - w / 2), width - w), 7);
    lastX = x;
  }
  ctx.textAlign = "right";
  ctx.fillText("UTC", width, 21);
}

/** Start-key labels of the rows, at least one line apart, truncated to the axis width. */
export function drawKeyAxis(canvas: HTMLCanvasElement, rows: readonly GridRow[], r0: number, r1: number): void {
  const { ctx, width, height } = fitCanvas(canvas);
  const n = r1 - r0;
  if (n <= 0) return;
  ctx.font = FONT;
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  ctx.strokeStyle = "#30363d";
  const lineH = 15;
  let lastY = -Infinity;
  for (let r = r0; r < r1; r++) {
    const y = ((r - r0) * height) / n;
    if (y - lastY < lineH && r !== r0) continue;
    if (y > height - 6) break;
    const row = rows[r]!;
    const label = keyAxisLabel(row, (text) => ctx.measureText(text).width <= width - 10);
    ctx.fillStyle = INK;
    ctx.fillText(label, width - 8, Math.max(6, y + 1));
    ctx.beginPath();
    ctx.moveTo(width - 5, Math.round(y) + 0.5);
    ctx.lineTo(width, Math.round(y) + 0.5);
    ctx.stroke();
    lastY = y;
  }
}

function pooledSums(sums: Float64Array, px: number, edges: Float64Array | null): Float64Array {
  const { first, last } = edges === null ? spans(sums.length, px) : spansByEdges(edges, px);
  const out = new Float64Array(px);
  for (let p = 0; p < px; p++) {
    let s = 0;
    for (let i = first[p]!; i < last[p]!; i++) s += sums[i]!;
    out[p] = s / (last[p]! - first[p]!); // mean per cell: bars stay comparable when pooled
  }
  return out;
}

const BAR = "#58a6ff";
const BAR_NEG = "#a08ee0";
const BAR_POS = "#f0a050";

/**
 * Bars of `sums` along an axis: `vertical` = one bar per pixel row growing right (row sums);
 * `edges`: the columns' widths, as the heatmap draws them (column sums).
 */
export function drawSums(
  canvas: HTMLCanvasElement,
  sums: Float64Array,
  vertical: boolean,
  signed: boolean,
  edges: Float64Array | null = null,
): void {
  const { ctx, width, height } = fitCanvas(canvas);
  if (sums.length === 0) return;
  const length = vertical ? height : width;
  const depth = (vertical ? width : height) - 2;
  const bars = pooledSums(sums, Math.max(1, Math.round(length)), vertical ? null : edges);
  let max = 0;
  for (const v of bars) max = Math.max(max, Math.abs(v));
  if (max === 0) return;
  const zero = signed ? depth / 2 : 0;
  const scale = (signed ? depth / 2 : depth) / max;
  for (let p = 0; p < bars.length; p++) {
    const v = bars[p]!;
    if (v === 0) continue;
    ctx.fillStyle = !signed ? BAR : v < 0 ? BAR_NEG : BAR_POS;
    const len = Math.max(1, Math.abs(v) * scale);
    const from = v < 0 ? zero - len : zero;
    if (vertical) ctx.fillRect(1 + from, p, len, 1);
    else ctx.fillRect(p, height - 1 - from - len, 1, len);
  }
}

/** Legend: the colour ramp with value ticks. */
export function drawLegend(canvas: HTMLCanvasElement, lut: Uint32Array, scale: ColourScale): void {
  const { ctx, width, height } = fitCanvas(canvas);
  const barH = 10;
  const left = 4;
  const right = width - 4;
  const span = right - left;
  for (let x = 0; x < span; x++) {
    const f = x / Math.max(1, span - 1);
    const idx = scale.diverging ? Math.round(1 + f * 254) : 1 + Math.round(f * 254);
    ctx.fillStyle = cssColour(lut, idx === 128 ? 129 : idx);
    ctx.fillRect(left + x, 2, 1, barH);
  }
  ctx.font = FONT;
  ctx.fillStyle = MUTED;
  ctx.textBaseline = "top";
  const ticks = [0, 0.5, 1];
  for (const t of ticks) {
    const x = left + t * span;
    let v: number;
    if (scale.diverging) {
      const m = Math.abs(2 * t - 1);
      v = Math.sign(2 * t - 1) * valueAt(scale, m);
    } else v = valueAt(scale, t);
    const label = (t === 1 ? "≥" : "") + formatCount(Math.round(v * 100) / 100);
    ctx.textAlign = t === 0 ? "left" : t === 1 ? "right" : "center";
    ctx.fillText(label, x, barH + 5);
  }
  void height;
}
