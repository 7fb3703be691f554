// Merging consecutive columns into one coarser column (tiers, docs/history.md "Tiers").
//
// Every series is summed exactly per row description (meta). Columns of one interval can describe
// the same keys differently — a split, a merge, a re-registration, a virtual bucket that grew —
// and the merged column must not hold overlapping rows. So rows that overlap are settled by
// recency: the meta seen in the latest input column keeps its row, and an older meta that overlaps
// a kept one hands its values to the kept metas it overlaps, in proportion to key-space overlap
// (the SPEC §3.1 w() measure, largest-remainder integers, as split/merge re-homing does). Totals
// of every series equal the inputs' sums. Rows overlap only within one label: a labelled row and
// the unlabelled row of the same range are different heatmap rows by design.

import { compareEnd, compareStart } from "../keys/bytes.js";
import { apportion, overlapWeights } from "../keys/key-space.js";
import { rangesOverlap } from "../keys/ranges.js";
import type { Key, RowMeta } from "../types.js";
import { ColumnBuilder, rowValues, type StoredColumn } from "./history.js";

/** One meta's sums in the merge: four series, its highest term, the latest input it appears in. */
interface Acc {
  id: number;
  meta: RowMeta;
  v: [number, number, number, number];
  term: number;
  last: number;
  /** Re-homed onto other rows (no row of its own in the merge). */
  moved: boolean;
}

/**
 * `cols` (time order, at least one) as one column for `(first window start, last atMs]`.
 * A row's leader term is the highest term among its inputs (terms only grow within a group).
 */
export function mergeColumns(cols: readonly StoredColumn[], metaOf: (id: number) => RowMeta): StoredColumn {
  const byId: (Acc | undefined)[] = []; // indexed by meta id
  const accs: Acc[] = [];
  cols.forEach((col, c) => {
    const { n, data } = col;
    for (let i = 0; i < n; i++) {
      const id = data[i]!;
      let a = byId[id];
      if (a === undefined)
        accs.push((byId[id] = a = { id, meta: metaOf(id), v: [0, 0, 0, 0], term: 0, last: c, moved: false }));
      a.last = c;
      if (col.overflow === null) {
        // The common case: every value is the stored u32 (no per-row array).
        for (let f = 0; f < 4; f++) a.v[f]! += data[(f + 1) * n + i]!;
        const term = data[5 * n + i]!;
        if (term > a.term) a.term = term;
        continue;
      }
      const v = rowValues(col, i);
      for (let f = 0; f < 4; f++) a.v[f]! += v[f]!;
      if (v[4] > a.term) a.term = v[4];
    }
  });
  // Key order, as the sampler flushes rows; independent of meta ids, which a restart renumbers.
  // One sort serves both the overlap sweep (start order within a label) and the output.
  const sorted = accs.sort(
    (x, y) =>
      compareStart(x.meta.start, y.meta.start) ||
      cmpText(x.meta.label, y.meta.label) ||
      cmpText(x.meta.bucketId, y.meta.bucketId) ||
      x.id - y.id,
  );
  const moved = settleOverlaps(sorted);
  // A lone column whose rows stand apart is its own merge (recovery re-ages tier columns this way).
  if (cols.length === 1 && moved === 0) return cols[0]!;
  const kept = moved === 0 ? sorted : sorted.filter((a) => !a.moved);
  const windowStartMs = Math.min(...cols.map((c) => c.windowStartMs));
  const b = new ColumnBuilder().reset(windowStartMs, cols[cols.length - 1]!.atMs, kept.length);
  for (const a of kept) {
    if (a.v[0] + a.v[1] + a.v[2] + a.v[3] > 0) b.add(a.id, a.v[0], a.v[1], a.v[2], a.v[3], a.term);
  }
  return b.finish();
}

/**
 * Re-homes the values of overlapping older rows onto the rows that stay (marking the others
 * `moved`); returns how many moved. `accs` is in start order, so one sweep per label finds the
 * clusters of overlapping rows in O(n); only clusters are settled.
 */
function settleOverlaps(accs: Acc[]): number {
  const byLane = new Map<string, Acc[]>();
  for (const a of accs) {
    const lane = byLane.get(a.meta.label);
    if (lane === undefined) byLane.set(a.meta.label, [a]);
    else lane.push(a);
  }
  let moved = 0;
  for (const lane of byLane.values()) {
    let cluster: Acc[] = [];
    let clusterEnd: Key = null;
    for (const a of lane) {
      if (cluster.length > 0 && !startsBefore(a.meta.start, clusterEnd)) {
        moved += settleCluster(cluster);
        cluster = [];
      }
      if (cluster.length === 0 || compareEnd(a.meta.end, clusterEnd) > 0) clusterEnd = a.meta.end;
      cluster.push(a);
    }
    if (cluster.length > 0) moved += settleCluster(cluster);
  }
  return moved;
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when start bound `s` lies below end bound `e` (the ranges `[s, …)` and `[…, e)` meet). */
function startsBefore(s: Key, e: Key): boolean {
  return e === null || compareStart(s, e) < 0;
}

/** Keeps the most recent rows of a cluster that do not overlap each other; re-homes the rest. */
function settleCluster(cluster: Acc[]): number {
  if (cluster.length === 1) return 0;
  const byRecency = cluster.slice().sort((x, y) => y.last - x.last || y.id - x.id);
  const kept: Acc[] = [];
  const moved: Acc[] = [];
  for (const a of byRecency) {
    if (kept.some((k) => rangesOverlap(k.meta.start, k.meta.end, a.meta.start, a.meta.end))) moved.push(a);
    else kept.push(a);
  }
  for (const a of moved) {
    a.moved = true;
    rehome(
      a,
      kept.filter((k) => rangesOverlap(k.meta.start, k.meta.end, a.meta.start, a.meta.end)),
    );
  }
  return moved.length;
}

/** Hands `a`'s values to `targets` (each overlaps it) in proportion to key-space overlap. */
function rehome(a: Acc, targets: Acc[]): void {
  const { start, end } = a.meta;
  let weights = targets.map((t) => {
    const s = compareStart(t.meta.start, start) > 0 ? t.meta.start : start;
    const e = compareEnd(t.meta.end, end) < 0 ? t.meta.end : end;
    return overlapWeights(start, end, [{ start: s, end: e }])[0]!;
  });
  // A range without measure (bounds differing only past the 8-byte window): shares alike.
  if (!weights.some((w) => w > 0)) weights = targets.map(() => 1);
  for (let f = 0; f < 4; f++) {
    const shares = apportion(a.v[f]!, weights);
    targets.forEach((t, i) => (t.v[f]! += shares[i]!));
  }
}
