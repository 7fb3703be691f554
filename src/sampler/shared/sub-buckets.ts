// Sub-bucket routing for workers, in JS over the shared memory. The owner publishes, per slot,
// the route's common-prefix length, the first bytes of its start key and the K − 1 interior
// edges as (high, low) u32 windows; a worker finds a key's sub-bucket by counting the edges at
// or below its window. That is the same rule as the owner's Wasm index (assembly/lib/subrange.ts):
// bucket i starts at lo + ceil(i·span/K) (`subBucketEdgeValue`), so floor(K·(v − lo)/span) ≥ i
// exactly when v reaches edge i; keys leaving the prefix go to bucket 0 (below) or K − 1 (above).

import { commonPrefixLength } from "../../keys/bytes.js";
import { subBucketEdgeValue, subrangeLayout } from "../../keys/subrange.js";
import { windowHigh, windowLow } from "../../keys/window.js";
import type { Key } from "../../types.js";
import { PREFIX_CAP, type Layout } from "./layout.js";

/** Views of the routing regions of a shared memory. */
export interface RangeViews {
  words: Int32Array;
  edges: Uint32Array;
  bytes: Uint8Array;
  layout: Layout;
}

export function rangeViews(buffer: ArrayBufferLike, layout: Layout): RangeViews {
  return { words: new Int32Array(buffer), edges: new Uint32Array(buffer), bytes: new Uint8Array(buffer), layout };
}

/**
 * The sub-bucket count workers may use for a route `[start, end)` asked for `k`: 1 when its
 * common prefix is longer than the bytes published per slot (workers could not tell which side
 * of the prefix a key falls), else `k`.
 */
export function sharedSubBuckets(start: Key, end: Key, k: number): number {
  if (k <= 1 || start === null || end === null) return k;
  return commonPrefixLength(start, end) > PREFIX_CAP ? 1 : k;
}

/** Publishes `slot`'s range, split into `k` sub-buckets (the owner's effective count). */
export function publishRange(v: RangeViews, slot: number, start: Key, end: Key, k: number): void {
  const { layout } = v;
  if (layout.maxK <= 1) return;
  const l = subrangeLayout(start, end, layout.maxK);
  if (l.k !== k)
    throw new Error(`shared sampler: sub-bucket count ${k} of slot ${slot} disagrees with the layout's ${l.k}`);
  v.words[layout.prefix + slot] = l.prefixLen;
  const pb = layout.pbytes + slot * PREFIX_CAP;
  v.bytes.fill(0, pb, pb + PREFIX_CAP);
  if (start !== null) v.bytes.set(start.subarray(0, Math.min(l.prefixLen, PREFIX_CAP)), pb);
  const at = layout.edges + slot * (layout.maxK - 1) * 2;
  for (let i = 1; i < k; i++) {
    const e = subBucketEdgeValue(l, i);
    v.edges[at + (i - 1) * 2] = Number(e >> 32n);
    v.edges[at + (i - 1) * 2 + 1] = Number(e & 0xffffffffn);
  }
}

/** The sub-bucket of `key` in `slot`'s published range of `k` (> 1) sub-buckets. */
export function subBucketOf(v: RangeViews, slot: number, k: number, key: Uint8Array): number {
  const { layout } = v;
  const p = v.words[layout.prefix + slot]!;
  if (p > 0) {
    // prefixSide against the published start bytes, without a subarray per call.
    const pb = layout.pbytes + slot * PREFIX_CAP;
    const len = key.length;
    const n = len < p ? len : p;
    for (let i = 0; i < n; i++) {
      const d = key[i]! - v.bytes[pb + i]!;
      if (d !== 0) return d < 0 ? 0 : k - 1;
    }
    if (len < p) return 0;
  }
  const hi = windowHigh(key, p);
  const lo = windowLow(key, p);
  // Edges ascend: binary search for the number of edges ≤ (hi, lo).
  const at = layout.edges + slot * (layout.maxK - 1) * 2;
  const e = v.edges;
  let a = 0;
  let b = k - 1;
  while (a < b) {
    const m = (a + b) >> 1;
    const eh = e[at + m * 2]!;
    if (eh < hi || (eh === hi && e[at + m * 2 + 1]! <= lo)) a = m + 1;
    else b = m;
  }
  return a;
}
