// Slot allocation: which slots are free, who owns each slot and for which label, and how busy
// each slot has been (folds pick the least active holders). Numeric bookkeeping only; the
// registry (registry.ts) is the one caller that hands slots out and takes them back.

import type { Holder } from "./holders.js";

export class SlotPool {
  private readonly free: number[] = [];
  private readonly owners: (Holder | undefined)[];
  private readonly labels: Int32Array;
  /** Smoothed requests per flush of each slot (half-life one flush), as of flush `seen`. */
  private readonly activity: Float64Array;
  private readonly seen: Uint32Array;
  private flushSeq = 0;

  constructor(readonly capacity: number) {
    this.owners = new Array(capacity);
    this.labels = new Int32Array(capacity);
    this.activity = new Float64Array(capacity);
    this.seen = new Uint32Array(capacity);
    for (let s = capacity - 1; s >= 0; s--) this.free.push(s);
  }

  get freeCount(): number {
    return this.free.length;
  }

  /** Takes a free slot for label index `label` of `owner` (the caller checked `freeCount`). */
  take(owner: Holder, label: number): number {
    const slot = this.free.pop()!;
    this.assign(slot, owner, label);
    return slot;
  }

  /** Hands an already held slot to another owner (a route's slot becoming its virtual bucket's). */
  assign(slot: number, owner: Holder, label: number): void {
    this.owners[slot] = owner;
    this.labels[slot] = label;
  }

  release(slot: number): void {
    this.activity[slot] = 0;
    this.owners[slot] = undefined;
    this.free.push(slot);
  }

  ownerOf(slot: number): Holder | undefined {
    return this.owners[slot];
  }

  /** Label index of the slot (0 = unlabelled). */
  labelOf(slot: number): number {
    return this.labels[slot]!;
  }

  /** Whether releasing `slot` now returns it to the free list at once (a shared pool may hold it). */
  freesNow(_slot: number): boolean {
    return true;
  }

  /** Flushes begun so far: activity changes only when this does (or a slot is released). */
  get flushes(): number {
    return this.flushSeq;
  }

  /** Starts a flush: activity recorded from now on belongs to it. */
  beginFlush(): void {
    this.flushSeq++;
  }

  /** Records `requests` drained from `slot` this flush (decaying what it had lazily). */
  addActivity(slot: number, requests: number): void {
    const seq = this.flushSeq;
    if (this.seen[slot] !== seq) {
      this.activity[slot]! *= 0.5 ** (seq - this.seen[slot]!);
      this.seen[slot] = seq;
    }
    this.activity[slot]! += 0.5 * requests;
  }

  /** `from`'s counts moved into `to` (a fold): its activity goes with them. */
  moveActivity(from: number, to: number): void {
    const seq = this.flushSeq;
    this.activity[to] = this.decayed(to) + this.decayed(from);
    this.seen[to] = seq;
    this.activity[from] = 0;
  }

  /** Smoothed requests per flush of a set of slots: the decayed sum. */
  activityOf(slots: readonly number[]): number {
    let total = 0;
    for (const s of slots) total += this.decayed(s);
    return total;
  }

  /** `activityOf([slot])` without the array. */
  activityOfSlot(slot: number): number {
    return this.decayed(slot);
  }

  private decayed(slot: number): number {
    return this.activity[slot]! * 0.5 ** (this.flushSeq - this.seen[slot]!);
  }
}
