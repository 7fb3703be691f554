// Builds the heatmap matrix (SPEC §5 wire object) from one series of the column history.
//
// Rows: one per distinct bucket id among the rows that appear in the selected columns (the
// reference's rule: a bucket present in the window is shown even when this series is all zero
// there, e.g. a write-only range in the reads view — the row budget folds such rows first since
// they carry no activity). Row metadata comes from the latest column the bucket appears in.
// Cells: values add up; identity (group, term) follows the rule in assembly/lib/matrix-pivot.ts.
// Row budget: src/row-budget.ts. Order: start key ascending (null first), then bucket id.
import { compareEnd } from "../keys/bytes.js";
import { jsKernel, NO_ROW, releaseWasmKernel, wasmKernel, type MatrixKernel, type ScanResult } from "./kernels.js";
import { checkRowBudget, mergedBucketId, sortRows, unionRoutes } from "./row-budget.js";
import { SERIES, type Key, type RowMeta, type SeriesView } from "../types.js";
import { encodeKey, MAX_MEMBER_ROUTE_IDS, rfc3339, type Matrix, type RowHead } from "../wire/wire.js";
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

/** A bucket of the matrix before the budget: its latest meta and every meta id it spans. */
interface Bucket {
  meta: RowMeta;
  metaIds: number[];
  last: number;
  total: number;
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
  const buckets = collectBuckets(view.metas, scan.totals, scan.last);
  const starts = kernel.plan(
    Float64Array.from(buckets, (b) => b.total),
    opts.rows,
  );
  const rowCount = starts.length - 1;

  const rowOfMeta = new Uint32Array(metaCount).fill(NO_ROW);
  for (let r = 0; r < rowCount; r++) {
    for (const b of buckets.slice(starts[r], starts[r + 1])) for (const m of b.metaIds) rowOfMeta[m] = r;
  }
  // A cell whose bucket has no row in that column (before the route existed, an idle step)
  // carries no identity: 0/0, as in the reference (SPEC §5), not the route's group.
  const rowGroup = new Float64Array(rowCount);
  // `+ 0` turns -0 into 0: the Wasm kernel compares identities by bit pattern.
  const groupOfMeta = Float64Array.from(view.metas, (m) => m.groupId + 0);
  const cells = kernel.pivot(columns, { rowOfMeta, groupOfMeta, rowGroup });

  const rows: { start: Key; head: RowHead; cellRow: number }[] = [];
  for (let r = 0; r < rowCount; r++) {
    const members = buckets.slice(starts[r], starts[r + 1]);
    rows.push({
      start: members[0]!.meta.start,
      head: members.length === 1 ? headOf(members[0]!.meta) : mergedHead(members),
      cellRow: r,
    });
  }
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

/** Groups present metas by bucket id, newest meta wins, sorted by (start, bucket id). */
function collectBuckets(metas: readonly RowMeta[], totals: Float64Array, last: Uint32Array): Bucket[] {
  const byId = new Map<string, Bucket>();
  for (let m = 0; m < metas.length; m++) {
    if (last[m] === 0) continue;
    const meta = metas[m]!;
    const bucket = byId.get(meta.bucketId);
    if (bucket === undefined) {
      byId.set(meta.bucketId, { meta, metaIds: [m], last: last[m]!, total: totals[m]! });
      continue;
    }
    bucket.metaIds.push(m);
    bucket.total += totals[m]!;
    if (last[m]! >= bucket.last) {
      bucket.last = last[m]!;
      bucket.meta = meta;
    }
  }
  return sortRows(
    [...byId.values()],
    (b) => b.meta.start,
    (b) => b.meta.bucketId,
  );
}

function headOf(meta: RowMeta): RowHead {
  const listed = [...meta.memberRoutes].sort((a, b) => a - b);
  const total = Math.max(1, meta.memberRoutesTotal, listed.length);
  return {
    bucket_id: meta.bucketId,
    label: meta.label,
    start: encodeKey(meta.start),
    end: encodeKey(meta.end),
    aggregate: meta.aggregate,
    route_ids: listed.slice(0, MAX_MEMBER_ROUTE_IDS),
    route_ids_truncated: total > Math.min(listed.length, MAX_MEMBER_ROUTE_IDS),
    route_count: total,
  };
}

/**
 * A row of the budget: `merged:<first>..<last>` bucket ids, start of the first member, end of
 * the last (the greatest end, should members overlap), route ids united and capped.
 */
function mergedHead(members: Bucket[]): RowHead {
  let end = members[0]!.meta.end;
  for (const b of members) if (compareEnd(b.meta.end, end) > 0) end = b.meta.end;
  const routes = unionRoutes(members.map((b) => ({ ids: b.meta.memberRoutes, total: b.meta.memberRoutesTotal })));
  return {
    bucket_id: mergedBucketId(members[0]!.meta.bucketId, members[members.length - 1]!.meta.bucketId),
    start: encodeKey(members[0]!.meta.start),
    end: encodeKey(end),
    aggregate: true,
    route_ids: routes.ids,
    route_ids_truncated: routes.truncated,
    route_count: routes.count,
  };
}

function isNumberArray(a: unknown): a is Float64Array | Uint32Array {
  return a instanceof Float64Array || a instanceof Uint32Array;
}
