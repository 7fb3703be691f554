// Sub-range bucketing of one route (SPEC §3.1), in BigInt: the reference model and the source of
// the row bounds. Not on the hot path; the sampler counts with assembly/lib/subrange.ts, which
// must agree with `subBucketIndex` key for key (the tests check that).
import type { Key } from "../types.js";
import { commonPrefixLength, compareBytes } from "./bytes.js";
import { U64_MAX, WINDOW_BYTES, windowValue } from "./window.js";

/** How a route `[S, E)` is divided into sub-buckets. */
export interface SubrangeLayout {
  /** Effective bucket count: 1 when the route cannot be split, else min(K, span). */
  k: number;
  /** Length of the common prefix of S and E (0 when E is unbounded). */
  prefixLen: number;
  /** w(S): 8 bytes of S after the prefix, big-endian, zero-padded. */
  lo: bigint;
  /** w(E), or 2^64 − 1 for an unbounded end. */
  hi: bigint;
  /** hi − lo when hi > lo, else 0. */
  span: bigint;
  /** True when E is finite. */
  bounded: boolean;
}

function isUnbounded(end: Key): boolean {
  return end === null || end.length === 0;
}

/** Computes the layout of route `[start, end)` asked to split into `k` buckets. */
export function subrangeLayout(start: Key, end: Key, k: number): SubrangeLayout {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const bounded = !isUnbounded(end);
  const s = start ?? new Uint8Array(0);
  const prefixLen = bounded ? commonPrefixLength(s, end!) : 0;
  const lo = windowValue(s, prefixLen);
  const hi = bounded ? windowValue(end, prefixLen) : U64_MAX;
  const span = hi > lo ? hi - lo : 0n;
  const effective = span === 0n ? 1 : span < BigInt(k) ? Number(span) : k;
  return { k: effective, prefixLen, lo, hi, span, bounded };
}

/** The sub-bucket of `key`, following the SPEC §3.1 index rule literally. */
export function subBucketIndex(layout: SubrangeLayout, start: Key, end: Key, key: Uint8Array): number {
  const last = layout.k - 1;
  if (last === 0) return 0;
  if (start === null || start.length === 0 ? key.length === 0 : compareBytes(key, start) <= 0) return 0;
  if (!isUnbounded(end) && compareBytes(key, end!) >= 0) return last;
  const v = windowValue(key, layout.prefixLen);
  if (v <= layout.lo) return 0;
  if (v >= layout.hi) return last;
  return Number((BigInt(layout.k) * (v - layout.lo)) / layout.span);
}

/** Lower window value of interior bucket `i` (1 ≤ i < k): lo + ceil(i·span/k). */
export function subBucketEdgeValue(layout: SubrangeLayout, i: number): bigint {
  const k = BigInt(layout.k);
  return layout.lo + (BigInt(i) * layout.span + k - 1n) / k;
}

function edgeKey(start: Key, layout: SubrangeLayout, i: number): Uint8Array {
  const p = layout.prefixLen;
  let v = subBucketEdgeValue(layout, i);
  // The edge is > lo ≥ 0, so at least one window byte survives trimming: never the empty key.
  let len = WINDOW_BYTES;
  while ((v & 0xffn) === 0n) {
    v >>= 8n;
    len--;
  }
  const out = new Uint8Array(p + len);
  // p ≤ |S| always (it is a common prefix of S), so S needs no padding here.
  if (p > 0) out.set(start!.subarray(0, p));
  for (let j = p + len - 1; j >= p; j--) {
    out[j] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The bounds of the `layout.k` buckets, in order: bucket 0 starts at S, the last ends at E, and
 * bucket i ends where bucket i+1 starts, so the rows tile `[S, E)`. Empty S/E come back as null.
 */
export function subBucketBounds(start: Key, end: Key, layout: SubrangeLayout): { start: Key; end: Key }[] {
  const first: Key = start === null || start.length === 0 ? null : start;
  const last: Key = isUnbounded(end) ? null : end;
  const edges: Key[] = [first];
  for (let i = 1; i < layout.k; i++) edges.push(edgeKey(start, layout, i));
  edges.push(last);
  const out: { start: Key; end: Key }[] = [];
  for (let i = 0; i < layout.k; i++) out.push({ start: edges[i]!, end: edges[i + 1]! });
  return out;
}
