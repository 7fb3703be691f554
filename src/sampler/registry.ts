// The holders registry: every route and virtual bucket that owns counter slots, indexed by
// state (live holders in key order, graced holders in removal order) and live routes by id.
// A holder's `state` is written here only, together with the indexes, and every method that
// changes which holders own which slots, their key order or their groups bumps `version`:
// the flush rebuilds its drain order and term stamps when the version moved, so no caller can
// forget to say that something changed.

import { compareBytes, compareStart } from "../keys/bytes.js";
import { rangesOverlap } from "../keys/ranges.js";
import { subBucketBounds, subrangeLayout } from "../keys/subrange.js";
import type { Key } from "../types.js";
import type { Counters } from "./counters.js";
import { holderOrderId, slotsOf, type Holder, type RouteHolder, type VirtualBucket } from "./holders.js";
import type { RouteIndex } from "./route-index.js";
import type { RowMetas } from "./row-metas.js";
import type { SlotPool } from "./slots.js";

/** One cell of a holder and the key range it counts. */
export interface HolderCell {
  cell: number;
  start: Key;
  end: Key;
}

export class HolderRegistry {
  private changes = 0;
  private liveChanges = 0;
  /** Live routes by id (with their own slots, or folded into a virtual bucket). */
  private readonly routes = new Map<number, RouteHolder>();
  /** Live holders that own a slot, by start key then order id. */
  private readonly liveList: Holder[] = [];
  /** Graced holders that own slots, in removal order. */
  private gracedList: Holder[] = [];

  constructor(
    private readonly counters: Counters,
    private readonly slots: SlotPool,
    private readonly metas: RowMetas,
    private readonly index: RouteIndex,
    private readonly labelSlots: number,
  ) {}

  /** Bumped by every change to slot ownership, key order or membership. */
  get version(): number {
    return this.changes;
  }

  /**
   * Bumped when the live list changes (a holder in, out, replaced or moved) or a folded route
   * leaves its bucket: what can make two live holders adjacent, or a holder's fold cost drop.
   */
  get liveVersion(): number {
    return this.liveChanges;
  }

  route(routeId: number): RouteHolder | undefined {
    return this.routes.get(routeId);
  }

  get live(): readonly Holder[] {
    return this.liveList;
  }

  get graced(): readonly Holder[] {
    return this.gracedList;
  }

  /** The most recently removed graced route with this id (it may still be revived). */
  gracedRoute(routeId: number): RouteHolder | undefined {
    for (let i = this.gracedList.length - 1; i >= 0; i--) {
      const h = this.gracedList[i]!;
      if (h.kind === "route" && h.routeId === routeId) return h;
    }
    return undefined;
  }

  // ---- queries -----------------------------------------------------------------------------

  /** Live holders whose range overlaps `[start, end)`. */
  overlapping(start: Key, end: Key): Holder[] {
    const out: Holder[] = [];
    let i = this.position(start, -1) - 1;
    if (i < 0) i = 0;
    for (; i < this.liveList.length; i++) {
      const h = this.liveList[i]!;
      if (end !== null && h.start !== null && compareBytes(h.start, end) >= 0) break;
      if (rangesOverlap(h.start, h.end, start, end)) out.push(h);
    }
    return out;
  }

  /**
   * Index of the first live holder ordered after (start, id): by start key, then by order id
   * (`holderOrderId`). `id` is a number (−1: before every id) or the holder being placed. Order
   * ids break ties of starts only, so they are computed only for a tie: a virtual bucket's is a
   * scan of its members, which grow with the routes folded into it (computing it for every
   * placement made registering n routes past the budget O(n²): 100 000 routes took 26 s).
   */
  position(start: Key, id: number | Holder): number {
    let own = typeof id === "number" ? id : NaN; // NaN: not computed yet
    let lo = 0;
    let hi = this.liveList.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const h = this.liveList[mid]!;
      let c = compareStart(h.start, start);
      if (c === 0) {
        if (Number.isNaN(own)) own = holderOrderId(id as Holder);
        c = own < 0 ? 1 : holderOrderId(h) - own;
      }
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Where live holder `h` sits in the live list: found by its start (live ranges never overlap,
   * so no two share one) unless its start moved since it was placed (`reposition` scans):
   * registering 100 000 routes past the budget unlists and replaces a holder per route.
   */
  private liveIndex(h: Holder): number {
    const at = this.position(h.start, h);
    return this.liveList[at] === h ? at : this.liveList.indexOf(h);
  }

  /** Every cell a holder owns, with its key range (labelled cells share their sub-bucket's range). */
  cells(h: Holder): HolderCell[] {
    if (h.kind === "virtual") return [{ cell: this.counters.cell(h.slot, 0), start: h.start, end: h.end }];
    const out: HolderCell[] = [];
    for (const slot of h.slots) {
      for (let sub = 0; sub < h.subBucketCount; sub++) {
        const b = h.bounds?.[sub] ?? h;
        out.push({ cell: this.counters.cell(slot, sub), start: b.start, end: b.end });
      }
    }
    return out;
  }

  /** True when `h` still has counts in a cell overlapping `[start, end)`. */
  hasPendingIn(h: Holder, start: Key, end: Key): boolean {
    return this.cells(h).some((c) => this.counters.busy(c.cell) && rangesOverlap(c.start, c.end, start, end));
  }

  /** Smoothed requests per flush of a holder. */
  activity(h: Holder): number {
    return h.kind === "route" ? this.slots.activityOf(h.slots) : this.slots.activityOfSlot(h.slot);
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** Registers live route `r`; the caller then gives it slots or folds it (both point the index). */
  addRoute(r: RouteHolder): void {
    r.state = "live";
    this.routes.set(r.routeId, r);
    this.changes++;
  }

  /** Gives live route `r` one slot per label plus the unlabelled one (caller checked room). */
  giveSlots(r: RouteHolder): void {
    r.vb = null;
    r.slots = [];
    for (let li = 0; li < this.labelSlots; li++) r.slots.push(this.slots.take(r, li));
    const { maxSubBuckets } = this.counters;
    if (maxSubBuckets > 1) {
      const k = this.counters.setRange(r.slots[0]!, r.start, r.end, maxSubBuckets);
      r.subBucketCount = k;
      r.bounds = k > 1 ? subBucketBounds(r.start, r.end, subrangeLayout(r.start, r.end, maxSubBuckets)) : null;
    }
    this.insertLive(r);
    this.point(r);
  }

  /** Points the hot-path lookup of live route `r` at where it counts now. */
  point(r: RouteHolder): void {
    if (r.vb !== null) this.index.set(r.routeId, r.vb.slot, 1, []);
    else this.index.set(r.routeId, r.slots[0]!, r.subBucketCount, r.slots.slice(1));
  }

  /** Route `r` stops counting: out of the id index (its slots, if any, are retired separately). */
  dropRoute(r: RouteHolder): void {
    this.routes.delete(r.routeId);
    this.index.clear(r.routeId);
    this.changes++;
  }

  /** Live route `r`, folded into a bucket, was removed: its counts wait in the bucket's slot. */
  depart(r: RouteHolder, nowMs: number): void {
    this.liveChanges++;
    r.state = "graced";
    r.removedAtMs = nowMs;
    this.changes++;
  }

  /** Live slot holder `h` becomes graced: its slots drain until the grace window ends. */
  retire(h: Holder, nowMs: number): void {
    this.liveChanges++;
    h.state = "graced";
    h.removedAtMs = nowMs;
    this.liveList.splice(this.liveIndex(h), 1);
    this.gracedList.push(h);
    this.changes++;
  }

  /** Graced holder `h` counts again in its old slots. */
  revive(h: Holder): void {
    this.gracedList.splice(this.gracedList.indexOf(h), 1);
    h.removedAtMs = NaN;
    this.insertLive(h);
    if (h.kind === "route") {
      this.addRoute(h);
      this.point(h);
    }
  }

  /** Takes slot holder `h` out of whichever list holds it (it is being folded into a bucket). */
  unlist(h: Holder): void {
    this.liveChanges++;
    if (h.state === "live") this.liveList.splice(this.liveIndex(h), 1);
    else this.gracedList.splice(this.gracedList.indexOf(h), 1);
    this.changes++;
  }

  /** Live holder `old` is replaced, at its place in key order, by virtual bucket `vb`. */
  replaceLive(old: Holder, vb: VirtualBucket): void {
    this.liveChanges++;
    vb.state = "live";
    this.liveList[this.liveIndex(old)] = vb;
    this.changes++;
  }

  /** Adds a holder to the live list (state live). */
  insertLive(h: Holder): void {
    this.liveChanges++;
    h.state = "live";
    this.liveList.splice(this.position(h.start, h), 0, h);
    this.changes++;
  }

  /** A live holder's start or members changed: move it to its place in key order. */
  reposition(h: Holder): void {
    this.liveChanges++;
    const at = this.liveList.indexOf(h);
    if (at >= 0) {
      this.liveList.splice(at, 1);
      this.liveList.splice(this.position(h.start, h), 0, h);
    }
    this.changes++;
  }

  /** Graced holder `h` is gone: its slots go back to the pool. */
  reclaim(h: Holder): void {
    this.gracedList.splice(this.gracedList.indexOf(h), 1);
    h.state = "reclaimed";
    for (const s of slotsOf(h)) this.releaseSlot(s);
  }

  /**
   * `h` owns no slot any more (a departed route its bucket has flushed, or a bucket absorbed
   * into another, whose slot was released): nothing in the drain order changes.
   */
  markReclaimed(h: Holder): void {
    h.state = "reclaimed";
  }

  /** `slot` passes to `owner` (label `label`); its cells start a new bucket. */
  assignSlot(slot: number, owner: Holder, label: number): void {
    this.slots.assign(slot, owner, label);
    this.metas.forgetSlot(slot);
    this.changes++;
  }

  /** `slot`'s counts were moved into `target` (a fold): its activity goes too, and it is freed. */
  releaseSlotInto(slot: number, target: number): void {
    this.slots.moveActivity(slot, target);
    this.releaseSlot(slot);
  }

  releaseSlot(slot: number): void {
    this.slots.release(slot);
    this.metas.forgetSlot(slot);
    this.changes++;
  }

  /** Reclaims graced holders removed at least `graceMs` before `nowMs` (they just drained). */
  reclaimExpired(nowMs: number, graceMs: number): void {
    for (const h of this.gracedList.filter((g) => !(nowMs - g.removedAtMs < graceMs))) this.reclaim(h);
  }

  /**
   * Slots are short: graced holders with nothing left to drain give theirs back before their
   * grace window ends (a later re-registration simply gets a fresh slot: still one row).
   */
  reclaimIdle(needed: number): void {
    for (const h of this.gracedList.slice()) {
      if (this.slots.freeCount >= needed) return;
      if (this.cells(h).some((c) => this.counters.busy(c.cell))) continue;
      this.reclaim(h);
    }
  }
}
