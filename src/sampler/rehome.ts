// Re-homing pending counts: when holders are removed or replaced, counts still waiting in their
// cells move onto the live holders that now cover those keys, split in proportion to key-space
// overlap (SPEC §3.1 w()) as whole numbers whose sums are exact.

import { compareBytes, compareEnd, compareStart } from "../keys/bytes.js";
import { rangeContains, rangesOverlap } from "../keys/ranges.js";
import type { Key } from "../types.js";
import type { Counters } from "./counters.js";
import { overlapShares, splitValues, type PendingCell, type TargetCell } from "./apportion-cells.js";
import type { Holder, RouteHolder } from "./holders.js";
import type { HolderCell, HolderRegistry } from "./registry.js";
import type { SlotPool } from "./slots.js";

/** True when `[start, end)` lies within the union of `ranges` (in start order, not overlapping). */
function coveredBy(ranges: readonly { start: Key; end: Key }[], start: Key, end: Key): boolean {
  let at: Key = start; // the lowest key not yet known to be covered (null = the lowest of all)
  for (const r of ranges) {
    if (compareStart(r.start, at) > 0) return false; // a gap before this range
    if (r.end === null) return true;
    if (end !== null && compareBytes(r.end, end) >= 0) return true;
    at = r.end;
  }
  return false;
}

/**
 * Those of `holders` whose range overlaps another's: one sweep in start order (a mass removal
 * leaves thousands of removed routes waiting; comparing every pair would be quadratic). A holder
 * starting below the furthest end seen so far overlaps the holder that reached it.
 */
function overlappingEachOther(holders: readonly Holder[]): Set<Holder> {
  const out = new Set<Holder>();
  const sorted = holders.slice().sort((a, b) => compareStart(a.start, b.start));
  let reach: Holder | undefined;
  for (const h of sorted) {
    if (reach !== undefined && (reach.end === null || compareStart(h.start, reach.end) < 0)) {
      out.add(h);
      out.add(reach);
    }
    if (reach === undefined || compareEnd(h.end, reach.end) > 0) reach = h;
  }
  return out;
}

export class Rehoming {
  constructor(
    private readonly registry: HolderRegistry,
    private readonly counters: Counters,
    private readonly slots: SlotPool,
  ) {}

  /**
   * Pending counts of removed holders that lie inside one sub-bucket of new route `r` are its
   * own for sure: they move there now (nothing to apportion, and they can never be counted
   * twice or drain as a row overlapping `r`'s).
   */
  takeExactFits(r: RouteHolder): void {
    const pieces = this.subBuckets(r);
    const inside = (c: HolderCell) => pieces.some((p) => rangeContains(p.start, p.end, c.start, c.end));
    for (const g of this.registry.graced) {
      // the range test first: it is cheap, and most removed holders lie elsewhere
      if (g === r || !rangesOverlap(g.start, g.end, r.start, r.end)) continue;
      if (this.registry.hasPendingIn(g, r.start, r.end)) this.distribute(this.takePending(g, inside), [r]);
    }
  }

  /**
   * Pending counts of removed holders that live holders now cover entirely (a split or merge
   * by hand: remove, then register the pieces) move onto them, in proportion to key-space
   * overlap with exact totals, as `replaceRoutes` does. Returns the removed holders that still
   * have pending counts while their range overlaps a live holder or another removed holder
   * with pending counts: their rows would overlap or interleave with those, so they have to
   * share a row (the drain orders holders by start, then draws each one's rows).
   */
  settleGraced(): Holder[] {
    const { registry } = this;
    const graced = registry.graced;
    // Only a removed holder whose range meets a live holder or another removed holder can need
    // settling: the rest (after a mass removal, nearly all) are not even looked into.
    const nearLive = new Set(graced.filter((g) => registry.overlapping(g.start, g.end).length > 0));
    const nearGraced = overlappingEachOther(graced);
    for (const g of nearLive) {
      const covered = (c: HolderCell) => coveredBy(registry.overlapping(c.start, c.end), c.start, c.end);
      const pending = this.takePending(g, covered);
      if (pending.length > 0) this.distribute(pending, registry.overlapping(g.start, g.end));
    }
    const waiting = graced.filter(
      (g) => (nearLive.has(g) || nearGraced.has(g)) && registry.hasPendingIn(g, null, null),
    );
    const clashing = overlappingEachOther(waiting);
    return waiting.filter((g) => clashing.has(g) || nearLive.has(g));
  }

  /** The key ranges of route `r`'s sub-buckets (its whole range when it has one). */
  private subBuckets(r: RouteHolder): { start: Key; end: Key }[] {
    return r.bounds ?? [{ start: r.start, end: r.end }];
  }

  /** Reads and zeroes the busy cells of `h` (those `wanted`): what they counted, per label and range. */
  takePending(h: Holder, wanted: (c: HolderCell) => boolean = () => true): PendingCell[] {
    const out: PendingCell[] = [];
    for (const c of this.registry.cells(h)) {
      if (!this.counters.busy(c.cell) || !wanted(c)) continue;
      const li = this.slots.labelOf(this.counters.slotOfCell(c.cell));
      out.push({ li, start: c.start, end: c.end, values: [...this.counters.take(c.cell), 0] });
    }
    return out;
  }

  /** Adds pending counts to the cells of `holders` that overlap them, in proportion to key space. */
  distribute(pending: readonly PendingCell[], holders: readonly Holder[]): void {
    for (const p of pending) {
      const targets = this.targetCells(holders, p.li).filter((t) => rangesOverlap(t.start, t.end, p.start, p.end));
      const shares = splitValues(p.values, overlapShares(p.start, p.end, targets));
      targets.forEach((t, i) => this.counters.add(t.cell, shares[i]!));
    }
  }

  /** The cells (with key ranges, in row order) that label `li` of `holders` counts into. */
  targetCells(holders: readonly Holder[], li: number): TargetCell[] {
    const out: TargetCell[] = [];
    for (const h of holders) {
      const r = h.kind === "route" && h.vb !== null ? h.vb : h;
      if (r.kind === "virtual") {
        const cell = this.counters.cell(r.slot, 0);
        if (!out.some((t) => t.cell === cell))
          out.push({ cell, start: r.start, end: r.end, rank: out.length, metaId: -1 });
        continue;
      }
      for (let sub = 0; sub < r.subBucketCount; sub++) {
        const b = r.bounds?.[sub] ?? r;
        out.push({
          cell: this.counters.cell(r.slots[li]!, sub),
          start: b.start,
          end: b.end,
          rank: out.length,
          metaId: -1,
        });
      }
    }
    return out;
  }
}
