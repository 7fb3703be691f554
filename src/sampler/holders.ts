// Slot holders: the things that own counter slots. A route holder has one slot per label (K
// sub-buckets each) unless it is folded into a virtual bucket; a virtual bucket is several
// adjacent routes folded into one unlabelled, unsplit slot. Each holder has ONE lifecycle state;
// the registry (registry.ts) keeps its indexes in step with it.

import { compareBytes, compareEnd, compareStart } from "../keys/bytes.js";
import type { Key } from "../types.js";

/**
 * - live: counting (a route folded into a virtual bucket is live, its bucket owns the slot);
 * - graced: removed, its slots still hold counts that drain during the grace window;
 * - reclaimed: gone, its slots are free.
 */
export type HolderState = "live" | "graced" | "reclaimed";

export interface RouteHolder {
  kind: "route";
  state: HolderState;
  routeId: number;
  start: Key;
  end: Key;
  groupId: number;
  /** Effective sub-bucket count K of this route (1 while folded). */
  subBucketCount: number;
  /** Sub-bucket bounds when subBucketCount > 1, else null. */
  bounds: { start: Key; end: Key }[] | null;
  /** Slot per label index (0 = unlabelled); empty while folded into `vb`. */
  slots: number[];
  vb: VirtualBucket | null;
  /** When the route was removed (ms); read only while graced. */
  removedAtMs: number;
}

export interface VirtualBucket {
  kind: "virtual";
  state: HolderState;
  /** Wire bucket id, `virtual:<synthetic id>`. */
  bucketId: string;
  /** Live members in key order. */
  members: RouteHolder[];
  /** Members removed since the last flush: their pending counts are still in the slot. */
  departed: RouteHolder[];
  slot: number;
  /** Range covering members and departed members (kept current by virtual-buckets.ts). */
  start: Key;
  end: Key;
  /** When the last member left (ms); read only while graced. */
  removedAtMs: number;
}

export type Holder = RouteHolder | VirtualBucket;

/** The range spanned by a virtual bucket's members and departed members. */
export function virtualRange(vb: VirtualBucket): { start: Key; end: Key } {
  const all = vb.members.concat(vb.departed);
  let start = all[0]!.start;
  let end = all[0]!.end;
  for (const m of all) {
    if (compareStart(m.start, start) < 0) start = m.start;
    if (compareEnd(m.end, end) > 0) end = m.end;
  }
  return { start, end };
}

/** Smallest member route id, used to order a virtual bucket among routes with the same start. */
export function holderOrderId(h: Holder): number {
  if (h.kind === "route") return h.routeId;
  let id = Infinity;
  for (const m of h.members) id = Math.min(id, m.routeId);
  for (const m of h.departed) id = Math.min(id, m.routeId);
  return id;
}

/** The slots a holder owns: a route's one per label (none while folded), a bucket's one. */
export function slotsOf(h: Holder): readonly number[] {
  return h.kind === "route" ? h.slots : [h.slot];
}

/** A route not registered yet: no slots, not in the registry. */
export function newRoute(routeId: number, start: Key, end: Key, groupId: number): RouteHolder {
  return {
    kind: "route",
    state: "live",
    routeId,
    start,
    end,
    groupId,
    subBucketCount: 1,
    bounds: null,
    slots: [],
    vb: null,
    removedAtMs: NaN,
  };
}

/** Inserts `r` into `members`, kept in start-key order. */
export function insertByStart(members: RouteHolder[], r: RouteHolder): void {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareStart(members[mid]!.start, r.start) <= 0) lo = mid + 1;
    else hi = mid;
  }
  members.splice(lo, 0, r);
}

/** True when route `r` covers exactly `[start, end)`. */
export function sameRange(r: RouteHolder, start: Key, end: Key): boolean {
  const eq = (a: Key, b: Key) => (a === null || b === null ? a === b : compareBytes(a, b) === 0);
  return eq(r.start, start) && eq(r.end, end);
}
