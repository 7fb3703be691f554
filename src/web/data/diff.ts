// The difference view: window A minus window B, column by column (A's i-th column against B's
// i-th), over the same rows. Where load moved from one key range to another, the old range
// turns negative and the new one positive.
import type { TimeWindow } from "../state.js";
import { columnRange, type Grid } from "./grid.js";

export interface DiffGrid extends Grid {
  /** Column times of B, parallel to `times` (A's). */
  bTimes: number[];
  /** The operands, same shape as `values`. */
  a: Float64Array;
  b: Float64Array;
}

export function diffGrid(grid: Grid, a: TimeWindow, b: TimeWindow): DiffGrid {
  const [a0, a1] = columnRange(grid.times, a);
  const [b0, b1] = columnRange(grid.times, b);
  const n = Math.max(0, Math.min(a1 - a0, b1 - b0));
  const width = grid.times.length;
  const rows = grid.rows.length;
  const values = new Float64Array(rows * n);
  const av = new Float64Array(rows * n);
  const bv = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const x = grid.values[r * width + a0 + i]!;
      const y = grid.values[r * width + b0 + i]!;
      av[r * n + i] = x;
      bv[r * n + i] = y;
      values[r * n + i] = x - y;
    }
  }
  return {
    ...grid,
    times: grid.times.slice(a0, a0 + n),
    bTimes: grid.times.slice(b0, b0 + n),
    values,
    a: av,
    b: bv,
    conflicts: null,
  };
}

/** Default windows: B = first half of the columns in view, A = the second half. */
export function halves(times: readonly number[], c0: number, c1: number): { a: TimeWindow; b: TimeWindow } | null {
  const n = c1 - c0;
  if (n < 2) return null;
  const half = Math.floor(n / 2);
  return {
    b: { fromMs: times[c0]!, toMs: times[c0 + half - 1]! },
    a: { fromMs: times[c1 - half]!, toMs: times[c1 - 1]! },
  };
}
