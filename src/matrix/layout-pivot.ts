// The pivot for histories whose columns repeat one row layout (same meta ids, same terms): a
// busy store where every route is active every step. The general pivot (kernels.ts) handles each
// stored cell on its own — its meta's output row, group and term, the identity rule — which makes
// it several times slower than a plain pass over the values. Here that work is done once per
// distinct layout (a plan: which members form each output row, whether they share one identity),
// and each column costs one pass over its values, summing runs of members and noticing zeros.
//
// Identity rule (as in assembly/lib/matrix-pivot.ts): the contributors of a cell are its members
// with a non-zero value, or all its members when every value is zero; their common (group, term)
// is the identity, or (0, 0) if they differ. When all members share one identity, or when all
// members are zero or all non-zero, the plan knows the answer; only a row mixing zero and
// non-zero values over differing identities needs a second look at its members.
//
// Identity is kept per output row while it is one value throughout (RowIdentities): nearly every
// row, and it saves two strided f64 stores per cell; rows whose identity changes get it per cell.
//
// Layouts are recognised by reference: the history hands columns with equal ids and terms the
// same arrays (history.ts `seriesView`). Output: rows × columns, row-major, written in place.
import { NO_ROW, type KernelColumn, type PivotInput, type PivotResult } from "./kernels.js";
import { RowIdentities } from "./row-identities.js";

/** One layout's plan: its members grouped by output row, in runs of consecutive members. */
interface Plan {
  /** Rows with members, ascending; `rowRuns[k]..rowRuns[k+1]` are row `rows[k]`'s runs. */
  rows: Int32Array;
  rowRuns: Int32Array;
  /** Each row one run of consecutive members (run k is row k's): the common case. */
  oneRunEach: boolean;
  runStart: Int32Array;
  runEnd: Int32Array;
  /** 1 when every member of the row has the row's identity `rowGroup`/`rowTerm`, else 0. */
  rowSame: Uint8Array;
  rowGroup: Float64Array;
  rowTerm: Float64Array;
  /** Rows without members in this layout. */
  absent: Int32Array;
  /** Group and term of every member (for the rows that need a second look). */
  memberGroup: Float64Array;
  memberTerm: Float64Array;
}

/**
 * Whether the layout pivot suits these columns: every value u32 (no overflow copies) and few
 * layouts (each costs a plan about as dear as the general pivot of one column).
 */
export function layoutPivotFits(columns: readonly KernelColumn[]): boolean {
  const layouts = new Map<Uint32Array, Set<KernelColumn["terms"]>>();
  let count = 0;
  for (const c of columns) {
    if (!(c.values instanceof Uint32Array)) return false;
    let terms = layouts.get(c.metaIds);
    if (terms === undefined) layouts.set(c.metaIds, (terms = new Set()));
    if (!terms.has(c.terms)) {
      terms.add(c.terms);
      count++;
    }
  }
  return count * 8 <= columns.length;
}

/**
 * The pivot into `out` (each `rows × columns.length`); see the file comment. A row whose cells
 * all have one identity gets it once (`identity`), and its per-cell groups/terms are not written.
 */
export function layoutPivot(columns: readonly KernelColumn[], input: PivotInput, out: PivotResult): PivotResult {
  const width = columns.length;
  const plans = new Map<Uint32Array, Map<KernelColumn["terms"], Plan>>();
  const ids = new RowIdentities(input.rowGroup.length, width, out);
  const intSums = input.cellBound !== undefined && input.cellBound < INT_SUM_LIMIT;
  const pass: Pass = { width, rowGroup: input.rowGroup, ids, out, intSums };
  for (let c = 0; c < width; c++) {
    const col = columns[c]!;
    let byTerms = plans.get(col.metaIds);
    if (byTerms === undefined) plans.set(col.metaIds, (byTerms = new Map()));
    let plan = byTerms.get(col.terms);
    if (plan === undefined) {
      byTerms.set(col.terms, (plan = makePlan(col, input, c)));
      expectPlanIdentities(plan, c, input.rowGroup, ids);
    }
    if (plan.oneRunEach && sameLayout(columns, c, BLOCK)) {
      const [v0, v1, v2, v3] = columns.slice(c, c + BLOCK).map((x) => x.values as Uint32Array);
      if (pass.intSums) pivotFourInt(plan, v0!, v1!, v2!, v3!, c, pass);
      else pivotFour(plan, v0!, v1!, v2!, v3!, c, pass);
      c += BLOCK - 1;
    } else pivotColumn(plan, col.values as Uint32Array, c, pass);
  }
  return { ...out, identity: ids.result() };
}

/**
 * A new plan, first used at column `c`: the identity it gives each row's cells unless a cell
 * mixes zero and non-zero members (those are checked one by one in the pass).
 */
function expectPlanIdentities(plan: Plan, c: number, rowGroup: Float64Array, ids: RowIdentities): void {
  for (let k = 0; k < plan.rows.length; k++) ids.note(plan.rows[k]!, c, plan.rowGroup[k]!, plan.rowTerm[k]!);
  for (const r of plan.absent) ids.note(r, c, rowGroup[r]!, 0);
}

function badIdError(column: number, metaCount: number): RangeError {
  return new RangeError(`view.columns[${column}].metaIds has an id outside metas (length ${metaCount})`);
}

function makePlan(col: KernelColumn, { rowOfMeta, groupOfMeta, rowGroup }: PivotInput, c: number): Plan {
  const { metaIds, terms } = col;
  const n = metaIds.length;
  const rowCount = rowGroup.length;
  const memberGroup = new Float64Array(n);
  const memberTerm = new Float64Array(n);
  // Runs of consecutive members in one row.
  const starts: number[] = [];
  const ends: number[] = [];
  const runRow: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = metaIds[i]!;
    if (m >= rowOfMeta.length) throw badIdError(c, rowOfMeta.length);
    memberGroup[i] = groupOfMeta[m]!;
    memberTerm[i] = terms[i]! + 0;
    const row = rowOfMeta[m]!;
    if (row === NO_ROW) continue;
    if (runRow.length > 0 && runRow[runRow.length - 1] === row && ends[ends.length - 1] === i)
      ends[ends.length - 1] = i + 1;
    else {
      starts.push(i);
      ends.push(i + 1);
      runRow.push(row);
    }
  }
  // Group the runs by row (a counting sort keeps each row's runs in member order).
  const perRow = new Int32Array(rowCount + 1);
  for (const r of runRow) perRow[r + 1]!++;
  for (let r = 0; r < rowCount; r++) perRow[r + 1]! += perRow[r]!;
  const order = new Int32Array(runRow.length);
  const fill = perRow.slice(0, rowCount);
  runRow.forEach((r, k) => (order[fill[r]!++] = k));
  const rows: number[] = [];
  const rowRuns: number[] = [];
  const absent: number[] = [];
  for (let r = 0; r < rowCount; r++) {
    if (perRow[r] === perRow[r + 1]) absent.push(r);
    else {
      rows.push(r);
      rowRuns.push(perRow[r]!);
    }
  }
  rowRuns.push(runRow.length);
  const plan: Plan = {
    rows: Int32Array.from(rows),
    rowRuns: Int32Array.from(rowRuns),
    oneRunEach: runRow.length === rows.length,
    runStart: Int32Array.from(order, (k) => starts[k]!),
    runEnd: Int32Array.from(order, (k) => ends[k]!),
    rowSame: new Uint8Array(rows.length),
    rowGroup: new Float64Array(rows.length),
    rowTerm: new Float64Array(rows.length),
    absent: Int32Array.from(absent),
    memberGroup,
    memberTerm,
  };
  for (let k = 0; k < rows.length; k++) sharedIdentity(plan, k);
  return plan;
}

/** Sets row `k`'s identity in the plan: the one (group, term) all its members share, if any. */
function sharedIdentity(plan: Plan, k: number): void {
  const first = plan.runStart[plan.rowRuns[k]!]!;
  const g = plan.memberGroup[first]!;
  const t = plan.memberTerm[first]!;
  let same = 1;
  for (let q = plan.rowRuns[k]!; q < plan.rowRuns[k + 1]!; q++) {
    for (let i = plan.runStart[q]!; i < plan.runEnd[q]!; i++)
      if (plan.memberGroup[i] !== g || plan.memberTerm[i] !== t) same = 0;
  }
  plan.rowSame[k] = same;
  plan.rowGroup[k] = same === 1 ? g : 0;
  plan.rowTerm[k] = same === 1 ? t : 0;
}

/** What every column of one pivot shares. */
interface Pass {
  width: number;
  rowGroup: Float64Array;
  ids: RowIdentities;
  out: PivotResult;
  /** No cell reaches 2^31 (PivotInput.cellBound): pivotFourInt's int32 sums cannot wrap. */
  intSums: boolean;
}

// Below this cell bound the four-column pass sums in int32 (see pivotFourInt).
const INT_SUM_LIMIT = 2 ** 31;

function pivotColumn(plan: Plan, values: Uint32Array, c: number, pass: Pass): void {
  const { rows, rowRuns, runStart, runEnd } = plan;
  const { width, ids } = pass;
  const outValues = pass.out.values;
  for (let k = 0; k < rows.length; k++) {
    let sum = 0;
    let min = 0xffffffff;
    for (let q = rowRuns[k]!; q < rowRuns[k + 1]!; q++) {
      const end = runEnd[q]!;
      for (let i = runStart[q]!; i < end; i++) {
        const v = values[i]!;
        sum += v;
        min = v < min ? v : min;
      }
    }
    const r = rows[k]!;
    outValues[r * width + c] = sum;
    finishCell(plan, k, values, r, c, sum, min, ids);
  }
  absentCells(plan, c, pass);
}

// Columns per pass of pivotFour.
const BLOCK = 4;

/** Whether columns c .. c+count-1 exist and share one layout. */
function sameLayout(columns: readonly KernelColumn[], c: number, count: number): boolean {
  if (c + count > columns.length) return false;
  const { metaIds, terms } = columns[c]!;
  for (let d = 1; d < count; d++)
    if (columns[c + d]!.metaIds !== metaIds || columns[c + d]!.terms !== terms) return false;
  return true;
}

/**
 * Four consecutive columns of one layout whose rows are single runs, in one pass over the rows:
 * the per-row work (run bounds, the row's store position, the identity checks) is shared, and
 * the four sums are independent chains. Zeros are only noticed (a branch that is almost never
 * taken, far cheaper than four running minimums); a row that has one, if its identity can
 * depend on it, or a row kept per cell, gets its four cells finished one by one.
 */
function pivotFour(
  plan: Plan,
  v0: Uint32Array,
  v1: Uint32Array,
  v2: Uint32Array,
  v3: Uint32Array,
  c: number,
  pass: Pass,
): void {
  const { rows, runStart, runEnd, rowSame } = plan;
  const { width, ids } = pass;
  const outValues = pass.out.values;
  const perCell = ids.perCell;
  for (let k = 0; k < rows.length; k++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let zero = false;
    const start = runStart[k]!;
    const end = runEnd[k]!;
    for (let i = start; i < end; i++) {
      const a = v0[i]!;
      const b = v1[i]!;
      const d = v2[i]!;
      const e = v3[i]!;
      s0 += a;
      s1 += b;
      s2 += d;
      s3 += e;
      if (a === 0 || b === 0 || d === 0 || e === 0) zero = true;
    }
    const r = rows[k]!;
    const at = r * width + c;
    outValues[at] = s0;
    outValues[at + 1] = s1;
    outValues[at + 2] = s2;
    outValues[at + 3] = s3;
    if (perCell[r] === 1 || (zero && rowSame[k] === 0)) {
      finishCell(plan, k, v0, r, c, s0, runMin(v0, start, end), ids);
      finishCell(plan, k, v1, r, c + 1, s1, runMin(v1, start, end), ids);
      finishCell(plan, k, v2, r, c + 2, s2, runMin(v2, start, end), ids);
      finishCell(plan, k, v3, r, c + 3, s3, runMin(v3, start, end), ids);
    }
  }
  for (let d = 0; d < BLOCK; d++) absentCells(plan, c + d, pass);
}

/**
 * pivotFour when no cell can reach 2^31 (`pass.intSums`): the same pass with int32 sums, which
 * skip a u32 → f64 conversion and an f64 add per value. Measured alone on 1 440 × 10 000 values
 * in 1 024 rows: ~1.45× → ~1.25× a plain `Uint32Array` sum (pivotFour's f64 sums). A copy of
 * pivotFour, not a shared body: with the per-row tail moved into a helper V8 inlined the loop
 * into its caller and the pass got slower (1.155× in separate processes, 1.27× alternating).
 */
function pivotFourInt(
  plan: Plan,
  v0: Uint32Array,
  v1: Uint32Array,
  v2: Uint32Array,
  v3: Uint32Array,
  c: number,
  pass: Pass,
): void {
  const { rows, runStart, runEnd, rowSame } = plan;
  const { width, ids } = pass;
  const outValues = pass.out.values;
  const perCell = ids.perCell;
  for (let k = 0; k < rows.length; k++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let zero = false;
    const start = runStart[k]!;
    const end = runEnd[k]!;
    for (let i = start; i < end; i++) {
      const a = v0[i]!;
      const b = v1[i]!;
      const d = v2[i]!;
      const e = v3[i]!;
      s0 = (s0 + a) | 0;
      s1 = (s1 + b) | 0;
      s2 = (s2 + d) | 0;
      s3 = (s3 + e) | 0;
      if (a === 0 || b === 0 || d === 0 || e === 0) zero = true;
    }
    const r = rows[k]!;
    const at = r * width + c;
    outValues[at] = s0;
    outValues[at + 1] = s1;
    outValues[at + 2] = s2;
    outValues[at + 3] = s3;
    if (perCell[r] === 1 || (zero && rowSame[k] === 0)) {
      finishCell(plan, k, v0, r, c, s0, runMin(v0, start, end), ids);
      finishCell(plan, k, v1, r, c + 1, s1, runMin(v1, start, end), ids);
      finishCell(plan, k, v2, r, c + 2, s2, runMin(v2, start, end), ids);
      finishCell(plan, k, v3, r, c + 3, s3, runMin(v3, start, end), ids);
    }
  }
  for (let d = 0; d < BLOCK; d++) absentCells(plan, c + d, pass);
}

/** The least of `values[start .. end)`. */
function runMin(values: Uint32Array, start: number, end: number): number {
  let min = 0xffffffff;
  for (let i = start; i < end; i++) min = Math.min(min, values[i]!);
  return min;
}

/**
 * Identity of row k's cell in column c (sum and min of its members' values): when all members
 * are zero, or all non-zero, or share one identity, it is the plan's (which expectPlanIdentities
 * checked against the row's, so only per-cell rows write it); else the non-zero members decide.
 */
function finishCell(
  plan: Plan,
  k: number,
  values: Uint32Array,
  r: number,
  c: number,
  sum: number,
  min: number,
  ids: RowIdentities,
): void {
  if (plan.rowSame[k] === 1 || min !== 0 || sum === 0) {
    if (ids.perCell[r] === 1) ids.note(r, c, plan.rowGroup[k]!, plan.rowTerm[k]!);
  } else contributorIdentity(plan, k, values, r, c, ids);
}

/** Rows without members in the layout: value 0, identity (rowGroup, 0). */
function absentCells(plan: Plan, c: number, { width, rowGroup, ids, out }: Pass): void {
  const { absent } = plan;
  for (let k = 0; k < absent.length; k++) {
    const r = absent[k]!;
    out.values[r * width + c] = 0;
    if (ids.perCell[r] === 1) ids.note(r, c, rowGroup[r]!, 0);
  }
}

/** Identity of a cell whose row mixes zero and non-zero members of differing identities. */
function contributorIdentity(
  plan: Plan,
  k: number,
  values: Uint32Array,
  r: number,
  c: number,
  ids: RowIdentities,
): void {
  let g = NaN;
  let t = NaN;
  for (let q = plan.rowRuns[k]!; q < plan.rowRuns[k + 1]!; q++) {
    for (let i = plan.runStart[q]!; i < plan.runEnd[q]!; i++) {
      if (values[i] === 0) continue;
      if (Number.isNaN(g)) {
        g = plan.memberGroup[i]!;
        t = plan.memberTerm[i]!;
      } else if (plan.memberGroup[i] !== g || plan.memberTerm[i] !== t) {
        g = 0;
        t = 0;
      }
    }
  }
  ids.note(r, c, g, t);
}
