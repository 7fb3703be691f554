// Re-homing pending counts: when holders are removed or replaced, counts still waiting in their
// cells move onto the live holders that now cover those keys, split in proportion to key-space
// overlap (SPEC §3.1 w()) as whole numbers whose sums are exact.

import { rangeContains, rangesOverlap } from "../keys/ranges.js";
import { subBucketBounds, subrangeLayout } from "../keys/subrange.js";
import type { Counters } from "./counters.js";
import { overlapShares, splitValues, type PendingCell, type TargetCell } from "./apportion-cells.js";
import type { Holder, RouteHolder } from "./holders.js";
import type { HolderCell, HolderRegistry } from "./registry.js";
import type { SlotPool } from "./slots.js";

export class Rehoming {
  constructor(
    private readonly registry: HolderRegistry,
    private readonly counters: Counters,
    private readonly slots: SlotPool,
  ) {}

  /** True when holder `g` still has counts in a cell overlapping route `r`. */
  hasPendingOverlap(g: Holder, r: RouteHolder): boolean {
    return this.registry.hasPendingIn(g, r.start, r.end);
  }

  /** True when every busy cell of `g` overlapping `r` lies inside a single sub-bucket of `r`. */
  fitsExactly(g: Holder, r: RouteHolder): boolean {
    const { maxSubBuckets } = this.counters;
    const layout = maxSubBuckets > 1 ? subrangeLayout(r.start, r.end, maxSubBuckets) : null;
    const pieces = layout !== null && layout.k > 1 ? subBucketBounds(r.start, r.end, layout) : [{ start: r.start, end: r.end }];
    return this.registry
      .cells(g)
      .every(
        (c) =>
          !this.counters.busy(c.cell) ||
          !rangesOverlap(c.start, c.end, r.start, r.end) ||
          pieces.some((p) => rangeContains(p.start, p.end, c.start, c.end)),
      );
  }

  /** Graced holders with pending counts under route `r`. */
  gracedUnder(r: RouteHolder): Holder[] {
    return this.registry.graced.filter((g) => this.hasPendingOverlap(g, r));
  }

  /** Moves pending counts of graced holders onto the live holders that now cover their keys. */
  rehomeGraced(holders: readonly Holder[]): void {
    for (const h of holders) {
      const over = this.registry.overlapping(h.start, h.end);
      const covered = (c: HolderCell) => over.some((o) => rangesOverlap(o.start, o.end, c.start, c.end));
      if (over.length > 0) this.distribute(this.takePending(h, covered), over);
    }
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
      targets.forEach((t, i) => this.counters.add(t.cell, shares[i]));
    }
  }

  /** The cells (with key ranges, in row order) that label `li` of `holders` counts into. */
  targetCells(holders: readonly Holder[], li: number): TargetCell[] {
    const out: TargetCell[] = [];
    for (const h of holders) {
      const r = h.kind === "route" && h.vb !== null ? h.vb : h;
      if (r.kind === "virtual") {
        const cell = this.counters.cell(r.slot, 0);
        if (!out.some((t) => t.cell === cell)) out.push({ cell, start: r.start, end: r.end, rank: out.length, metaId: -1 });
        continue;
      }
      for (let sub = 0; sub < r.subBucketCount; sub++) {
        const b = r.bounds?.[sub] ?? r;
        out.push({ cell: this.counters.cell(r.slots[li], sub), start: b.start, end: b.end, rank: out.length, metaId: -1 });
      }
    }
    return out;
  }
}
