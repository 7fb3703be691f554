// The owner's sampler parts in shared mode: the plain counters, slot pool and registry with the
// three things workers need from them, and nothing else changed.
// - Counters: a cell moved into another (folding into a virtual bucket) forwards the late
//   worker counts of its cell there; a slot's range is published for workers' observeKey.
// - SlotPool: a released slot stays out of the free list until it is settled (no worker can
//   still count into it), so no late count ever lands in a slot that means something else.
// - Registry: a removed holder is reclaimed only once its slots are settled, so its late counts
//   still drain as its rows (the grace rule), never into a reclaimed slot.

import type { Key } from "../../types.js";
import { Counters } from "../counters.js";
import { slotsOf, type Holder } from "../holders.js";
import { HolderRegistry } from "../registry.js";
import { SlotPool } from "../slots.js";
import { publishRange, sharedSubBuckets, type RangeViews } from "./sub-buckets.js";

/** Whether a slot is settled, and what to do when one is (see SharedCounting). */
export interface SlotGate {
  settled(slot: number): boolean;
  /** `slot` goes back to the free list: its cells forward nowhere any more. */
  freed(slot: number): void;
  /** `slot` was released but is not settled: it waits (its owner is still known). */
  held(slot: number): void;
  /** `cell`'s counts were moved into another cell (its owner is still known). */
  strand(cell: number): void;
}

export class ForwardingCounters extends Counters {
  /** Cell that counts of each cell go to (−1 = itself). */
  readonly forward: Int32Array;
  gate: SlotGate | null = null;

  constructor(
    slots: number,
    maxSubBuckets: number,
    private readonly ranges: RangeViews,
  ) {
    super(slots, maxSubBuckets);
    this.forward = new Int32Array(slots * maxSubBuckets).fill(-1);
  }

  override moveCell(from: number, to: number): void {
    if (from !== to) this.gate?.strand(from);
    super.moveCell(from, to);
    if (from !== to) this.forward[from] = to;
  }

  override setRange(slot: number, start: Uint8Array | null, end: Uint8Array | null, k: number): number {
    const effective = super.setRange(slot, start, end, sharedSubBuckets(start as Key, end as Key, k));
    publishRange(this.ranges, slot, start, end, effective);
    return effective;
  }

  /** The cell late counts of `cell` belong to: its forward chain's end. */
  target(cell: number): number {
    let c = cell;
    for (let f = this.forward[c]!; f >= 0; f = this.forward[c]!) c = f;
    return c;
  }
}

export class GatedSlotPool extends SlotPool {
  /** Released slots not settled yet. */
  private held: number[] = [];
  gate: SlotGate | null = null;

  override release(slot: number): void {
    if (this.gate !== null && !this.gate.settled(slot)) {
      this.gate.held(slot);
      this.held.push(slot);
    } else this.returnToPool(slot);
  }

  override freesNow(slot: number): boolean {
    return this.gate === null || this.gate.settled(slot);
  }

  /** Returns held slots that settled to the free list. */
  settleHeld(): void {
    if (this.held.length === 0) return;
    const still: number[] = [];
    for (const s of this.held) {
      if (this.gate!.settled(s)) this.returnToPool(s);
      else still.push(s);
    }
    this.held = still;
  }

  get heldCount(): number {
    return this.held.length;
  }

  private returnToPool(slot: number): void {
    this.gate?.freed(slot);
    super.release(slot);
  }
}

export class GatedRegistry extends HolderRegistry {
  gate: SlotGate | null = null;

  /** Reclaims `h` only when every slot of it is settled; otherwise it stays graced (tried again next flush). */
  override reclaim(h: Holder): void {
    const gate = this.gate;
    if (gate !== null && !slotsOf(h).every((s) => gate.settled(s))) return;
    super.reclaim(h);
  }
}
