// The things that own counter slots: routes (one slot per label, K sub-buckets each) and
// virtual buckets (several adjacent routes folded into one unlabelled, unsplit slot).

import { compareBytes, compareEnd, compareStart } from "../keys/bytes.js";
import type { Key } from "../types.js";

export interface RouteUnit {
  kind: "route";
  routeId: number;
  start: Key;
  end: Key;
  groupId: number;
  /** Effective sub-bucket count (1 while folded). */
  k: number;
  /** Sub-bucket bounds when k > 1, else null. */
  bounds: { start: Key; end: Key }[] | null;
  /** Slot per label index (0 = unlabelled); empty while folded into `vb`. */
  slots: number[];
  vb: VirtualBucket | null;
  /** When the route was removed (ms), NaN while live. */
  removedAtMs: number;
}

export interface VirtualBucket {
  kind: "virtual";
  /** Wire bucket id, `virtual:<synthetic id>`. */
  bucketId: string;
  /** Live members in key order. */
  members: RouteUnit[];
  /** Members removed since the last flush: their pending counts are still in the slot. */
  departed: RouteUnit[];
  slot: number;
  /** Range covering members and departed members (kept current by the sampler). */
  start: Key;
  end: Key;
  /** The row meta for the slot needs rebuilding (membership changed). */
  metaDirty: boolean;
  removedAtMs: number;
}

export type Unit = RouteUnit | VirtualBucket;

/** The range spanned by a virtual bucket's members and departed members. */
export function virtualRange(vb: VirtualBucket): { start: Key; end: Key } {
  const all = vb.members.concat(vb.departed);
  let start = all[0].start;
  let end = all[0].end;
  for (const m of all) {
    if (compareStart(m.start, start) < 0) start = m.start;
    if (compareEnd(m.end, end) > 0) end = m.end;
  }
  return { start, end };
}

/** Smallest member route id, used to order a virtual bucket among routes with the same start. */
export function unitOrderId(u: Unit): number {
  if (u.kind === "route") return u.routeId;
  let id = Infinity;
  for (const m of u.members) id = Math.min(id, m.routeId);
  for (const m of u.departed) id = Math.min(id, m.routeId);
  return id;
}

/** A live route with no slots yet. */
export function newRoute(routeId: number, start: Key, end: Key, groupId: number): RouteUnit {
  return { kind: "route", routeId, start, end, groupId, k: 1, bounds: null, slots: [], vb: null, removedAtMs: NaN };
}

/** Inserts `r` into `members`, kept in start-key order. */
export function insertByStart(members: RouteUnit[], r: RouteUnit): void {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareStart(members[mid].start, r.start) <= 0) lo = mid + 1;
    else hi = mid;
  }
  members.splice(lo, 0, r);
}

/** True when route `r` covers exactly `[start, end)`. */
export function sameRange(r: RouteUnit, start: Key, end: Key): boolean {
  const eq = (a: Key, b: Key) => (a === null || b === null ? a === b : compareBytes(a, b) === 0);
  return eq(r.start, start) && eq(r.end, end);
}
