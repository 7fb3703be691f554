// Route lifecycle: registering a route (own slots, revived slots, or folded into a virtual
// bucket) and removing it (its slots drain through the grace window). Arguments arrive checked
// (sampler.ts validates); this file decides where a route counts.

import type { HotKeyTracker } from "../hotkeys/tracker.js";
import type { Key } from "../types.js";
import { newRoute, sameRange, type RouteHolder, type VirtualBucket } from "./holders.js";
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
  constructor(
    private readonly registry: HolderRegistry,
    private readonly slots: SlotPool,
    private readonly virtuals: VirtualBuckets,
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
      this.rehoming.rehomeGraced(this.rehoming.gracedUnder(graced));
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
    this.registry.addRoute(r);
    // Inside a virtual bucket's range: join it (absorbing whatever else the route overlaps).
    if (hits.length > 0) {
      this.virtuals.join(hits[0] as VirtualBucket, r);
      return false;
    }
    // Over pending counts of a removed holder that the route cannot take exactly: count both in
    // one bucket spanning them, so no count lands outside its row and rows never overlap.
    const conflict = this.registry.graced.find((g) => this.rehoming.hasPendingOverlap(g, r) && !this.rehoming.fitsExactly(g, r));
    if (conflict !== undefined) {
      this.virtuals.join(this.virtuals.virtualize(conflict), r);
      return false;
    }
    const { labelSlots, maxTrackedRoutes } = this.limits;
    if (this.slots.freeCount < labelSlots) this.registry.reclaimIdle(labelSlots);
    if (this.registry.live.length >= maxTrackedRoutes || this.slots.freeCount < labelSlots) {
      this.virtuals.foldWithNeighbour(r);
      return false;
    }
    this.registry.giveSlots(r);
    // Pending counts of removed holders under this range fit its sub-buckets exactly: take them
    // now, so they can never be counted twice or drain as an overlapping row.
    this.rehoming.rehomeGraced(this.rehoming.gracedUnder(r));
    return true;
  }

  /**
   * A removed route comes back into its old slots only when nothing live overlaps it and every
   * other removed holder's pending counts under its range fit its sub-buckets exactly.
   */
  private canRevive(r: RouteHolder): boolean {
    if (this.registry.overlapping(r.start, r.end).length > 0) return false;
    return this.registry.graced.every((g) => g === r || !this.rehoming.hasPendingOverlap(g, r) || this.rehoming.fitsExactly(g, r));
  }
}
