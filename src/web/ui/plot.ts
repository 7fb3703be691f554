// The plot: heatmap canvas with its axes, sums and legend, drawn from one frame. Also maps
// pointer positions to cells and cell ranges to overlay rectangles.
import { columnSums, maxAbs, rowSums, type Grid, type GridWindow } from "../data/grid.js";
import { drawKeyAxis, drawLegend, drawSums, drawTimeAxis } from "../render/axes.js";
import { columnAt, columnEdges, columnStart } from "../../paint/column-edges.js";
import { paintHeatmap, pixelSpan } from "../../paint/heatmap.js";
import { divergingLut, sequentialLut } from "../../paint/palette.js";
import { makeScale, type ColourScale } from "../../paint/scale.js";
import type { Palette, Scale } from "../state.js";
import { byId } from "./dom.js";

export interface Frame {
  grid: Grid;
  window: GridWindow;
  diverging: boolean;
  scale: Scale;
  brightness: number;
  palette: Palette;
  /** Replay: columns at or after this index are not yet shown. */
  reveal?: number;
}

export class PlotView {
  readonly heat = byId<HTMLCanvasElement>("heat");
  private readonly wrap = byId("heat-wrap");
  private readonly keyAxis = byId<HTMLCanvasElement>("key-axis");
  private readonly timeAxis = byId<HTMLCanvasElement>("time-axis");
  private readonly rowSumsCanvas = byId<HTMLCanvasElement>("row-sums");
  private readonly colSumsCanvas = byId<HTMLCanvasElement>("col-sums");
  private readonly legend = byId<HTMLCanvasElement>("legend");
  private readonly legendCaption = byId("legend-caption");
  private image: ImageData | null = null;
  private lut: Uint32Array | null = null;
  frame: Frame | null = null;
  /** Widths of the frame's window columns (null: equal), from their times (column-edges.ts). */
  private edges: Float64Array | null = null;
  colourScale: ColourScale | null = null;
  /** Milliseconds of the last heatmap paint (pixel fill + putImageData). */
  lastPaintMs = 0;
  /** Maximum |value| in the window of the last frame. */
  max = 0;

  draw(frame: Frame): void {
    this.frame = frame;
    const { grid, window: w } = frame;
    this.edges = columnEdges(grid.times, w.c0, w.c1);
    const stride = grid.times.length;
    // The whole window sets the scale, revealed or not: colours stay put while a replay plays.
    this.max = maxAbs(grid.values, stride, w);
    const scale = makeScale(frame.scale, frame.diverging, this.max, frame.brightness);
    this.colourScale = scale;
    const lut = frame.diverging ? divergingLut() : sequentialLut(frame.palette);
    this.paint(frame, scale, lut);
    drawKeyAxis(this.keyAxis, grid.rows, w.r0, w.r1);
    drawTimeAxis(this.timeAxis, grid.times, w.c0, w.c1, this.edges);
    const shown = { ...w, c1: Math.max(w.c0, Math.min(w.c1, frame.reveal ?? w.c1)) };
    const rs = rowSums(grid.values, stride, shown);
    const cs = columnSums(grid.values, stride, w);
    if (frame.reveal !== undefined) cs.fill(0, Math.max(0, frame.reveal - w.c0));
    drawSums(this.rowSumsCanvas, rs, true, frame.diverging);
    drawSums(this.colSumsCanvas, cs, false, frame.diverging, this.edges);
    drawLegend(this.legend, lut, scale);
    this.legendCaption.textContent = `${frame.diverging ? "A − B, " : ""}${frame.scale} scale${frame.brightness !== 1 ? `, ×${frame.brightness}` : ""}`;
  }

  /**
   * A replay step forward: paints only the pixel columns of the newly revealed cells (axes, scale
   * and sums stay as drawn). Returns false when a full draw is needed instead.
   */
  advance(reveal: number): boolean {
    const f = this.frame;
    if (f === null || f.reveal === undefined || this.colourScale === null || this.image === null || this.lut === null)
      return false;
    const w = f.window;
    const from = Math.max(f.reveal, w.c0);
    const to = Math.min(reveal, w.c1);
    if (reveal < f.reveal || this.image.width !== this.heat.width || this.image.height !== this.heat.height)
      return false;
    this.frame = { ...f, reveal };
    if (to <= from) return true;
    const [x0, x1] = pixelSpan(from - w.c0, to - w.c0, w.c1 - w.c0, this.image.width, this.edges);
    const t0 = performance.now();
    const { values, times, conflicts } = f.grid;
    const layer = { values, stride: times.length, ...w, conflicts, reveal, xEdges: this.edges };
    paintHeatmap(
      new Uint32Array(this.image.data.buffer),
      this.image.width,
      this.image.height,
      layer,
      this.colourScale,
      this.lut,
      x0,
      x1,
    );
    this.heat.getContext("2d")!.putImageData(this.image, 0, 0, x0, 0, x1 - x0, this.image.height);
    this.lastPaintMs = performance.now() - t0;
    return true;
  }

  private paint(frame: Frame, scale: ColourScale, lut: Uint32Array): void {
    this.lut = lut;
    const dpr = Math.min(window.devicePixelRatio || 1, 3);
    const width = Math.max(1, Math.round(this.heat.clientWidth * dpr));
    const height = Math.max(1, Math.round(this.heat.clientHeight * dpr));
    if (this.heat.width !== width || this.heat.height !== height) {
      this.heat.width = width;
      this.heat.height = height;
    }
    const ctx = this.heat.getContext("2d")!;
    const t0 = performance.now();
    if (this.image === null || this.image.width !== width || this.image.height !== height)
      this.image = ctx.createImageData(width, height);
    const pixels = new Uint32Array(this.image.data.buffer);
    const w = frame.window;
    const { values, times, conflicts } = frame.grid;
    const layer = { values, stride: times.length, ...w, conflicts, xEdges: this.edges };
    paintHeatmap(
      pixels,
      width,
      height,
      frame.reveal === undefined ? layer : { ...layer, reveal: frame.reveal },
      scale,
      lut,
    );
    ctx.putImageData(this.image, 0, 0);
    this.lastPaintMs = performance.now() - t0;
  }

  /** The cell under a client position, as absolute grid indices; `null` outside. */
  cellAt(clientX: number, clientY: number): { r: number; c: number } | null {
    const f = this.frame;
    if (f === null) return null;
    const box = this.heat.getBoundingClientRect();
    const fx = (clientX - box.left) / box.width;
    const fy = (clientY - box.top) / box.height;
    if (fx < 0 || fy < 0 || fx >= 1 || fy >= 1) return null;
    const { r0, r1, c0, c1 } = f.window;
    if (r1 <= r0 || c1 <= c0) return null;
    return { r: r0 + Math.floor(fy * (r1 - r0)), c: c0 + columnAt(this.edges, c1 - c0, fx) };
  }

  /** CSS box (relative to the heatmap) of cells [r0, r1) × [c0, c1). */
  boxOf(r0: number, r1: number, c0: number, c1: number): { left: number; top: number; width: number; height: number } {
    const w = this.frame!.window;
    const rh = this.heat.clientHeight / Math.max(1, w.r1 - w.r0);
    const left = this.xOfColumn(c0);
    return { left, top: (r0 - w.r0) * rh, width: this.xOfColumn(c1) - left, height: (r1 - r0) * rh };
  }

  /** CSS x (relative to the heatmap) where absolute column `c` starts (c1 of the window: the right edge). */
  xOfColumn(c: number): number {
    const w = this.frame!.window;
    return columnStart(this.edges, Math.max(1, w.c1 - w.c0), c - w.c0) * this.heat.clientWidth;
  }

  get element(): HTMLElement {
    return this.wrap;
  }
}
