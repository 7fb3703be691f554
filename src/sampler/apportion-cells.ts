// Dividing the counts of one key range among cells that cover it, in proportion to key-space
// overlap (the SPEC §3.1 w() measure), as whole numbers whose sums are exact. Used when counts
// or history move from replaced routes to the routes that now hold their keys.

import type { RowValues } from "../history/history.js";
import { compareEnd, compareStart } from "../keys/bytes.js";
import { apportion, overlapWeights } from "../keys/key-space.js";
import type { Key } from "../types.js";

/** Counts waiting in a cell that is going away: its label index, key range and values. */
export interface PendingCell {
  li: number;
  start: Key;
  end: Key;
  values: RowValues;
}

/** A cell that can take counts: its index, key range, rank in row order and row meta id. */
export interface TargetCell {
  cell: number;
  start: Key;
  end: Key;
  rank: number;
  metaId: number;
}

/** Weights of `targets` for a row `[start, end)`: key-space overlap, all to the first if none measurable. */
export function overlapShares(start: Key, end: Key, targets: { start: Key; end: Key }[]): number[] {
  const w = targets.map((t) => overlapWeights(start, end, [clip(t, start, end)])[0]!);
  if (w.some((x) => x > 0)) return w;
  return targets.map((_, i) => (i === 0 ? 1 : 0));
}

/** `t` clipped to `[start, end)`, so a piece sticking out of the row is measured by its overlap. */
function clip(t: { start: Key; end: Key }, start: Key, end: Key): { start: Key; end: Key } {
  return {
    start: compareStart(t.start, start) < 0 ? start : t.start,
    end: compareEnd(t.end, end) > 0 ? end : t.end,
  };
}

/** Integer shares of four counters, each conserved exactly. */
export function splitValues(values: RowValues, weights: number[]): [number, number, number, number][] {
  const per = [0, 1, 2, 3].map((f) => apportion(values[f]!, weights));
  return weights.map((_, i) => [per[0]![i]!, per[1]![i]!, per[2]![i]!, per[3]![i]!]);
}
