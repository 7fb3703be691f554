// Pointer and keyboard on the heatmap: hover, brush zoom (drag), pin (click or Enter) and a
// keyboard cell cursor with Shift-selection, so every mouse action has a key.
import type { PlotView } from "./plot.js";
import { byId } from "./dom.js";

export interface InteractHandlers {
  hover(cell: { r: number; c: number } | null, clientX: number, clientY: number): void;
  pin(r: number, c: number): void;
  /** Zoom to rows [r0, r1) × columns [c0, c1) (absolute indices). */
  zoom(r0: number, r1: number, c0: number, c1: number): void;
  back(): void;
  reset(): void;
}

const DRAG_PX = 4;

export class Interaction {
  private readonly brush = byId("brush");
  private readonly kbd = byId("kbd-cursor");
  private drag: { x: number; y: number; cell: { r: number; c: number } } | null = null;
  private cursor: { r: number; c: number } | null = null;
  private anchor: { r: number; c: number } | null = null;

  constructor(
    private readonly plot: PlotView,
    private readonly on: InteractHandlers,
  ) {
    const heat = plot.heat;
    heat.addEventListener("mousemove", (e) => {
      if (this.drag === null) on.hover(plot.cellAt(e.clientX, e.clientY), e.clientX, e.clientY);
    });
    heat.addEventListener("mouseleave", () => on.hover(null, 0, 0));
    heat.addEventListener("mousedown", (e) => {
      if (e.button !== 0) return;
      const cell = plot.cellAt(e.clientX, e.clientY);
      if (cell === null) return;
      e.preventDefault();
      heat.focus({ preventScroll: true });
      this.drag = { x: e.clientX, y: e.clientY, cell };
    });
    window.addEventListener("mousemove", (e) => this.dragTo(e.clientX, e.clientY));
    window.addEventListener("mouseup", (e) => this.drop(e.clientX, e.clientY));
    heat.addEventListener("keydown", (e) => this.key(e));
    heat.addEventListener("blur", () => (this.kbd.hidden = true));
  }

  private clampedCell(x: number, y: number): { r: number; c: number } | null {
    const box = this.plot.heat.getBoundingClientRect();
    return this.plot.cellAt(
      Math.min(Math.max(x, box.left), box.right - 0.5),
      Math.min(Math.max(y, box.top), box.bottom - 0.5),
    );
  }

  private dragTo(x: number, y: number): void {
    if (this.drag === null) return;
    const box = this.plot.heat.getBoundingClientRect();
    const cx = Math.min(Math.max(x, box.left), box.right);
    const cy = Math.min(Math.max(y, box.top), box.bottom);
    const flatY = Math.abs(cy - this.drag.y) < DRAG_PX;
    const flatX = Math.abs(cx - this.drag.x) < DRAG_PX;
    if (flatX && flatY) return;
    this.on.hover(null, 0, 0);
    const left = flatX ? 0 : Math.min(cx, this.drag.x) - box.left;
    const right = flatX ? box.width : Math.max(cx, this.drag.x) - box.left;
    const top = flatY ? 0 : Math.min(cy, this.drag.y) - box.top;
    const bottom = flatY ? box.height : Math.max(cy, this.drag.y) - box.top;
    Object.assign(this.brush.style, {
      left: `${left}px`,
      top: `${top}px`,
      width: `${right - left}px`,
      height: `${bottom - top}px`,
    });
    this.brush.hidden = false;
  }

  private drop(x: number, y: number): void {
    const d = this.drag;
    if (d === null) return;
    this.drag = null;
    this.brush.hidden = true;
    const flatX = Math.abs(x - d.x) < DRAG_PX;
    const flatY = Math.abs(y - d.y) < DRAG_PX;
    if (flatX && flatY) return this.on.pin(d.cell.r, d.cell.c);
    const end = this.clampedCell(x, y);
    const w = this.plot.frame?.window;
    if (end === null || w === undefined) return;
    const [r0, r1] = flatY ? [w.r0, w.r1] : [Math.min(d.cell.r, end.r), Math.max(d.cell.r, end.r) + 1];
    const [c0, c1] = flatX ? [w.c0, w.c1] : [Math.min(d.cell.c, end.c), Math.max(d.cell.c, end.c) + 1];
    this.on.zoom(r0, r1, c0, c1);
  }

  private key(e: KeyboardEvent): void {
    const w = this.plot.frame?.window;
    if (w === undefined || w.r1 <= w.r0 || w.c1 <= w.c0) return;
    const move: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const step = e.ctrlKey || e.altKey ? 10 : 1;
    if (e.key in move) {
      e.preventDefault();
      const [dr, dc] = move[e.key]!;
      const cur = this.cursor ?? { r: w.r0, c: w.c1 - 1 };
      if (e.shiftKey && this.anchor === null) this.anchor = cur;
      if (!e.shiftKey) this.anchor = null;
      this.cursor = { r: clamp(cur.r + dr * step, w.r0, w.r1 - 1), c: clamp(cur.c + dc * step, w.c0, w.c1 - 1) };
      this.showCursor();
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      const cur = this.cursor ?? { r: w.r0, c: w.c1 - 1 };
      const a = this.anchor;
      this.anchor = null;
      if (a !== null && (a.r !== cur.r || a.c !== cur.c)) {
        this.cursor = null;
        this.kbd.hidden = true;
        this.on.zoom(Math.min(a.r, cur.r), Math.max(a.r, cur.r) + 1, Math.min(a.c, cur.c), Math.max(a.c, cur.c) + 1);
      } else this.on.pin(cur.r, cur.c);
    } else if (e.key === "Backspace") {
      e.preventDefault();
      this.cursor = null;
      this.on.back();
    } else if (e.key === "0") {
      this.cursor = null;
      this.on.reset();
    } else if (e.key === "Escape") {
      this.anchor = null;
      this.kbd.hidden = true;
      this.on.hover(null, 0, 0);
    }
  }

  /** Draws the keyboard cursor (and selection) and shows the cell's details. */
  private showCursor(): void {
    const cur = this.cursor;
    if (cur === null) return;
    const a = this.anchor ?? cur;
    const box = this.plot.boxOf(
      Math.min(a.r, cur.r),
      Math.max(a.r, cur.r) + 1,
      Math.min(a.c, cur.c),
      Math.max(a.c, cur.c) + 1,
    );
    Object.assign(this.kbd.style, {
      left: `${box.left}px`,
      top: `${box.top}px`,
      width: `${Math.max(2, box.width)}px`,
      height: `${Math.max(2, box.height)}px`,
    });
    this.kbd.hidden = false;
    const cell = this.plot.boxOf(cur.r, cur.r + 1, cur.c, cur.c + 1);
    const heat = this.plot.heat.getBoundingClientRect();
    this.on.hover(cur, heat.left + cell.left + cell.width / 2, heat.top + cell.top + cell.height / 2);
  }

  /** Forgets the cursor (the window changed under it). */
  resetCursor(): void {
    this.cursor = null;
    this.anchor = null;
    this.kbd.hidden = true;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
