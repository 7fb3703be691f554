// Re-homing stored rows onto other buckets, for split/merge continuity: rows of replaced routes
// are taken out of a column and their values handed to the routes that now cover their keys,
// in the same column, so the column's totals are unchanged and the key axis stays aligned.

import { ColumnBuilder, metaIdAt, rowValues, type RowValues, type StoredColumn } from "./history.js";

/** Where one row's values go: target meta ids with their (integer) shares. */
export type Distribute = (metaId: number, values: RowValues) => { metaId: number; values: RowValues }[];

/**
 * Returns `col` with every row for which `isOld(metaId)` holds replaced by the rows
 * `distribute` gives (summed per target), placed where the first old row stood and ordered by
 * `targetOrder` (a target's rank in row order). Returns `col` itself when nothing changes.
 */
export function rewriteColumn(
  col: StoredColumn,
  isOld: (metaId: number) => boolean,
  distribute: Distribute,
  targetOrder: (metaId: number) => number,
): StoredColumn {
  let first = -1;
  const targets = new Map<number, RowValues>();
  for (let i = 0; i < col.n; i++) {
    const id = metaIdAt(col, i);
    if (!isOld(id)) continue;
    if (first < 0) first = i;
    for (const share of distribute(id, rowValues(col, i))) addInto(targets, share.metaId, share.values);
  }
  if (first < 0) return col;
  const placed = [...targets.entries()]
    .filter(([, v]) => v[0] + v[1] + v[2] + v[3] > 0)
    .sort((a, b) => targetOrder(a[0]) - targetOrder(b[0]));
  const b = new ColumnBuilder().reset(col.windowStartMs, col.atMs, col.n + placed.length);
  for (let i = 0; i < col.n; i++) {
    if (i === first) {
      for (const [id, v] of placed) if (!presentAsKept(col, id, isOld)) b.add(id, v[0], v[1], v[2], v[3], v[4]);
    }
    const id = metaIdAt(col, i);
    if (isOld(id)) continue;
    const v = rowValues(col, i);
    // A target that already has its own row in this column (a virtual bucket) absorbs its share.
    const extra = targets.get(id);
    if (extra !== undefined) for (let f = 0; f < 4; f++) v[f]! += extra[f]!;
    b.add(id, v[0], v[1], v[2], v[3], v[4]);
  }
  return b.finish();
}

function presentAsKept(col: StoredColumn, metaId: number, isOld: (id: number) => boolean): boolean {
  if (isOld(metaId)) return false;
  for (let i = 0; i < col.n; i++) if (metaIdAt(col, i) === metaId) return true;
  return false;
}

function addInto(targets: Map<number, RowValues>, metaId: number, v: RowValues): void {
  const have = targets.get(metaId);
  if (have === undefined) {
    targets.set(metaId, [v[0], v[1], v[2], v[3], v[4]]);
    return;
  }
  for (let f = 0; f < 4; f++) have[f]! += v[f]!;
  if (have[4] === 0) have[4] = v[4];
}
