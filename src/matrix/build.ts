// Builds the heatmap matrix (SPEC §5 wire object) from one series of the column history.
//
// Rows: one per distinct bucket id among the rows that appear in the selected columns (the
// reference's rule: a bucket present in the window is shown even when this series is all zero
// there, e.g. a write-only range in the reads view — the row budget folds such rows first since
// they carry no activity). Row metadata comes from the latest column the bucket appears in.
// Cells: values add up; identity (group, term) follows the rule in assembly/lib/matrix-pivot.ts.
// Row budget: src/row-budget.ts. Order: start key ascending (null first), then bucket id.
import { jsKernel, releaseWasmKernel, wasmKernel, type MatrixKernel, type ScanResult } from "./kernels.js";
import { checkRowBudget, sortRows } from "./row-budget.js";
import { bucketIndex } from "./bucket-index.js";
import { SERIES, type SeriesView } from "../types.js";
import { rfc3339, type Matrix } from "../wire/wire.js";
import { toWireMatrix, type MatrixTable } from "./table.js";

export interface BuildMatrixOptions {
  /** Row budget (a positive integer; the HTTP API clamps to MAX_ROWS). */
  rows: number;
  /** Keep columns with `atMs ≥ fromMs`; absent or 0 = unbounded. */
  fromMs?: number;
  /** Keep columns with `atMs < toMs`; absent or 0 = unbounded. */
  toMs?: number;
  /** Clock for `generated_at` (default `Date.now()`). */
  nowMs?: number;
}

/** Pivots a series view into the wire matrix, with the merged row budget, in Wasm. */
export function buildMatrix(view: SeriesView, opts: BuildMatrixOptions): Matrix {
  return toWireMatrix(buildMatrixTable(view, opts));
}

/**
 * The same matrix as a MatrixTable (row heads + typed cell arrays), for writing its JSON without
 * building number[] rows. The cell arrays are views of buffers the next build reuses: read them
 * (or write the JSON) before building another matrix.
 */
export function buildMatrixTable(view: SeriesView, opts: BuildMatrixOptions): MatrixTable {
  try {
    return buildWith(wasmKernel(), view, opts);
  } finally {
    releaseWasmKernel();
  }
}

/** The same build in plain JS: a baseline for benchmarks and an oracle for tests. */
export function buildMatrixJs(view: SeriesView, opts: BuildMatrixOptions): Matrix {
  return toWireMatrix(buildWith(jsKernel(), view, opts));
}

function buildWith(kernel: MatrixKernel, view: SeriesView, opts: BuildMatrixOptions): MatrixTable {
  checkView(view);
  checkOptions(opts);
  const columns = selectColumns(view, opts.fromMs, opts.toMs);
  const metaCount = view.metas.length;
  const scan = summaryOf(view, columns) ?? kernel.scan(columns, metaCount);
  const buckets = bucketIndex(view.metas, scan.last);
  const bucketTotals = buckets.totals(scan.totals);
  const starts = buckets.plan(bucketTotals, opts.rows, kernel.plan);
  const rowCount = starts.length - 1;
  const rowOfMeta = buckets.rowOfMeta(starts);
  // A cell whose bucket has no row in that column (before the route existed, an idle step)
  // carries no identity: 0/0, as in the reference (SPEC §5), not the route's group.
  const rowGroup = new Float64Array(rowCount);
  const cellBound = largestRowTotal(bucketTotals, starts);
  const cells = kernel.pivot(columns, { rowOfMeta, groupOfMeta: buckets.groupOfMeta, rowGroup, cellBound });

  const heads = buckets.rowHeads(starts);
  const rows = heads.map((head, r) => ({ start: buckets.list[starts[r]!]!.meta.start, head, cellRow: r }));
  sortRows(
    rows,
    (r) => r.start,
    (r) => r.head.bucket_id,
  );
  return {
    series: view.series,
    generated_at: rfc3339(opts.nowMs ?? Date.now()),
    column_unix_ms: columns.map((c) => c.atMs),
    heads: rows.map((r) => r.head),
    cellRow: Uint32Array.from(rows, (r) => r.cellRow),
    values: cells.values,
    groups: cells.groups,
    terms: cells.terms,
    identity: cells.identity,
    conflicts: null,
  };
}

/**
 * The largest row total (a row's buckets' totals over the selected columns): no cell of the row
 * can exceed it, since a cell adds some of the same values.
 */
function largestRowTotal(bucketTotals: Float64Array, starts: Uint32Array): number {
  let largest = 0;
  for (let r = 0; r + 1 < starts.length; r++) {
    let total = 0;
    for (let b = starts[r]!; b < starts[r + 1]!; b++) total += bucketTotals[b]!;
    if (!(total <= largest)) largest = total; // NaN (no bound) stays NaN
  }
  return largest;
}

function checkView(view: SeriesView): void {
  if (typeof view !== "object" || view === null) throw new TypeError("view must be a SeriesView");
  if (!(SERIES as readonly string[]).includes(view.series)) {
    throw new TypeError(`view.series must be one of ${SERIES.join(", ")}, got ${String(view.series)}`);
  }
  if (!Array.isArray(view.metas) || !Array.isArray(view.columns)) {
    throw new TypeError("view.metas and view.columns must be arrays");
  }
  view.columns.forEach((c, i) => {
    const n = c.metaIds?.length;
    if (!(c.metaIds instanceof Uint32Array) || !isNumberArray(c.values) || !isNumberArray(c.terms)) {
      throw new TypeError(
        `view.columns[${i}] needs metaIds (Uint32Array), values and terms (Float64Array or Uint32Array)`,
      );
    }
    if (c.values.length !== n || c.terms.length !== n) {
      throw new TypeError(`view.columns[${i}]: metaIds, values and terms must have the same length`);
    }
  });
  const s = view.summary;
  if (
    s !== undefined &&
    !(
      s.totals instanceof Float64Array &&
      s.last instanceof Uint32Array &&
      s.totals.length === view.metas.length &&
      s.last.length === view.metas.length
    )
  ) {
    throw new TypeError("view.summary needs totals (Float64Array) and last (Uint32Array), one entry per meta");
  }
}

function checkOptions(opts: BuildMatrixOptions): void {
  if (typeof opts !== "object" || opts === null) throw new TypeError("opts must be an object with rows");
  checkRowBudget(opts.rows, "opts.rows");
  for (const name of ["fromMs", "toMs", "nowMs"] as const) {
    const v = opts[name];
    if (v !== undefined && !Number.isFinite(v)) throw new RangeError(`opts.${name} must be a finite number, got ${v}`);
  }
}

/**
 * The history's running per-meta figures, when they cover exactly the selected columns: the
 * build then skips its first pass over the cells.
 */
function summaryOf(view: SeriesView, columns: SeriesView["columns"]): ScanResult | undefined {
  const s = view.summary;
  if (s === undefined || s.columnCount !== columns.length || columns.length !== view.columns.length) return undefined;
  return { totals: s.totals, last: s.last };
}

function inWindow(atMs: number, fromMs = 0, toMs = 0): boolean {
  return (fromMs === 0 || atMs >= fromMs) && (toMs === 0 || atMs < toMs);
}

function selectColumns(view: SeriesView, fromMs?: number, toMs?: number): SeriesView["columns"] {
  return view.columns.filter((c) => inWindow(c.atMs, fromMs, toMs));
}

function isNumberArray(a: unknown): a is Float64Array | Uint32Array {
  return a instanceof Float64Array || a instanceof Uint32Array;
}
