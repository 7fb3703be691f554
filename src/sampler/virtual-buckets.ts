// Virtual buckets: when the slot budget is full, or a new route's range lies inside an existing
// bucket or over counts it cannot take exactly, routes are folded into one unlabelled, unsplit
// slot spanning adjacent routes. A bucket's range grows to cover its members (and absorbs every
// holder it then overlaps), so rows never overlap and the key axis stays proper.

import { virtualBucketId } from "../wire/bucket-id.js";
import { compareEnd, compareStart } from "../keys/bytes.js";
import { rangesOverlap } from "../keys/ranges.js";
import type { Key } from "../types.js";
import type { Counters } from "./counters.js";
import { insertByStart, virtualRange, type Holder, type RouteHolder, type VirtualBucket } from "./holders.js";
import type { HolderRegistry } from "./registry.js";
import type { RowMetas } from "./row-metas.js";

export class VirtualBuckets {
  /** Buckets created so far: the synthetic id of the next one. */
  private created = 0;
  /** Buckets whose row meta (range, members) must be rebuilt at the next flush. */
  private readonly changed = new Set<VirtualBucket>();
  /**
   * Buckets formed only to settle removed routes' pending counts (`foldOver`): after their
   * flush their routes get their own slots back as soon as there is room, so none stays.
   */
  private readonly settlingSet = new Set<VirtualBucket>();

  constructor(
    private readonly registry: HolderRegistry,
    private readonly counters: Counters,
    private readonly metas: RowMetas,
  ) {}

  /** Starts synthetic ids after `n` already used (recovered history still names them). */
  skipIds(n: number): void {
    if (n > this.created) this.created = n;
  }

  /** Live virtual buckets. */
  get liveCount(): number {
    let n = 0;
    for (const h of this.registry.live) if (h.kind === "virtual") n++;
    return n;
  }

  /**
   * The holder a route past the budget joins when it folds where it lands, between live holders
   * `left` and `right`: the less active one (left on a tie), so a virtual bucket only ever spans
   * adjacent routes and the key axis stays proper. No live holder at all (every slot held by
   * removed routes still draining): one of those (RouteLifecycle.add checked there is one).
   */
  neighbourBetween(left: Holder | undefined, right: Holder | undefined): Holder {
    if (left === undefined) return right ?? this.registry.graced[0]!;
    if (right === undefined) return left;
    return this.registry.activity(right) < this.registry.activity(left) ? right : left;
  }

  /** Folds new route `r` together with holder `h` (its neighbour); returns their bucket. */
  foldInto(h: Holder, r: RouteHolder): VirtualBucket {
    const vb = this.virtualize(h);
    this.join(vb, r);
    return vb;
  }

  /** Folds adjacent live holders `left` and `right` into one bucket (freeing a slot); returns it. */
  foldPair(left: Holder, right: Holder): VirtualBucket {
    const vb = this.virtualize(left);
    this.absorb(vb, right);
    this.absorbOverlaps(vb);
    return vb;
  }

  /**
   * Turns holder `h` (live, or graced and still draining) into a virtual bucket of one member
   * (or one departed member), moving its pending counts into the bucket's single cell.
   */
  virtualize(h: Holder): VirtualBucket {
    if (h.kind === "virtual") {
      if (h.state === "graced") this.registry.revive(h);
      return h;
    }
    const wasLive = h.state === "live";
    const slot = h.slots[0]!;
    const vb: VirtualBucket = {
      kind: "virtual",
      state: "live",
      bucketId: virtualBucketId(this.created++),
      members: wasLive ? [h] : [],
      departed: wasLive ? [] : [h],
      slot,
      start: h.start,
      end: h.end,
      removedAtMs: NaN,
    };
    this.changed.add(vb);
    this.moveSlotsInto(h, vb);
    this.registry.assignSlot(slot, vb, 0);
    if (wasLive) {
      h.vb = vb;
      this.registry.replaceLive(h, vb);
      this.registry.point(h);
    } else {
      this.registry.unlist(h);
      this.registry.insertLive(vb);
    }
    return vb;
  }

  /** Adds live route `r` to `vb`, then absorbs every holder the grown range now overlaps. */
  join(vb: VirtualBucket, r: RouteHolder): void {
    this.foldRoute(r, vb);
    this.grow(vb, r.start, r.end);
    this.absorbOverlaps(vb);
  }

  /**
   * Removed holder `g` has pending counts that live routes (or other removed holders' counts)
   * overlap without covering them exactly: fold it and everything it overlaps into one bucket
   * for this flush, so no count lands outside its row and rows never overlap.
   */
  foldOver(g: Holder): VirtualBucket {
    const vb = this.virtualize(g);
    this.settlingSet.add(vb);
    this.absorbOverlaps(vb);
    return vb;
  }

  /** Settling buckets that were flushed (no departed member left) and still fold routes. */
  settledBuckets(): VirtualBucket[] {
    const out: VirtualBucket[] = [];
    for (const vb of this.settlingSet) {
      if (vb.state === "reclaimed") this.settlingSet.delete(vb);
      else if (vb.state === "live" && vb.departed.length === 0) out.push(vb);
    }
    return out;
  }

  /**
   * Bucket `vb` goes (its routes fit in the budget again): its slot is free (just drained, so
   * empty; a shared pool holds it until no worker can count into it). The caller gives its
   * members their own slots; returns them.
   */
  dissolve(vb: VirtualBucket): RouteHolder[] {
    this.settlingSet.delete(vb);
    this.changed.delete(vb);
    this.registry.unlist(vb);
    this.registry.releaseSlot(vb.slot);
    this.registry.markReclaimed(vb);
    const members = vb.members;
    vb.members = [];
    return members;
  }

  /** Live route `r` of `vb` was removed: it departs, its counts stay in the slot until drained. */
  leave(vb: VirtualBucket, r: RouteHolder, nowMs: number): void {
    vb.members.splice(vb.members.indexOf(r), 1);
    vb.departed.push(r);
    this.registry.depart(r, nowMs);
    this.changed.add(vb);
    if (vb.members.length === 0) this.registry.retire(vb, nowMs);
  }

  /**
   * Before a drain: buckets whose membership changed get a new row meta (range, members).
   * Returns those with departed members: they leave the bucket once this flush counted them.
   */
  refreshMetas(): VirtualBucket[] {
    const departed: VirtualBucket[] = [];
    for (const vb of this.changed) {
      this.metas.forgetCell(this.counters.cell(vb.slot, 0));
      if (vb.departed.length > 0) departed.push(vb);
    }
    this.changed.clear();
    return departed;
  }

  /** Departed members were flushed with the bucket; from now on its range is its live members'. */
  forgetDeparted(vb: VirtualBucket): void {
    for (const d of vb.departed) this.registry.markReclaimed(d);
    vb.departed = [];
    if (vb.members.length > 0) Object.assign(vb, virtualRange(vb));
    this.changed.add(vb);
  }

  /** Points live route `r` at `vb`'s slot. */
  private foldRoute(r: RouteHolder, vb: VirtualBucket): void {
    r.vb = vb;
    r.subBucketCount = 1;
    r.slots = [];
    r.bounds = null;
    insertByStart(vb.members, r);
    this.registry.point(r);
  }

  /** Moves every cell of route `r` into `vb`'s cell and frees `r`'s slots (except `vb`'s own). */
  private moveSlotsInto(r: RouteHolder, vb: VirtualBucket): void {
    const target = this.counters.cell(vb.slot, 0);
    for (const s of r.slots) {
      for (let sub = 0; sub < this.counters.maxSubBuckets; sub++) {
        const cell = this.counters.cell(s, sub);
        if (cell !== target) this.counters.moveCell(cell, target);
        this.metas.forgetCell(cell);
      }
      if (s !== vb.slot) this.registry.releaseSlotInto(s, vb.slot);
    }
    r.slots = [];
    r.subBucketCount = 1;
    r.bounds = null;
  }

  private grow(vb: VirtualBucket, start: Key, end: Key): void {
    const startMoved = compareStart(start, vb.start) < 0;
    if (startMoved) vb.start = start;
    if (compareEnd(end, vb.end) > 0) vb.end = end;
    this.changed.add(vb);
    // A grown start can move the bucket in key order; a grown end cannot (live ranges never
    // overlap, so no other live holder shares its start). Repositioning on every join was a
    // third of registering 100 000 routes past the budget.
    if (startMoved) this.registry.reposition(vb);
  }

  /**
   * Folds into `vb` every live holder its range overlaps and every graced holder with pending
   * counts whose range overlaps it, until nothing overlaps: a bucket's row must never overlap
   * another row, nor sit between the rows of a holder that starts before it.
   */
  private absorbOverlaps(vb: VirtualBucket): void {
    for (;;) {
      const other =
        this.registry.overlapping(vb.start, vb.end).find((h) => h !== vb) ??
        this.registry.graced.find(
          (g) =>
            g !== vb && rangesOverlap(g.start, g.end, vb.start, vb.end) && this.registry.hasPendingIn(g, null, null),
        );
      if (other === undefined) return;
      this.absorb(vb, other);
    }
  }

  private absorb(vb: VirtualBucket, h: Holder): void {
    const live = h.state === "live";
    this.registry.unlist(h);
    if (h.kind === "route") {
      this.moveSlotsInto(h, vb);
      if (live) this.foldRoute(h, vb);
      else vb.departed.push(h);
    } else {
      this.counters.moveCell(this.counters.cell(h.slot, 0), this.counters.cell(vb.slot, 0));
      this.registry.releaseSlotInto(h.slot, vb.slot);
      this.registry.markReclaimed(h);
      for (const m of h.members) this.foldRoute(m, vb);
      vb.departed.push(...h.departed);
    }
    this.grow(vb, h.start, h.end);
  }
}
