// Route lifecycle: registering a route (own slots, revived slots, or folded into a virtual
// bucket) and removing it (its slots drain through the grace window). Arguments arrive checked
// (sampler.ts validates); this file decides where a route counts.

import type { HotKeyTracker } from "../hotkeys/tracker.js";
import type { Key } from "../types.js";
import { newRoute, sameRange, slotsOf, type RouteHolder, type VirtualBucket } from "./holders.js";
import { cheaper, routesIn, type FoldPair, type FoldPairs } from "./fold-pairs.js";
import type { Rehoming } from "./rehome.js";
import type { HolderRegistry } from "./registry.js";
import type { SlotPool } from "./slots.js";
import type { VirtualBuckets } from "./virtual-buckets.js";

export interface LifecycleLimits {
  maxTrackedRoutes: number;
  /** Slots a route with its own slots takes: one per label plus the unlabelled one. */
  labelSlots: number;
}

export class RouteLifecycle {
  /** Registry live version and free slots when `dissolveBuckets` last scanned the buckets. */
  private unfoldCheckedAt = { live: -1, free: -1 };

  constructor(
    private readonly registry: HolderRegistry,
    private readonly slots: SlotPool,
    private readonly virtuals: VirtualBuckets,
    private readonly pairs: FoldPairs,
    private readonly rehoming: Rehoming,
    private readonly hotKeys: HotKeyTracker | null,
    private readonly limits: LifecycleLimits,
  ) {}

  /** See `Sampler.registerRoute`: true when the route has its own slots. */
  register(routeId: number, start: Key, end: Key, groupId: number): boolean {
    const existing = this.registry.route(routeId);
    if (existing !== undefined) {
      if (!sameRange(existing, start, end)) {
        throw new RangeError(`route ${routeId} is already registered with another range; remove it first`);
      }
      return existing.vb === null;
    }
    // A removed route comes back into its slots only with its old group: with another group it
    // registers afresh (its pending counts move into the new slots, and take the new identity).
    const graced = this.registry.gracedRoute(routeId);
    if (graced !== undefined && sameRange(graced, start, end) && graced.groupId === groupId && this.canRevive(graced)) {
      this.registry.revive(graced);
      this.rehoming.takeExactFits(graced);
      return true;
    }
    return this.add(newRoute(routeId, start, end, groupId));
  }

  /** Stops counting `routeId` at `nowMs`; its counts drain through the grace window. */
  remove(routeId: number, nowMs: number): void {
    const r = this.registry.route(routeId);
    if (r === undefined) return;
    this.registry.dropRoute(r);
    this.hotKeys?.release(routeId);
    if (r.vb !== null) this.virtuals.leave(r.vb, r, nowMs);
    else this.registry.retire(r, nowMs);
  }

  /** Registers a new route `r`; true when it got its own slots, false when folded. */
  add(r: RouteHolder): boolean {
    const hits = this.registry.overlapping(r.start, r.end);
    const routeHit = hits.find((h) => h.kind === "route");
    if (routeHit !== undefined) throw new RangeError(`route ${r.routeId} overlaps live route ${routeHit.routeId}`);
    if (this.nowhereToCount()) {
      throw new RangeError(
        `route ${r.routeId}: every slot waits for a worker that has not passed the index epoch of its release, and no route is left to fold into (workers must return to their event loop, and exited ones be given to releaseWorker())`,
      );
    }
    this.registry.addRoute(r);
    // Inside a virtual bucket's range: join it (absorbing whatever else the route overlaps).
    if (hits.length > 0) {
      this.virtuals.join(hits[0] as VirtualBucket, r);
      return false;
    }
    const { labelSlots, maxTrackedRoutes } = this.limits;
    if (this.slots.freeCount < labelSlots) this.registry.reclaimIdle(labelSlots);
    if (this.registry.live.length >= maxTrackedRoutes || this.slots.freeCount < labelSlots)
      return this.addPastBudget(r);
    // Over pending counts of removed routes (a split or merge by hand) the route still gets its
    // own slots: `false` means only "no room". What it cannot take exactly now is settled at
    // the next flush, when the other pieces are registered too (settlePending).
    this.registry.giveSlots(r);
    this.rehoming.takeExactFits(r);
    return true;
  }

  /**
   * The budget is full: `r` takes the slot freed by folding the cheapest adjacent pair of rows
   * when that costs less than folding `r` into its neighbour (fold-pairs.ts); true when it did.
   */
  private addPastBudget(r: RouteHolder): boolean {
    const live = this.registry.live;
    const pos = this.registry.position(r.start, r.routeId);
    const [left, right] = [live[pos - 1], live[pos]];
    const neighbour = this.virtuals.neighbourBetween(left, right);
    const alone = { activity: this.registry.activity(neighbour), routes: routesIn(neighbour) + 1 };
    const pair = this.pairs.cheapest(left, right);
    if (pair !== undefined && cheaper(pair, alone) && this.pairMakesRoom(pair)) {
      this.pairs.touched(this.virtuals.foldPair(pair.left, pair.right));
      this.registry.giveSlots(r);
      this.rehoming.takeExactFits(r);
      this.pairs.touched(r);
      return true;
    }
    this.pairs.touched(this.virtuals.foldInto(neighbour, r));
    return false;
  }

  /**
   * No holder at all to fold into and not a route's slots free. Only a shared pool holding slots
   * for a lagging worker could leave that, and it does not: a slot is held only while some
   * holder released no later is still there (a holder goes when its slots settle, which frees
   * every slot released before them, or hands its routes to another holder; a bucket left with
   * no route waits as a removed holder, see dissolveBuckets). A guard, so that a broken
   * invariant fails the registration whole, with a message, instead of half-registering it.
   */
  private nowhereToCount(): boolean {
    const { live, graced } = this.registry;
    return live.length === 0 && graced.length === 0 && this.slots.freeCount < this.limits.labelSlots;
  }

  /** Whether folding `pair` leaves room for one more route: a live holder less, enough free slots. */
  private pairMakesRoom(pair: FoldPair): boolean {
    const { labelSlots, maxTrackedRoutes } = this.limits;
    if (this.registry.live.length > maxTrackedRoutes) return false;
    // Folding keeps the left holder's first slot and releases every other slot of the two.
    let free = this.slots.freeCount;
    for (const s of [...slotsOf(pair.left).slice(1), ...slotsOf(pair.right)]) free += this.freedNow(s);
    return free >= labelSlots;
  }

  /** 1 when releasing `slot` frees it at once (a shared pool may hold it), else 0. */
  private freedNow(slot: number): number {
    return this.slots.freesNow(slot) ? 1 : 0;
  }

  /**
   * Before a drain: removed routes' pending counts that live routes now cover move onto them
   * (by key-space overlap, exact totals). Counts covered only in part (a piece was never
   * registered, or was removed again) cannot be drawn in a row of their own without overlapping
   * another: they and the routes over them share one virtual bucket for this flush.
   */
  settlePending(): void {
    if (this.registry.graced.length === 0) return;
    // (a holder folded by an earlier step of this loop is no longer listed as graced)
    for (const g of this.rehoming.settleGraced()) if (this.registry.graced.includes(g)) this.virtuals.foldOver(g);
  }

  /**
   * After a drain, buckets give their routes their own slots back when the budget has room for
   * them: first those formed by `settlePending` (else they stay folded, as any route over the
   * budget, and retry later), then any other, fewest routes first (routes were removed, so a
   * bucket is no longer needed). Their cells were just drained, so no count moves. `nowMs` is
   * the flush's time.
   */
  dissolveBuckets(nowMs: number): void {
    for (const vb of this.virtuals.settledBuckets()) {
      // A bucket formed only to settle removed routes' counts, with no route left in it, whose
      // slot a shared pool would hold: it stays a removed holder until that slot settles (the
      // gated registry reclaims it then), so a route registered meanwhile has it to fold into.
      if (vb.members.length === 0 && !this.slots.freesNow(vb.slot)) this.registry.retire(vb, nowMs);
      else this.tryDissolve(vb);
    }
    const { live, liveVersion } = this.registry;
    if (live.length > this.limits.maxTrackedRoutes) return;
    // The scan is O(live holders): repeated only when the live list or the free slots changed
    // since it last found nothing to dissolve (joins only make buckets bigger).
    if (liveVersion === this.unfoldCheckedAt.live && this.slots.freeCount === this.unfoldCheckedAt.free) return;
    const buckets = live.filter((h): h is VirtualBucket => h.kind === "virtual" && h.departed.length === 0);
    buckets.sort((a, b) => a.members.length - b.members.length);
    for (const vb of buckets) if (!this.tryDissolve(vb)) break; // the rest are no smaller
    this.unfoldCheckedAt = { live: this.registry.liveVersion, free: this.slots.freeCount };
  }

  /** Dissolves `vb` when its routes fit in the budget and the free slots; true when it did. */
  private tryDissolve(vb: VirtualBucket): boolean {
    const { labelSlots, maxTrackedRoutes } = this.limits;
    if (this.registry.live.length - 1 + vb.members.length > maxTrackedRoutes) return false;
    // The bucket's own slot counts only if releasing it frees it at once (a shared pool may hold it).
    const own = this.freedNow(vb.slot);
    const needed = vb.members.length * labelSlots;
    if (this.slots.freeCount + own < needed) this.registry.reclaimIdle(needed - own);
    if (this.slots.freeCount + own < needed) return false;
    for (const m of this.virtuals.dissolve(vb)) this.registry.giveSlots(m);
    return true;
  }

  /**
   * A removed route comes back into its old slots only when nothing live overlaps it, and only
   * within the budget: its slots are still its own, but a revival over the budget left more live
   * routes than maxTrackedRoutes, and a route folded to settle counts at the next flush then never
   * got its slots back (a virtual bucket no registerRoute had reported).
   */
  private canRevive(r: RouteHolder): boolean {
    return (
      this.registry.live.length < this.limits.maxTrackedRoutes && this.registry.overlapping(r.start, r.end).length === 0
    );
  }
}
