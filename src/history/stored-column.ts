// Conversions between the history's stored columns and the codec's ColumnData, shared by the
// export, the segment log and the readers that rebuild a History.

import type { ColumnData, NumberArray } from "./column-codec.js";
import { columnValue, storedColumn, type StoredColumn } from "./history.js";

const F_TERM = 5;

/**
 * `col` in file terms, with `ids` (already mapped to file meta ids) as its meta ids. Fields are
 * views of the stored u32 arrays (no copy) unless a value overflowed 32 bits.
 */
export function toColumnData(col: StoredColumn, ids: Uint32Array): ColumnData {
  const values = [1, 2, 3, 4].map((f) => field(col, f));
  return {
    windowStartMs: col.windowStartMs,
    atMs: col.atMs,
    n: col.n,
    metaIds: ids,
    values,
    terms: field(col, F_TERM),
  };
}

function field(col: StoredColumn, f: number): NumberArray {
  const n = col.n;
  if (col.overflow === null) return col.data.subarray(f * n, (f + 1) * n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = columnValue(col, f, i);
  return v;
}

/** A stored column from decoded data whose meta ids are already the history's. */
export function fromColumnData(c: ColumnData): StoredColumn {
  return storedColumn(c.windowStartMs, c.atMs, c.n, c.metaIds, [...c.values, c.terms]);
}

/** A copy of decoded data that outlives the reader's scratch arrays. */
export function copyColumnData(c: ColumnData): ColumnData {
  return {
    windowStartMs: c.windowStartMs,
    atMs: c.atMs,
    n: c.n,
    metaIds: c.metaIds.slice(0, c.n),
    values: c.values.map((v) => v.slice(0, c.n)),
    terms: c.terms.slice(0, c.n),
  };
}
