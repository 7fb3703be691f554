// The flush: drains every slot holder's cells, in row order, into one history column, stamping
// each row with its group's leader term. The drain order and the term stamps are rebuilt only
// when the registry's version (or a leader term) changed since they were last built.

import { ColumnBuilder, type History, type StoredColumn } from "../history/history.js";
import { compareStart } from "../keys/bytes.js";
import type { Counters, DrainedRows } from "./counters.js";
import { holderOrderId, type Holder } from "./holders.js";
import type { HolderRegistry } from "./registry.js";
import type { RowMetas } from "./row-metas.js";
import type { SlotPool } from "./slots.js";
import type { VirtualBuckets } from "./virtual-buckets.js";

/** Leader term per replication group (group 0 = none, never stamped). */
export class GroupTerms {
  private readonly terms = new Map<number, number>();
  /** Bumped on every change. */
  version = 0;

  set(groupId: number, term: number): void {
    this.terms.set(groupId, term);
    this.version++;
  }

  of(groupId: number): number {
    return groupId === 0 ? 0 : (this.terms.get(groupId) ?? 0);
  }
}

export class Flusher {
  private readonly builder = new ColumnBuilder();
  /** Cells in the drain order (its first `orderLen` entries), as of registry version `orderAt`. */
  private orderLen = 0;
  private orderAt = -1;
  /** Leader term of each slot, as of registry version `termsAt` and terms version `termsVersionAt`. */
  private readonly slotTerm: Float64Array;
  private termsAt = -1;
  private termsVersionAt = -1;
  /** Requests (reads + writes) drained by every flush so far: the counted observations. */
  drainedRequests = 0;
  /** A route's label slots in row order: the unlabelled one, then by label, not as configured. */
  private readonly labelOrder: number[];

  constructor(
    private readonly counters: Counters,
    private readonly slots: SlotPool,
    private readonly registry: HolderRegistry,
    private readonly virtuals: VirtualBuckets,
    private readonly metas: RowMetas,
    private readonly history: History,
    private readonly terms: GroupTerms,
    labels: readonly string[],
  ) {
    this.slotTerm = new Float64Array(slots.capacity);
    const byLabel = labels.map((label, i) => ({ label, slot: i + 1 })).sort((a, b) => (a.label < b.label ? -1 : 1));
    this.labelOrder = [0, ...byLabel.map((l) => l.slot)];
  }

  /** Drains every cell into a new history column for `(windowStartMs, atMs]`, and returns it. */
  flush(windowStartMs: number, atMs: number): StoredColumn {
    const departed = this.virtuals.refreshMetas();
    if (this.orderAt !== this.registry.version) this.rebuildOrder();
    this.refreshTerms();
    const b = this.builder.reset(windowStartMs, atMs, this.orderLen);
    this.slots.beginFlush();
    this.counters.drain(this.orderLen, this.takeRows);
    const column = this.history.appendFrom(b);
    this.metas.compactIfLarge();
    for (const vb of departed) this.virtuals.forgetDeparted(vb);
    return column;
  }

  /**
   * The drain sink: one chunk of drained rows into the column being built. One function for the
   * sampler's life (a closure per flush re-entered its loop cold at every chunk).
   */
  private readonly takeRows = ({ cells, reads, writes, readBytes, writeBytes }: DrainedRows, n: number): void => {
    const { builder: b, metas, slots, slotTerm } = this;
    const counters = this.counters;
    let drained = 0;
    for (let i = 0; i < n; i++) {
      const cell = cells[i]!;
      const slot = counters.slotOfCell(cell);
      const r = reads[i]!;
      const w = writes[i]!;
      b.add(metas.idOf(cell), r, w, readBytes[i]!, writeBytes[i]!, slotTerm[slot]!);
      slots.addActivity(slot, r + w);
      drained += r + w;
    }
    // Counted here, not in observe: the hot path stays one counter increment.
    this.drainedRequests += drained;
  };

  /** Cells of every slot holder in row order: start key, then route id, then label. */
  private rebuildOrder(): void {
    const holders = this.holders();
    holders.sort((a, b) => compareStart(a.start, b.start) || holderOrderId(a) - holderOrderId(b));
    const cells: number[] = [];
    for (const h of holders) {
      if (h.kind === "virtual") {
        cells.push(this.counters.cell(h.slot, 0));
        continue;
      }
      if (h.slots.length === 0) continue; // folded into a virtual bucket
      for (let sub = 0; sub < h.subBucketCount; sub++) {
        for (const li of this.labelOrder) cells.push(this.counters.cell(h.slots[li]!, sub));
      }
    }
    this.counters.setOrder(cells);
    this.orderLen = cells.length;
    this.orderAt = this.registry.version;
  }

  /** Leader term to stamp on each slot's rows (0 for virtual buckets and group 0). */
  private refreshTerms(): void {
    if (this.termsAt === this.registry.version && this.termsVersionAt === this.terms.version) return;
    for (const h of this.holders()) {
      if (h.kind === "virtual") this.slotTerm[h.slot] = 0;
      else for (const s of h.slots) this.slotTerm[s] = this.terms.of(h.groupId);
    }
    this.termsAt = this.registry.version;
    this.termsVersionAt = this.terms.version;
  }

  private holders(): Holder[] {
    return this.registry.live.concat(this.registry.graced);
  }
}
