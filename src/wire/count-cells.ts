// Count cells: a peer matrix's per-cell count arrays (`values`, `raft_group_ids`,
// `leader_terms`) as Float64Arrays whose every element was found to be a count while the body was
// parsed (src/server/matrix-row-decoder.ts, or `toCountCells` in validate.ts). Kept as the
// number[] that JSON.parse builds, two peers' 1 024 × 1 440 answers are ~70 MB of arrays alive
// until the merge is done, which the young generation copies and promotes (issue 14, round seven).
//
// The typed arrays are recorded here: the validator accepts a recorded one as already checked, and
// only those decoders record any, so a Float64Array a caller passes to `mergeMatrices` is still
// refused. An array with an element that is not a count is never converted: the validator names it.

const checked = new WeakSet<Float64Array>();

/** Whether `a` is recorded count cells (every element a count). */
export function isCountCells(a: unknown): a is Float64Array {
  return a instanceof Float64Array && checked.has(a);
}

/**
 * Records `cells` as count cells and returns it. Only for a decoder that has itself found every
 * element to be a count (an unsigned integer up to 2^64).
 */
export function asCountCells(cells: Float64Array): Float64Array {
  checked.add(cells);
  return cells;
}

/** The per-cell count arrays of a matrix row. */
export const CELL_FIELDS: readonly string[] = ["values", "raft_group_ids", "leader_terms"];
