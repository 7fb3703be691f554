// A peer matrix's per-cell count arrays (`values`, `raft_group_ids`, `leader_terms`) as
// Float64Arrays, made while the body is parsed, row by row. Kept as the number[] that JSON.parse
// builds, two peers' 1 024 × 1 440 answers are ~70 MB of arrays that all live until the merge is
// done: the young generation copies them and promotes them, and garbage collection was 295 of the
// 440 ms a fan-out spent parsing its two peers (issue 14). Turned into typed arrays as each row is
// parsed, the number[] die young and the cells sit outside the JS heap: 131–143 ms with 17–25 ms
// of collection in the same measurement.
//
// An array is converted only when every element is a count (the validator's rule), and the typed
// copy is recorded here: the validator accepts such an array as already checked, and nothing
// else can put one here, so a Float64Array a caller passes to `mergeMatrices` is still refused.
// An array with any other element stays as parsed, for the validator to name the problem.

const U64_LIMIT = 2 ** 64;

const checked = new WeakSet<Float64Array>();

/** Whether `a` is a count array this module made (every element a count). */
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

/** `a` as count cells when it is an array of counts; otherwise undefined. */
export function toCountCells(a: unknown): Float64Array | undefined {
  if (!Array.isArray(a)) return undefined;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v: unknown = a[i];
    if (typeof v !== "number" || !(v >= 0 && v <= U64_LIMIT && Math.floor(v) === v)) return undefined;
    out[i] = v;
  }
  return asCountCells(out);
}

/** The per-cell count arrays of a matrix row. */
export const CELL_FIELDS: readonly string[] = ["values", "raft_group_ids", "leader_terms"];

/**
 * A parsed matrix row with its count arrays replaced by count cells (in place). Anything that is
 * not an object, and any array that is not all counts, is left as it is.
 */
export function withCountCells(row: unknown): unknown {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return row;
  const r = row as Record<string, unknown>;
  for (const field of CELL_FIELDS) {
    const cells = Object.hasOwn(r, field) ? toCountCells(r[field]) : undefined;
    if (cells !== undefined) r[field] = cells;
  }
  return row;
}
