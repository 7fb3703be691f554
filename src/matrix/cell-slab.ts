// Reused typed-array storage of the fan-out merge's cells: the merged rows' slab and each node's
// copy of its input cells. Both are grow-only and kept across merges (first-touching fresh memory
// cost more than the merge itself on the hosts we measured), dropped when one merge needed more
// than KEEP_SLAB_CELLS.
import type { MatrixTable } from "./table.js";
import type { MergeInput } from "./merge-input.js";
import type { Steps } from "../steps.js";

export const KEEP_SLAB_CELLS = 8 << 20;

/** The cells of one merged row (views into the slab). */
export interface RowCells {
  values: Float64Array;
  groups: Float64Array;
  terms: Float64Array;
  /** 1 where the cell conflicted. */
  conflicts: Uint8Array;
}

/**
 * The cells of every merged row in four slabs, reused across merges (grow-only, dropped when a
 * merge needed more than KEEP_SLAB_CELLS). A typed array per row, or fresh slabs per merge, made
 * first-touch page faults the largest cost of a 3 × 1024-row merge on the sandboxed hosts we
 * measured on. Views are valid until the next merge.
 */
export class CellSlab {
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

/** One node's cells in typed arrays: row r's cells at [r·width, (r + 1)·width). */
export interface NodeCells {
  values: Float64Array;
  groups: Float64Array;
  terms: Float64Array;
  /** null when no row of the node has conflict flags. */
  conflicts: Uint8Array | null;
}

/**
 * Drops `nodeSlabs` (per node position, the typed arrays its cells were last copied into, reused
 * across merges: first-touching fresh memory costs more than the copy on some hosts) when large.
 */
export function releaseNodeSlabs(nodeSlabs: NodeCells[]): void {
  for (let i = 0; i < nodeSlabs.length; i++) {
    if (nodeSlabs[i]!.values.length > KEEP_SLAB_CELLS) nodeSlabs.length = i;
  }
}

/**
 * Thrown by a merge that checks cells while copying them (`mergeMatrices`) at the first element
 * that is not a count; the caller then runs the full validator for the message.
 */
export class BadCell extends Error {}

/**
 * Copies node `node`'s cells into its typed arrays in `nodeSlabs`, laid out on the `width` merged
 * columns (`place[j]` = merged column of the node's column j), yielding after each row. With
 * `checkCells`, every value, group id and term is checked to be a count as it is copied (the
 * validator then skips them: one pass over them instead of two).
 */
export function* nodeCells(
  m: MergeInput,
  place: Int32Array,
  width: number,
  node: number,
  nodeSlabs: NodeCells[],
  checkCells: boolean,
): Steps<NodeCells> {
  const cells = m.rows.length * width;
  const flagged = m.rows.some((r) => r.conflicts !== undefined);
  let slab = nodeSlabs[node];
  if (slab === undefined || slab.values.length < cells) {
    slab = {
      values: new Float64Array(cells),
      groups: new Float64Array(cells),
      terms: new Float64Array(cells),
      conflicts: null,
    };
    nodeSlabs[node] = slab;
  }
  if (flagged && (slab.conflicts === null || slab.conflicts.length < cells)) slab.conflicts = new Uint8Array(cells);
  const out: NodeCells = { ...slab, conflicts: flagged ? slab.conflicts : null };
  const shared = new Map<ArrayLike<number>, Float64Array>();
  const aligned = place.length === width && place.every((p, j) => p === j);
  const copy = aligned ? copyInto : scatterInto(place, width);
  for (let r = 0; r < m.rows.length; r++) {
    const row = m.rows[r]!;
    const at = r * width;
    copy(out.values, at, typed(row.values, shared, checkCells), checkCells);
    copy(out.groups, at, typed(row.groups, shared, checkCells), checkCells);
    copy(out.terms, at, typed(row.terms, shared, checkCells), checkCells);
    if (out.conflicts !== null) {
      if (row.conflicts === undefined) out.conflicts.fill(0, at, at + width);
      else copy(out.conflicts, at, row.conflicts, false);
    }
    yield;
  }
  return out;
}

/**
 * A frozen array as a Float64Array, converted once per merge. The builder shares one frozen
 * identity array among all rows with the same group id or term; TypedArray#set has no fast path
 * for frozen arrays (13 ns per element here, against 0.4–1.5 for ordinary ones). Checked before
 * the conversion when cells are checked (the conversion would turn `true` into 1).
 */
function typed(
  src: ArrayLike<number>,
  shared: Map<ArrayLike<number>, Float64Array>,
  check: boolean,
): ArrayLike<number> {
  if (!Object.isFrozen(src) || src instanceof Float64Array) return src;
  let f = shared.get(src);
  if (f === undefined) {
    if (check) checkCounts(src);
    shared.set(src, (f = Float64Array.from(src)));
  }
  return f;
}

type Copy = (
  dst: Float64Array | Uint8Array,
  at: number,
  src: ArrayLike<number> | ArrayLike<boolean>,
  check: boolean,
) => void;

/** Throws BadCell unless every element of `src` is a count (what the validator's isCount accepts). */
function checkCounts(src: ArrayLike<number>): void {
  for (let i = 0; i < src.length; i++) if (!isCountCell(src[i])) throw new BadCell();
}

/** The validator's count rule (src/wire/validate.ts `isCount`), with a fast path for u32 values. */
function isCountCell(v: unknown): boolean {
  if (typeof v !== "number") return false;
  return v >>> 0 === v || (v >= 0 && v <= 2 ** 64 && Math.floor(v) === v);
}

/**
 * `dst[at .. at + src.length) = src` (merge-input.ts made every array as long as the node's
 * columns): a native copy, or one pass that checks and copies a wire array. Float64Arrays were
 * made by the merge from checked cells.
 */
function copyInto(
  dst: Float64Array | Uint8Array,
  at: number,
  src: ArrayLike<number> | ArrayLike<boolean>,
  check: boolean,
): void {
  if (!check || src instanceof Float64Array) {
    dst.set(src as ArrayLike<number>, at);
    return;
  }
  const nums = src as ArrayLike<number>;
  for (let i = 0; i < nums.length; i++) {
    const v = nums[i];
    if (!isCountCell(v)) throw new BadCell();
    dst[at + i] = v!;
  }
}

/** A copy onto merged columns for a node that lacks some: absent columns get 0. */
function scatterInto(place: Int32Array, width: number): Copy {
  return (dst, at, src, check) => {
    dst.fill(0, at, at + width);
    const checked = check && !(src instanceof Float64Array);
    for (let j = 0; j < src.length; j++) {
      if (checked && !isCountCell(src[j])) throw new BadCell();
      dst[at + place[j]!] = Number(src[j]);
    }
  };
}
