// Time re-aggregation of a series view: columns grouped into coarser aligned steps before the
// pivot. A group's rows are concatenated into one column; the pivot (Wasm) then sums a bucket's
// values within the group exactly and applies its usual identity rule to the cell (one
// (group, term) among the contributors, else 0/0), so no new arithmetic lives here.
//
// Groups are the aligned intervals (k·stepMs − stepMs, k·stepMs] of a column's `atMs`; the
// merged column is stamped `atMs = k·stepMs` and starts at its earliest member's window start.

import type { SeriesView } from "../types.js";

type ViewColumn = SeriesView["columns"][number];

/** Checks a re-aggregation step: a positive safe integer (ms). */
export function checkStepMs(stepMs: unknown): number {
  if (typeof stepMs !== "number") throw new TypeError(`stepMs must be a number, got ${typeof stepMs}`);
  if (!Number.isSafeInteger(stepMs) || stepMs < 1)
    throw new RangeError(`stepMs must be a positive integer (ms), got ${stepMs}`);
  return stepMs;
}

/** `view` with its columns merged into steps of `stepMs` (columns already in time order). */
export function rebucketView(view: SeriesView, stepMs: number): SeriesView {
  checkStepMs(stepMs);
  const out: ViewColumn[] = [];
  let group: ViewColumn[] = [];
  let groupEnd = NaN;
  const close = () => {
    if (group.length > 0) out.push(mergeColumns(group, groupEnd));
    group = [];
  };
  for (const c of view.columns) {
    const end = Math.ceil(c.atMs / stepMs) * stepMs;
    if (end !== groupEnd) close();
    groupEnd = end;
    group.push(c);
  }
  close();
  return { series: view.series, metas: view.metas, columns: out };
}

function mergeColumns(group: ViewColumn[], atMs: number): ViewColumn {
  let windowStartMs = group[0]!.windowStartMs;
  let n = 0;
  for (const c of group) {
    n += c.metaIds.length;
    if (c.windowStartMs < windowStartMs) windowStartMs = c.windowStartMs;
  }
  const metaIds = new Uint32Array(n);
  const values = new Float64Array(n);
  const terms = new Float64Array(n);
  let at = 0;
  for (const c of group) {
    metaIds.set(c.metaIds, at);
    values.set(c.values, at);
    terms.set(c.terms, at);
    at += c.metaIds.length;
  }
  return { windowStartMs, atMs, metaIds, values, terms };
}
