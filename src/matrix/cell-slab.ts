// Typed-array storage of the fan-out merge's cells: the merged rows' slab, grow-only and kept
// across merges (first-touching fresh memory cost more than the merge itself on the hosts we
// measured), dropped when one merge needed more than KEEP_SLAB_CELLS; and the copier that moves
// each node's row onto the merged columns just before the row is merged.
import type { MatrixTable } from "./table.js";
import type { InputRow } from "./merge-input.js";

const KEEP_SLAB_CELLS = 8 << 20;

/**
 * Where a slab is kept between merges: grow-only, and forgotten (`trimSlab`) after a merge that
 * needed more than KEEP_SLAB_CELLS, so one huge merge does not hold its memory for good.
 */
export interface SlabHolder {
  slab: CellSlab | undefined;
}

/** The holder's slab (made on first use) sized for `rows` × `width` cells. */
export function reserveSlab(holder: SlabHolder, rows: number, width: number): CellSlab {
  const slab = (holder.slab ??= new CellSlab());
  slab.reserve(rows, width);
  return slab;
}

/** Forgets the holder's slab when it grew past KEEP_SLAB_CELLS (views of it stay valid). */
export function trimSlab(holder: SlabHolder): void {
  if (holder.slab !== undefined && holder.slab.cells > KEEP_SLAB_CELLS) holder.slab = undefined;
}

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

/**
 * One source row's cells on the merged columns, in typed arrays (`conflicts` null when the row
 * has no conflict flags).
 */
export interface SourceCells {
  values: Float64Array;
  groups: Float64Array;
  terms: Float64Array;
  conflicts: Uint8Array | null;
}

/**
 * Thrown by a merge that checks cells while copying them (`mergeMatrices`) at the first element
 * that is not a count; the caller then runs the full validator for the message.
 */
export class BadCell extends Error {}

/**
 * Copies the nodes' rows onto the `width` merged columns, one merged row at a time: the sources
 * of a row go into small scratch arrays (one set per source position, reused for every row of a
 * merge) that the row's merge reads right after, while they are still in cache. Copying every
 * node's cells into node-sized slabs first made them a round trip through memory (~100 MB for
 * 3 × 1024 × 1440 cells). With `checkCells`, every value, group id and term is checked to be a
 * count as it is copied (the validator then skips them: one pass over them instead of two).
 */
export class RowCopier {
  private readonly scratch: SourceCells[] = [];
  // Frozen identity arrays the builder shares among rows, converted once per merge (see `typed`).
  private readonly shared = new Map<ArrayLike<number>, Float64Array>();

  constructor(
    private readonly width: number,
    private readonly checkCells: boolean,
  ) {}

  /**
   * `row` (whose column j is merged column `place[j]`; `place` null when the node has every
   * merged column) in scratch arrays `i`, valid until the next copy into `i`.
   */
  copy(i: number, row: InputRow, place: Int32Array | null): SourceCells {
    // Typed cells on every merged column (a decoded peer's count cells) are read where they are:
    // copying them would only move 3 × 8 bytes a cell through memory once more.
    const { values, groups, terms } = row;
    if (place === null && row.conflicts === undefined && isCells(values) && isCells(groups) && isCells(terms))
      return { values, groups, terms, conflicts: null };
    const width = this.width;
    let s = this.scratch[i];
    if (s === undefined) {
      s = {
        values: new Float64Array(width),
        groups: new Float64Array(width),
        terms: new Float64Array(width),
        conflicts: new Uint8Array(width),
      };
      this.scratch[i] = s;
    }
    const flagged = this.copyRow(row, place, s.values, s.groups, s.terms, s.conflicts!);
    return { values: s.values, groups: s.groups, terms: s.terms, conflicts: flagged ? s.conflicts : null };
  }

  /**
   * `row` into `out` directly (a merged row only one node has); conflicts 0 when it has none.
   */
  copyTo(row: InputRow, place: Int32Array | null, out: RowCells): void {
    if (!this.copyRow(row, place, out.values, out.groups, out.terms, out.conflicts)) out.conflicts.fill(0);
  }

  /** Copies the four arrays of `row`; returns whether it has conflict flags (else `conflicts` is untouched). */
  private copyRow(
    row: InputRow,
    place: Int32Array | null,
    values: Float64Array,
    groups: Float64Array,
    terms: Float64Array,
    conflicts: Uint8Array,
  ): boolean {
    const check = this.checkCells;
    this.copyArray(values, typed(row.values, this.shared, check), place, check);
    this.copyArray(groups, typed(row.groups, this.shared, check), place, check);
    this.copyArray(terms, typed(row.terms, this.shared, check), place, check);
    if (row.conflicts === undefined) return false;
    this.copyArray(conflicts, row.conflicts, place, false);
    return true;
  }

  private copyArray(
    dst: Float64Array | Uint8Array,
    src: ArrayLike<number> | ArrayLike<boolean>,
    place: Int32Array | null,
    check: boolean,
  ): void {
    if (place === null) copyInto(dst, src, check);
    else scatterInto(dst, src, place, check);
  }
}

/** Cells the merge may read in place: typed (so checked, see `copyInto`) and one per merged column. */
function isCells(a: ArrayLike<number>): a is Float64Array {
  return a instanceof Float64Array;
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
 * `dst[0 .. src.length) = src` (merge-input.ts made every array as long as the node's columns): a
 * native copy, or one pass that checks and copies a wire array. Float64Arrays were made by the
 * merge from checked cells.
 */
function copyInto(dst: Float64Array | Uint8Array, src: ArrayLike<number> | ArrayLike<boolean>, check: boolean): void {
  if (!check || src instanceof Float64Array) {
    dst.set(src as ArrayLike<number>);
    return;
  }
  const nums = src as ArrayLike<number>;
  for (let i = 0; i < nums.length; i++) {
    const v = nums[i];
    if (!isCountCell(v)) throw new BadCell();
    dst[i] = v!;
  }
}

/** A copy onto merged columns for a node that lacks some: absent columns get 0. */
function scatterInto(
  dst: Float64Array | Uint8Array,
  src: ArrayLike<number> | ArrayLike<boolean>,
  place: Int32Array,
  check: boolean,
): void {
  dst.fill(0);
  const checked = check && !(src instanceof Float64Array);
  for (let j = 0; j < src.length; j++) {
    if (checked && !isCountCell(src[j])) throw new BadCell();
    dst[place[j]!] = Number(src[j]);
  }
}
