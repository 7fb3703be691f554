// The owner's copy of the hot-path index in shared memory (route id → 1 + its slot's first stripe
// word, per label, and each slot's sub-bucket count), and the epoch that tells workers it
// changed. The mirror also knows, per slot, how many index entries point at it and the epoch
// from which none did: a slot is settled (no worker can count into it any more) once every live
// worker has published that epoch. Epochs move only in `publish()`, called once at the end of
// each owner operation, so every index write of the operation precedes the epoch announcing it.

import { RouteIndex } from "../route-index.js";
import { CELL_WORDS, H_EPOCH, type Layout } from "./layout.js";

export class IndexMirror {
  private readonly words: Int32Array;
  /** Index entries pointing at each slot. */
  private readonly pointers: Int32Array;
  /** Epoch from which no entry pointed at each slot (meaningful while pointers are 0). */
  private readonly unpointedAt: Int32Array;
  /** Slots each mirrored route id points at (label 0 first), to undo them. */
  private readonly pointed = new Map<number, number[]>();
  private dirty = false;
  /**
   * Route ids whose clear waits for workers (only once a route table is shared with them, see
   * `deferClears`): id → the epoch every live worker must have published first (null: not
   * announced yet, see `seal`).
   */
  private readonly deferred = new Map<number, number | null>();
  private deferring = false;

  constructor(
    buffer: ArrayBufferLike,
    private readonly layout: Layout,
  ) {
    this.words = new Int32Array(buffer);
    this.pointers = new Int32Array(layout.slots);
    this.unpointedAt = new Int32Array(layout.slots);
  }

  /** The epoch workers see now. */
  get epoch(): number {
    return Atomics.load(this.words, H_EPOCH);
  }

  /** Points `routeId` at `slot` (sub-bucket count `k`) and label i + 1 at `labelSlots[i]` (or `slot`). */
  set(routeId: number, slot: number, k: number, labelSlots: readonly number[]): void {
    const { layout, words } = this;
    // The facade refuses such ids (checkRouteId); never write past the index region regardless.
    if (routeId >= layout.idLimit) return;
    const slots = [slot];
    for (let i = 0; i < layout.labels; i++) slots.push(labelSlots[i] ?? slot);
    // The count first: a worker that reads the new entry must find the new slot's count.
    words[layout.kOf + slot] = k;
    for (const s of slots) this.pointers[s]!++;
    this.deferred.delete(routeId);
    this.unpoint(routeId);
    // Entries are the slot's first counter word + 1 (layout.ts), so observe needs no multiply.
    const stride = layout.maxK * CELL_WORDS;
    for (let li = 0; li < slots.length; li++)
      words[layout.index + li * layout.idLimit + routeId] = slots[li]! * stride + 1;
    this.pointed.set(routeId, slots);
    this.dirty = true;
  }

  /** `routeId` no longer counts anywhere (once workers cannot hold it, when deferring). */
  clear(routeId: number): void {
    if (routeId >= this.layout.idLimit) return;
    if (this.deferring && this.pointed.has(routeId)) this.deferred.set(routeId, null);
    else this.clearNow(routeId);
  }

  /**
   * From now on a cleared id keeps its entry until every live worker has passed the next
   * `seal()`: a worker that found the id in an older shared route table may still count it,
   * and must find its old slot (not a miss). See docs/design.md, "Route lookup in workers".
   */
  deferClears(): void {
    this.deferring = true;
  }

  /**
   * The ids cleared so far wait for the epoch the next `publish()` announces; returns it. Called
   * after a shared table's publish (`announce`), and at each harvest for ids removed otherwise
   * (a harvest never runs inside a coordinator's split, so such ids are not in any newer table).
   */
  seal(): number {
    const next = (this.epoch + 1) | 0;
    for (const [id, at] of this.deferred) {
      if (at !== null) continue;
      this.deferred.set(id, next);
      this.dirty = true;
    }
    return next;
  }

  /** The next `publish()` moves the epoch even if the index did not change. */
  touch(): void {
    this.dirty = true;
  }

  /** Clears the deferred ids every live worker has passed (`seen`: their smallest epoch; null = none). */
  releaseDeferred(seen: number | null): void {
    for (const [id, at] of this.deferred) {
      if (at === null || (seen !== null && ((seen - at) | 0) < 0)) continue;
      this.deferred.delete(id);
      this.clearNow(id);
    }
  }

  private clearNow(routeId: number): void {
    const { layout, words } = this;
    for (let li = 0; li <= layout.labels; li++) words[layout.index + li * layout.idLimit + routeId] = 0;
    this.unpoint(routeId);
    this.dirty = true;
  }

  /** Drops `routeId`'s previous pointers; slots left unpointed become unpointed at the next epoch. */
  private unpoint(routeId: number): void {
    const before = this.pointed.get(routeId);
    if (before === undefined) return;
    this.pointed.delete(routeId);
    const next = (this.epoch + 1) | 0;
    for (const s of before) if (--this.pointers[s]! === 0) this.unpointedAt[s] = next;
  }

  /** Announces the index writes since the last call to workers (one epoch step). */
  publish(): void {
    if (!this.dirty) return;
    this.dirty = false;
    Atomics.store(this.words, H_EPOCH, (this.epoch + 1) | 0);
  }

  /** True when no index entry points at `slot` and every live worker has seen that (epoch ≥ `seen`). */
  settled(slot: number, seen: number | null): boolean {
    if (this.pointers[slot] !== 0) return false;
    return seen === null || ((seen - this.unpointedAt[slot]!) | 0) >= 0;
  }
}

/** The owner's hot-path index, mirrored into shared memory for workers. */
export class MirroredRouteIndex extends RouteIndex {
  constructor(
    labelCount: number,
    private readonly mirror: IndexMirror,
  ) {
    super(labelCount);
  }

  override set(routeId: number, slot: number, subBuckets: number, labelSlots: readonly number[]): void {
    super.set(routeId, slot, subBuckets, labelSlots);
    this.mirror.set(routeId, slot, subBuckets, labelSlots);
  }

  override clear(routeId: number): void {
    super.clear(routeId);
    this.mirror.clear(routeId);
  }
}
