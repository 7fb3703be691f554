// Fan-out merge of matrices from several nodes (SPEC §5.1), then the row budget and the
// start-key order re-applied (the reference skips both). Wire objects in; out a wire object, or
// a MatrixTable for the server to write as JSON directly.
//
// Columnar: each source row's cells are copied into typed arrays (one `set` per row array, a
// native copy) just before its merged row is merged, and every per-cell loop then reads and
// writes Float64Arrays only. Reading the
// wire rows' number[] directly made each cell access polymorphic (arrays of small integers,
// doubles and frozen shared identity arrays have different element kinds), which cost several
// times the merge itself.
//
// Files: merge-input.ts (one node's matrix made ready), cell-slab.ts (cell storage and the copy),
// merge-rows.ts + merge-cell.ts (rows and cells of §5.1), merge-budget.ts (the budget again).
import { checkRowBudget, sortRows } from "./row-budget.js";
import { MAX_ROWS, rfc3339, validateMatrix, type IncomingMatrix, type Matrix } from "../wire/wire.js";
import { matrixProblem, matrixShapeProblem } from "../wire/validate.js";
import { allInWindow, isStrictlyAscending, prepareInput, type MergeInput, type TimeWindow } from "./merge-input.js";
import { toWireMatrix, type MatrixTable } from "./table.js";
import { BadCell, RowCopier, reserveSlab, trimSlab, type SlabHolder } from "./cell-slab.js";
import { mergeRow, type MergedRow, type Source } from "./merge-rows.js";
import { runSteps, type Steps } from "../steps.js";
import { applyBudget } from "./merge-budget.js";
import { checkFiniteNumber } from "../validate.js";
import type { Series } from "../types.js";

export { mergeCell, type CellContribution } from "./merge-cell.js";

export interface MergeOptions {
  /** Row budget after the merge (default MAX_ROWS). */
  rows?: number;
  /**
   * The request's time window: columns outside `[fromMs, toMs)` are dropped from every input, so
   * a node that ignored the window adds none (`fromMs > toMs`: no columns). An absent or 0 bound
   * is unbounded, as in a matrix request (merge-input.ts). Default: all kept.
   */
  window?: TimeWindow;
  /** Clock for `generated_at` (default `Date.now()`). */
  nowMs?: number;
}

/**
 * What a merge reuses (cell-slab.ts): the merged cells' slab. Synchronous merges share one;
 * sliced merges (one at a time, merge-sliced.ts) another, so a synchronous merge never writes
 * into a paused sliced merge.
 */
export type MergeBuffers = SlabHolder;

export function newMergeBuffers(): MergeBuffers {
  return { slab: undefined };
}

const syncBuffers = newMergeBuffers();

/**
 * Merges node matrices (series and row metadata from the first node that has them). Columns are
 * the sorted union of timestamps (a timestamp a node sent twice is summed within that node
 * first); rows are keyed by `bucket_id`; cells follow §5.1 (see `mergeCell`), a missing or short
 * identity array counting as identity unknown. Then the merged row budget and the start-key
 * order are re-applied. The result has no `fanout` block: the caller adds it. Throws TypeError
 * on a malformed input (check each peer body with `matrixProblem` first to drop only the bad
 * peer) and RangeError on a bad budget.
 */
export function mergeMatrices(matrices: readonly IncomingMatrix[], opts: MergeOptions = {}): Matrix {
  if (!Array.isArray(matrices) || matrices.length === 0) {
    throw new RangeError("matrices must be a non-empty array of matrices");
  }
  // The cells (values, group ids, terms) are checked while the merge copies them: one pass over
  // millions of numbers instead of two. A matrix whose cells the merge converts before copying
  // (repeated timestamps, short identity arrays) is checked whole first. Whatever the problem,
  // the full validator names it, as if it had run first.
  const window = checkWindow(opts.window);
  for (const m of matrices) {
    if (matrixShapeProblem(m) !== null || (convertsCells(m, window) && matrixProblem(m) !== null))
      throwFirstProblem(matrices);
  }
  try {
    return toWireMatrix(runSteps(mergeTableSteps(matrices, opts, syncBuffers, true)));
  } catch (e) {
    if (e instanceof BadCell) throwFirstProblem(matrices);
    throw e;
  }
}

/** Throws the validator's error for the first invalid matrix. */
function throwFirstProblem(matrices: readonly IncomingMatrix[]): never {
  matrices.forEach((m, i) => validateMatrix(m, `matrices[${i}]`));
  throw new TypeError("matrices: a cell is not a count"); // not reached: the validator threw
}

/** Whether prepareInput rewrites the cells of `m` (a matrix of valid shape) before they are copied. */
function convertsCells(m: IncomingMatrix, window: TimeWindow): boolean {
  const width = m.column_unix_ms.length;
  const short = (a: readonly number[] | undefined) => a !== undefined && a.length < width;
  return (
    !isStrictlyAscending(m.column_unix_ms) ||
    !allInWindow(m.column_unix_ms, window) ||
    m.rows.some((r) => short(r.raft_group_ids) || short(r.leader_terms))
  );
}

/** `opts.window`, checked (the public merge's argument). */
function checkWindow(w: unknown): TimeWindow {
  if (w === undefined) return {};
  if (typeof w !== "object" || w === null) throw new TypeError("opts.window must be an object { fromMs?, toMs? }");
  const { fromMs, toMs } = w as TimeWindow;
  if (fromMs !== undefined) checkFiniteNumber("opts.window.fromMs", fromMs);
  if (toMs !== undefined) checkFiniteNumber("opts.window.toMs", toMs);
  return w as TimeWindow;
}

/** `mergeMatrices` for inputs already checked by the validator (src/wire/validate.ts). */
export function mergeCheckedMatrices(matrices: readonly IncomingMatrix[], opts: MergeOptions = {}): Matrix {
  return toWireMatrix(mergeCheckedTable(matrices, opts));
}

/**
 * The same merge as a MatrixTable (typed cells), for writing the JSON without number[] rows.
 * Inputs must be checked by the validator. The cell arrays are reused by the next merge.
 */
export function mergeCheckedTable(matrices: readonly IncomingMatrix[], opts: MergeOptions = {}): MatrixTable {
  return runSteps(mergeTableSteps(matrices, opts, syncBuffers));
}

/**
 * The merge, yielding after each row (see src/steps.ts), on `buffers`. `checkCells`: the inputs
 * passed the validator without their cells (`matrixShapeProblem`); each cell is checked as it is
 * copied, and the first that is not a count throws BadCell.
 */
export function* mergeTableSteps(
  matrices: readonly IncomingMatrix[],
  opts: MergeOptions,
  buffers: MergeBuffers,
  checkCells = false,
): Steps<MatrixTable> {
  if (matrices.length === 0) throw new RangeError("matrices must be a non-empty array of matrices");
  const [first, ...rest] = matrices;
  return yield* mergeWithLocalSteps(prepareInput(first!, opts.window), first!.series, rest, opts, buffers, checkCells);
}

/**
 * The merge with the first node's matrix already a merge input (the server's own, from its table:
 * table-input.ts), the others as they came (checked by the validator), yielding after each row.
 */
export function* mergeWithLocalSteps(
  local: MergeInput,
  series: Series,
  peers: readonly IncomingMatrix[],
  opts: MergeOptions,
  buffers: MergeBuffers,
  checkCells = false,
): Steps<MatrixTable> {
  const rows = opts.rows ?? MAX_ROWS;
  checkRowBudget(rows);
  const inputs: MergeInput[] = [local];
  for (const m of peers) {
    inputs.push(prepareInput(m, opts.window));
    yield;
  }
  const columns = unionColumns(inputs);
  const grouped = collectSources(inputs, columns);
  const copier = new RowCopier(columns.length, checkCells);
  // + the budget's merged rows
  const slab = reserveSlab(buffers, grouped.length + Math.min(rows, grouped.length), columns.length);
  const merged: MergedRow[] = [];
  for (let i = 0; i < grouped.length; i++) {
    merged.push(mergeRow(grouped[i]!, slab.row(i), i, series, copier));
    yield;
  }
  sortRows(
    merged,
    (r) => r.start,
    (r) => r.head.bucket_id,
  );
  const out = yield* applyBudget(merged, rows, slab, grouped.length);
  const table: MatrixTable = {
    series,
    generated_at: rfc3339(opts.nowMs ?? Date.now()),
    column_unix_ms: columns,
    heads: out.map((r) => r.head),
    cellRow: Uint32Array.from(out, (r) => r.cellRow),
    ...slab.arrays(),
  };
  trimSlab(buffers);
  return table;
}

function unionColumns(inputs: MergeInput[]): number[] {
  const all = new Set<number>();
  for (const m of inputs) for (const t of m.columns) all.add(t);
  return [...all].sort((a, b) => a - b);
}

/** The sources of each bucket id, in node order (their cells are copied as each row is merged). */
function collectSources(inputs: MergeInput[], columns: number[]): Source[][] {
  const position = new Map<number, number>(columns.map((t, i) => [t, i]));
  const byId = new Map<string, Source[]>();
  for (const m of inputs) {
    // Unique per input, so no two of the node's columns land on one merged column.
    const place = Int32Array.from(m.columns, (t) => position.get(t)!);
    const aligned = place.length === columns.length && place.every((p, j) => p === j);
    for (const row of m.rows) {
      let list = byId.get(row.head.bucket_id);
      if (list === undefined) byId.set(row.head.bucket_id, (list = []));
      list.push({ head: row.head, row, place: aligned ? null : place });
    }
  }
  return [...byId.values()];
}
