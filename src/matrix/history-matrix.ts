// The matrix of a stored history: the one place that turns a matrix request into a build, used
// by the live sampler (`Sampler.matrix`) and by replay (`Replay.matrix`), so both answer a request
// with the same code — and a replay of an export equals the live matrix field for field.

import type { History } from "../history/history.js";
import { SERIES, type Series } from "../types.js";
import { checkFiniteNumber } from "../validate.js";
import { MAX_ROWS, SERIES_MESSAGE, type Matrix } from "../wire/wire.js";
import { buildMatrixTable } from "./build.js";
import { toWireMatrix, type MatrixTable } from "./table.js";
import { checkStepMs, rebucketView } from "./rebucket.js";

/** One series over `[fromMs, toMs)` (absent or 0 = unbounded), a row budget, a time step. */
export interface MatrixRequest {
  series?: Series;
  fromMs?: number;
  toMs?: number;
  /** Row budget (default 1024). */
  rows?: number;
  /** Re-aggregate columns to this step (ms); at most the history's own step = columns as stored. */
  stepMs?: number;
}

/** The matrix as a MatrixTable (typed cells; see table.ts): what the sampler and the server use. */
export function historyMatrixTable(
  history: History,
  q: MatrixRequest,
  opts: { baseStepMs: number; nowMs: number },
): MatrixTable {
  if (typeof q !== "object" || q === null) throw new TypeError("matrix request must be an object");
  const series = q.series ?? "writes";
  if (!(SERIES as readonly string[]).includes(series)) throw new RangeError(SERIES_MESSAGE);
  const fromMs = q.fromMs === undefined || q.fromMs === 0 ? undefined : checkFiniteNumber("fromMs", q.fromMs);
  const toMs = q.toMs === undefined || q.toMs === 0 ? undefined : checkFiniteNumber("toMs", q.toMs);
  const rows = q.rows === undefined ? MAX_ROWS : q.rows;
  const view = history.seriesView(series, fromMs, toMs);
  if (q.stepMs === undefined || checkStepMs(q.stepMs) <= opts.baseStepMs) {
    return buildMatrixTable(view, { rows, fromMs, toMs, nowMs: opts.nowMs });
  }
  // The window was applied to the stored times; re-stamped columns are not filtered again.
  return buildMatrixTable(rebucketView(view, q.stepMs), { rows, nowMs: opts.nowMs });
}

/** The wire matrix (SPEC §5) of the same request. */
export function historyMatrix(history: History, q: MatrixRequest, opts: { baseStepMs: number; nowMs: number }): Matrix {
  return toWireMatrix(historyMatrixTable(history, q, opts));
}
