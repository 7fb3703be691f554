// Fan-out merge of matrices from several nodes (SPEC §5.1), then the row budget and the
// start-key order re-applied (the reference skips both). Wire objects in; out a wire object, or
// a MatrixTable for the server to write as JSON directly.
//
// Columnar: each node's cells are first copied into typed arrays (one `set` per row array, a
// native copy), and every per-cell loop then reads and writes Float64Arrays only. Reading the
// wire rows' number[] directly made each cell access polymorphic (arrays of small integers,
// doubles and frozen shared identity arrays have different element kinds), which cost several
// times the merge itself.
import { compareEnd } from "../keys/bytes.js";
import { mergedBucketId, planRowGroups, checkRowBudget, sortRows, routeIdOf, unionRoutes, type MemberRoutes } from "./row-budget.js";
import type { Series } from "../types.js";
import { decodeKey, encodeKey, MAX_ROWS, rfc3339, validateMatrix, type IncomingMatrix, type IncomingRow, type Matrix, type RowHead } from "../wire/wire.js";
import { prepareInput, type MergeInput } from "./merge-input.js";
import { toWireMatrix, type MatrixTable } from "./table.js";

export interface MergeOptions {
  /** Row budget after the merge (default MAX_ROWS). */
  rows?: number;
  /** Clock for `generated_at` (default `Date.now()`). */
  nowMs?: number;
}

/** One node's cells in typed arrays: row r's cells at [r·width, (r + 1)·width). */
interface NodeCells {
  values: Float64Array;
  groups: Float64Array;
  terms: Float64Array;
  /** null when no row of the node has conflict flags. */
  conflicts: Uint8Array | null;
}

/**
 * One node's contribution to a merged row: its row head, its cells (from `base` in `cells`) and,
 * per merged column, the node's column or -1.
 */
interface Source {
  head: IncomingRow;
  cells: NodeCells;
  base: number;
  columnOf: Int32Array;
}

/** A row of the merged matrix before the budget. */
interface MergedRow {
  head: IncomingRow;
  /** This row's row in the cell slab. */
  cellRow: number;
  values: Float64Array;
  groups: Float64Array;
  terms: Float64Array;
  /** 1 where the cell conflicted. */
  conflicts: Uint8Array;
  total: number;
  start: Uint8Array | null;
  end: Uint8Array | null;
}

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
  matrices.forEach((m, i) => validateMatrix(m, `matrices[${i}]`));
  return mergeCheckedMatrices(matrices, opts);
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
  if (matrices.length === 0) throw new RangeError("matrices must be a non-empty array of matrices");
  const rows = opts.rows ?? MAX_ROWS;
  checkRowBudget(rows);
  const series = matrices[0]!.series;
  const inputs = matrices.map(prepareInput);
  const columns = unionColumns(inputs);
  const grouped = collectSources(inputs, columns);
  const slab = (sharedSlab ??= new CellSlab());
  slab.reserve(grouped.length + Math.min(rows, grouped.length), columns.length); // + the budget's merged rows
  const merged = grouped.map((sources, i) => mergeRow(sources, slab.row(i), i, series));
  sortRows(merged, (r) => r.start, (r) => r.head.bucket_id);
  const out = applyBudget(merged, rows, slab, grouped.length);
  const table: MatrixTable = {
    series,
    generated_at: rfc3339(opts.nowMs ?? Date.now()),
    column_unix_ms: columns,
    heads: out.map((r) => r.head),
    cellRow: Uint32Array.from(out, (r) => r.cellRow),
    ...slab.arrays(),
  };
  if (slab.cells > KEEP_SLAB_CELLS) sharedSlab = undefined;
  releaseNodeSlabs();
  return table;
}

function unionColumns(inputs: MergeInput[]): number[] {
  const all = new Set<number>();
  for (const m of inputs) for (const t of m.columns) all.add(t);
  return [...all].sort((a, b) => a - b);
}

function collectSources(inputs: MergeInput[], columns: number[]): Source[][] {
  const position = new Map<number, number>(columns.map((t, i) => [t, i]));
  const byId = new Map<string, Source[]>();
  inputs.forEach((m, node) => {
    const columnOf = new Int32Array(columns.length).fill(-1);
    m.columns.forEach((t, j) => (columnOf[position.get(t)!] = j)); // unique per input: nothing overwritten
    const cells = nodeCells(m, node);
    const width = m.columns.length;
    m.rows.forEach((row, r) => {
      let list = byId.get(row.head.bucket_id);
      if (list === undefined) byId.set(row.head.bucket_id, (list = []));
      list.push({ head: row.head, cells, base: r * width, columnOf });
    });
  });
  return [...byId.values()];
}

// Per node position, the typed arrays its cells were last copied into: reused across merges
// (first-touching fresh memory costs more than the copy on some hosts), dropped when large.
const nodeSlabs: NodeCells[] = [];

function releaseNodeSlabs(): void {
  for (let i = 0; i < nodeSlabs.length; i++) {
    if (nodeSlabs[i]!.values.length > KEEP_SLAB_CELLS) nodeSlabs.length = i;
  }
}

/** Copies node `node`'s cells into its typed arrays. */
function nodeCells(m: MergeInput, node: number): NodeCells {
  const width = m.columns.length;
  const cells = m.rows.length * width;
  const flagged = m.rows.some((r) => r.conflicts !== undefined);
  let slab = nodeSlabs[node];
  if (slab === undefined || slab.values.length < cells) {
    slab = { values: new Float64Array(cells), groups: new Float64Array(cells), terms: new Float64Array(cells), conflicts: null };
    nodeSlabs[node] = slab;
  }
  if (flagged && (slab.conflicts === null || slab.conflicts.length < cells)) slab.conflicts = new Uint8Array(cells);
  const out: NodeCells = { ...slab, conflicts: flagged ? slab.conflicts : null };
  const shared = new Map<ArrayLike<number>, Float64Array>();
  m.rows.forEach((row, r) => {
    const at = r * width;
    copyInto(out.values, at, typed(row.values, shared), width);
    copyInto(out.groups, at, typed(row.groups, shared), width);
    copyInto(out.terms, at, typed(row.terms, shared), width);
    if (out.conflicts !== null) {
      if (row.conflicts === undefined) out.conflicts.fill(0, at, at + width);
      else copyInto(out.conflicts, at, row.conflicts, width);
    }
  });
  return out;
}

/**
 * A frozen array as a Float64Array, converted once per merge. The builder shares one frozen
 * identity array among all rows with the same group id or term; TypedArray#set has no fast path
 * for frozen arrays (13 ns per element here, against 0.4–1.5 for ordinary ones).
 */
function typed(src: ArrayLike<number>, shared: Map<ArrayLike<number>, Float64Array>): ArrayLike<number> {
  if (!Object.isFrozen(src) || src instanceof Float64Array) return src;
  let f = shared.get(src);
  if (f === undefined) shared.set(src, (f = Float64Array.from(src)));
  return f;
}

/** `dst[at .. at+width) = src[0 .. width)` (missing entries 0): a native copy when lengths match. */
function copyInto(dst: Float64Array | Uint8Array, at: number, src: ArrayLike<number> | ArrayLike<boolean>, width: number): void {
  if (src.length === width) {
    dst.set(src as ArrayLike<number>, at);
    return;
  }
  for (let i = 0; i < width; i++) dst[at + i] = i < src.length ? Number(src[i]) : 0;
}

/** A contribution of one node to one cell, or a merged cell. */
export interface CellContribution {
  value: number;
  group: number;
  term: number;
  conflict: boolean;
}

/**
 * One cell of §5.1, allocation-free: `add` each node's contribution, then `resolve`.
 * Reads and read bytes are summed (every node serves its own reads). Writes are counted by the
 * leader of each term, so over the non-zero contributions: when all carry an identity
 * (group ≠ 0, term ≠ 0), equal identities must agree (else max + conflict) and distinct ones are
 * summed; otherwise the max is taken, conflicting when two non-zero values differ. An input cell
 * already flagged conflicting stays conflicting.
 * Identity of the result (not in the SPEC): the non-zero contribution with the highest term (then
 * the larger value, then the earlier node); 0/0 when no contribution is non-zero (a cell where
 * nothing was counted carries no identity, as a cell with no row does, SPEC §5).
 */
class CellMerger implements CellContribution {
  value = 0;
  group = 0;
  term = 0;
  conflict = false;
  private count = 0;
  private values: Float64Array;
  private groups: Float64Array;
  private terms: Float64Array;
  private anyConflict = false;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.groups = new Float64Array(capacity);
    this.terms = new Float64Array(capacity);
  }

  reset(): void {
    this.count = 0;
    this.anyConflict = false;
  }

  add(value: number, group: number, term: number, conflict: boolean): void {
    const i = this.count++;
    this.values[i] = value;
    this.groups[i] = group;
    this.terms[i] = term;
    if (conflict) this.anyConflict = true;
  }

  resolve(additive: boolean): void {
    const { values, groups, terms, count } = this;
    let best = -1;
    let nonZero = 0;
    let identified = true;
    let sum = 0;
    let max = 0;
    let first = 0;
    let differ = false;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (v === 0) continue;
      if (nonZero === 0) first = v;
      else if (v !== first) differ = true;
      nonZero++;
      sum += v;
      if (v > max) max = v;
      if (groups[i] === 0 || terms[i] === 0) identified = false;
      if (best < 0 || terms[i]! > terms[best]! || (terms[i] === terms[best] && v > values[best]!)) best = i;
    }
    this.group = best < 0 ? 0 : groups[best]!;
    this.term = best < 0 ? 0 : terms[best]!;
    this.conflict = this.anyConflict;
    if (additive || nonZero <= 1) {
      this.value = sum;
    } else if (identified) {
      this.value = this.sumPerIdentity();
    } else {
      this.value = max;
      if (differ) this.conflict = true;
    }
  }

  /** Sum over distinct (group, term) of the max of that identity's values; flags disagreement. */
  private sumPerIdentity(): number {
    const { values, groups, terms, count } = this;
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (values[i] === 0) continue;
      let seenBefore = false;
      for (let k = 0; k < i && !seenBefore; k++) {
        seenBefore = values[k] !== 0 && groups[k] === groups[i] && terms[k] === terms[i];
      }
      if (seenBefore) continue;
      let max = values[i]!;
      for (let k = i + 1; k < count; k++) {
        if (values[k] === 0 || groups[k] !== groups[i] || terms[k] !== terms[i]) continue;
        if (values[k] !== values[i]) this.conflict = true;
        if (values[k]! > max) max = values[k]!;
      }
      total += max;
    }
    return total;
  }
}

/** One cell of §5.1 from a list of contributions (see CellMerger for the rules). */
export function mergeCell(contributions: readonly CellContribution[], additive: boolean): CellContribution {
  const cell = new CellMerger(contributions.length);
  for (const c of contributions) cell.add(c.value, c.group, c.term, c.conflict);
  cell.resolve(additive);
  return { value: cell.value, group: cell.group, term: cell.term, conflict: cell.conflict };
}

type RowCells = Pick<MergedRow, "values" | "groups" | "terms" | "conflicts">;

/**
 * The cells of every merged row in four slabs, reused across merges (grow-only, dropped when a
 * merge needed more than KEEP_SLAB_CELLS). A typed array per row, or fresh slabs per merge, made
 * first-touch page faults the largest cost of a 3 × 1024-row merge on the sandboxed hosts we
 * measured on. Views are valid until the next merge.
 */
class CellSlab {
  private values = new Float64Array(0);
  private groups = new Float64Array(0);
  private terms = new Float64Array(0);
  private conflicts = new Uint8Array(0);
  private width = 0;
  private rows = 0;

  /** Sizes the slab for `rows` × `width` cells (contents unspecified). */
  reserve(rows: number, width: number): void {
    const cells = rows * width;
    if (this.conflicts.length < cells) {
      this.values = new Float64Array(cells);
      this.groups = new Float64Array(cells);
      this.terms = new Float64Array(cells);
      this.conflicts = new Uint8Array(cells);
    }
    this.width = width;
    this.rows = rows;
  }

  row(i: number): RowCells {
    const [a, b] = [i * this.width, (i + 1) * this.width];
    return {
      values: this.values.subarray(a, b),
      groups: this.groups.subarray(a, b),
      terms: this.terms.subarray(a, b),
      conflicts: this.conflicts.subarray(a, b),
    };
  }

  /** The reserved cells as a table's cell arrays (row i at [i·width, (i + 1)·width)). */
  arrays(): Pick<MatrixTable, "values" | "groups" | "terms" | "conflicts"> {
    const cells = this.rows * this.width;
    return {
      values: this.values.subarray(0, cells),
      groups: this.groups.subarray(0, cells),
      terms: this.terms.subarray(0, cells),
      conflicts: this.conflicts.subarray(0, cells),
    };
  }

  get cells(): number {
    return this.conflicts.length;
  }
}

const KEEP_SLAB_CELLS = 8 << 20;
let sharedSlab: CellSlab | undefined;

function mergeRow(sources: Source[], cells: RowCells, cellRow: number, series: Series): MergedRow {
  const head = sources[0]!.head;
  const width = cells.values.length;
  // One literal with every field (no spread): every MergedRow shares one hidden class, so the
  // per-cell loops over them stay monomorphic.
  const out: MergedRow = {
    head,
    cellRow,
    values: cells.values,
    groups: cells.groups,
    terms: cells.terms,
    conflicts: cells.conflicts,
    total: 0,
    start: decodeKey(head.start),
    end: decodeKey(head.end),
  };
  if (sources.length === 1) copySource(sources[0]!, out);
  else mergeSources(sources, out, series === "reads" || series === "read_bytes");
  for (let j = 0; j < width; j++) out.total += out.values[j]!;
  return out;
}

/**
 * A row only one node has: its cells, moved to the merged columns. A cell that counted nothing
 * (absent, or 0) carries identity 0/0 like every zero cell of a merge.
 */
function copySource({ cells, base, columnOf }: Source, out: MergedRow): void {
  const { values, groups, terms, conflicts } = cells;
  for (let j = 0; j < columnOf.length; j++) {
    const at = columnOf[j]!;
    const v = at >= 0 ? values[base + at]! : 0;
    out.values[j] = v;
    out.groups[j] = v !== 0 ? groups[base + at]! : 0;
    out.terms[j] = v !== 0 ? terms[base + at]! : 0;
    out.conflicts[j] = at >= 0 && conflicts !== null ? conflicts[base + at]! : 0;
  }
}

const NO_FLAGS = new Uint8Array(0);

function mergeSources(sources: Source[], out: MergedRow, additive: boolean): void {
  const k = sources.length;
  const columnOf = sources.map((s) => s.columnOf);
  const base = sources.map((s) => s.base);
  const values = sources.map((s) => s.cells.values);
  const groups = sources.map((s) => s.cells.groups);
  const terms = sources.map((s) => s.cells.terms);
  const flagged = sources.map((s) => s.cells.conflicts !== null);
  const conflicts = sources.map((s) => s.cells.conflicts ?? NO_FLAGS);
  const cell = new CellMerger(k);
  for (let j = 0; j < out.values.length; j++) {
    // One pass computes what CellMerger.resolve would, except the per-identity sum of writes
    // whose contributions all carry an identity (the only case that needs them all at once).
    let nonZero = 0;
    let sum = 0;
    let max = 0;
    let first = 0;
    let differ = false;
    let identified = true;
    let conflictIn = false;
    let bestV = 0;
    let bestG = 0;
    let bestT = 0;
    for (let s = 0; s < k; s++) {
      const col = columnOf[s]![j]!;
      if (col < 0) continue;
      const at = base[s]! + col;
      if (flagged[s] && conflicts[s]![at] === 1) conflictIn = true;
      const v = values[s]![at]!;
      if (v === 0) continue;
      const g = groups[s]![at]!;
      const t = terms[s]![at]!;
      if (nonZero === 0) first = v;
      else if (v !== first) differ = true;
      if (nonZero === 0 || t > bestT || (t === bestT && v > bestV)) {
        bestV = v;
        bestG = g;
        bestT = t;
      }
      nonZero++;
      sum += v;
      if (v > max) max = v;
      if (g === 0 || t === 0) identified = false;
    }
    if (nonZero > 1 && !additive && identified) {
      cell.reset();
      for (let s = 0; s < k; s++) {
        const col = columnOf[s]![j]!;
        if (col < 0) continue;
        const at = base[s]! + col;
        cell.add(values[s]![at]!, groups[s]![at]!, terms[s]![at]!, flagged[s]! && conflicts[s]![at] === 1);
      }
      cell.resolve(additive);
      out.values[j] = cell.value;
      out.groups[j] = cell.group;
      out.terms[j] = cell.term;
      out.conflicts[j] = cell.conflict ? 1 : 0;
      continue;
    }
    const byMax = nonZero > 1 && !additive;
    out.values[j] = byMax ? max : sum;
    out.groups[j] = bestG;
    out.terms[j] = bestT;
    out.conflicts[j] = conflictIn || (byMax && differ) ? 1 : 0;
  }
}

/** An output row: its head and its row in the cell slab. */
interface OutRow {
  start: Uint8Array | null;
  head: RowHead;
  cellRow: number;
}

/**
 * The budget over the merged rows (in start order). A group of one keeps its row; a merged group
 * is folded into the next free slab row after the `used` merged rows.
 */
function applyBudget(rows: MergedRow[], budget: number, slab: CellSlab, used: number): OutRow[] {
  const starts = planRowGroups(Float64Array.from(rows, (r) => r.total), budget);
  const out: OutRow[] = [];
  let free = used;
  for (let g = 0; g + 1 < starts.length; g++) {
    const members = rows.slice(starts[g], starts[g + 1]);
    if (members.length === 1) {
      out.push({ start: members[0]!.start, head: members[0]!.head, cellRow: members[0]!.cellRow });
      continue;
    }
    out.push({ start: members[0]!.start, head: foldRows(members, slab.row(free)), cellRow: free });
    free++;
  }
  return sortRows(out, (r) => r.start, (r) => r.head.bucket_id);
}

/** A merged row of the budget: sums per column, conflicts OR-ed, identity as in the pivot. */
function foldRows(members: MergedRow[], { values, groups, terms, conflicts }: RowCells): RowHead {
  const width = values.length;
  values.fill(0);
  conflicts.fill(0);
  for (let j = 0; j < width; j++) {
    let level = 0; // 1: only zero-valued contributors so far, 2: some non-zero
    for (const m of members) {
      const v = m.values[j]!;
      values[j] += v;
      conflicts[j] |= m.conflicts[j]!;
      const lvl = v !== 0 ? 2 : 1;
      if (lvl > level) {
        level = lvl;
        groups[j] = m.groups[j]!;
        terms[j] = m.terms[j]!;
      } else if (lvl === level && (groups[j] !== m.groups[j] || terms[j] !== m.terms[j])) {
        groups[j] = 0;
        terms[j] = 0;
      }
    }
  }
  let end = members[0]!.end;
  for (const m of members) if (compareEnd(m.end, end) > 0) end = m.end;
  const routes = unionRoutes(members.map(memberRoutesOf));
  return {
    bucket_id: mergedBucketId(members[0]!.head.bucket_id, members[members.length - 1]!.head.bucket_id),
    start: members[0]!.head.start,
    end: encodeKey(end),
    aggregate: true,
    route_ids: routes.ids,
    route_ids_truncated: routes.truncated,
    route_count: routes.count,
  };
}

function memberRoutesOf(m: MergedRow): MemberRoutes {
  const { route_ids, route_count, bucket_id } = m.head;
  if (route_ids !== undefined) return { ids: route_ids, total: route_count };
  const id = routeIdOf(bucket_id);
  return { ids: id === undefined ? [] : [id], total: Math.max(route_count, 1) };
}
