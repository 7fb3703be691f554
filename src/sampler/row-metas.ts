// Row metadata of each cell: what bucket (route, label, sub-bucket, range, members) a cell's
// counts belong to, stored once per bucket in the history and cached here by cell. The cache
// entry is dropped whenever a cell changes bucket, so the next drain records a fresh meta.

import { routeBucketId } from "../wire/bucket-id.js";
import { compareStart } from "../keys/bytes.js";
import type { History } from "../history/history.js";
import type { RowMeta } from "../types.js";
import type { Counters } from "./counters.js";
import type { VirtualBucket } from "./holders.js";
import type { SlotPool } from "./slots.js";

/** Metadata records kept before the first compaction (then twice what survived). */
const META_COMPACT_MIN = 1 << 16;

export class RowMetas {
  /** Row meta id of each cell's current bucket; -1 until the cell next drains. */
  private readonly ids: Int32Array;
  private compactAt = META_COMPACT_MIN;

  constructor(
    private readonly history: History,
    private readonly counters: Counters,
    private readonly slots: SlotPool,
    private readonly labels: readonly string[],
    private readonly maxMemberRoutes: number,
  ) {
    this.ids = new Int32Array(counters.cellCount).fill(-1);
  }

  /** The meta id of `cell`'s bucket, recorded in the history on first use. */
  idOf(cell: number): number {
    let id = this.ids[cell]!;
    if (id < 0) id = this.ids[cell] = this.history.addMeta(this.metaForCell(cell));
    return id;
  }

  /**
   * Marks in `mask` (indexed by meta id) the current meta of every cell that has one, except the
   * cells of `slots` (a removed holder's slots, still draining). Typed-array reads only: a filter
   * that spares scans of the history's metas from reading the meta objects of live buckets.
   */
  markCurrent(mask: Uint8Array, exceptSlots: readonly number[]): void {
    const ids = this.ids;
    for (let cell = 0; cell < ids.length; cell++) {
      const id = ids[cell]!;
      if (id >= 0 && id < mask.length) mask[id] = 1;
    }
    for (const slot of exceptSlots) {
      for (let cell = this.counters.cell(slot, 0); cell < this.counters.cell(slot + 1, 0); cell++) {
        const id = ids[cell]!;
        if (id >= 0 && id < mask.length) mask[id] = 0;
      }
    }
  }

  /** `cell` now belongs to another bucket (or none). */
  forgetCell(cell: number): void {
    this.ids[cell] = -1;
  }

  forgetSlot(slot: number): void {
    this.ids.fill(-1, this.counters.cell(slot, 0), this.counters.cell(slot + 1, 0));
  }

  /** Forgets metadata of buckets that left history and no cell uses any more. */
  compactIfLarge(): void {
    if (this.history.metaCount <= this.compactAt) return;
    const remap = this.history.compactMetas(this.ids);
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= 0) ids[i] = remap[ids[i]!]!;
    this.compactAt = Math.max(META_COMPACT_MIN, 2 * this.history.metaCount);
  }

  private metaForCell(cell: number): RowMeta {
    const slot = this.counters.slotOfCell(cell);
    const sub = this.counters.subOfCell(cell);
    const owner = this.slots.ownerOf(slot)!;
    if (owner.kind === "virtual") return this.virtualMeta(owner);
    const li = this.slots.labelOf(slot);
    const label = li === 0 ? "" : this.labels[li - 1]!;
    const bounds = owner.bounds?.[sub] ?? { start: owner.start, end: owner.end };
    return {
      bucketId: routeBucketId(owner.routeId, label, sub, owner.subBucketCount),
      routeId: owner.routeId,
      label,
      start: bounds.start,
      end: bounds.end,
      aggregate: false,
      memberRoutes: [owner.routeId],
      memberRoutesTotal: 1,
      groupId: owner.groupId,
      subBucket: sub,
      subBucketCount: owner.subBucketCount,
    };
  }

  private virtualMeta(vb: VirtualBucket): RowMeta {
    const members = vb.members.concat(vb.departed).sort((a, b) => compareStart(a.start, b.start));
    return {
      bucketId: vb.bucketId,
      routeId: null,
      label: "",
      start: vb.start,
      end: vb.end,
      aggregate: true,
      memberRoutes: members.slice(0, this.maxMemberRoutes).map((m) => m.routeId),
      memberRoutesTotal: members.length,
      groupId: 0,
      subBucket: 0,
      subBucketCount: 1,
    };
  }
}
