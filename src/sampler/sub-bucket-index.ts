// The sub-bucket of a key (SPEC §3.1), computed in JS on the observeKey hot path from per-slot
// records precomputed when a route's range is set. A Wasm call per key cost more than the index
// itself (7 arguments, and the key's window computed in JS anyway), so the index lives here and
// only the counters stay in Wasm memory.
//
// Rule (the same as src/keys/subrange.ts, key for key; the property tests check it): a key that
// leaves the range's common prefix P goes to bucket 0 (below) or K − 1 (above); otherwise bucket
// i starts at window value e_i = lo + ceil(i·span/K), so the bucket is the number of edges
// e_1..e_{K−1} at or below the key's window v. Instead of a search, a float estimate
// floor((v − lo)·K/span) lands within one bucket of the answer (its relative error is ~2^−51)
// and is then corrected exactly against the u64 edges, kept as (high, low) u32 pairs: the
// corrections are loops, so the result is exact whatever the estimate.
//
// Record of a slot, in u32 words (one ArrayBuffer, read through f64/u32/i32 views), laid out
// so that what every key reads (head and prefix words) shares one 64-byte line:
//   [0, 2) lo's high half (f64)   [2, 4) lo's low half (f64)   [4, 6) K / span (f64)
//   6 P's length   7 K
//   [8, 16) P's first bytes as big-endian i32 words, the word ending at min(|P|, 32) last
//   [16, 16 + 2(K+1)) edge i as (high, low) at 16 + 2i (edge 0 unused)
// Prefixes longer than 32 bytes also compare the rest against the start key itself.

import { subBucketEdgeValue, subrangeLayout } from "../keys/subrange.js";
import { prefixSide } from "../keys/window.js";

/** Prefix bytes kept in the record as words; longer prefixes compare the rest byte by byte. */
const PREFIX_WORDS = 8;
const PREFIX_CAP = PREFIX_WORDS * 4;
const P_AT = 6;
const K_AT = 7;
const PREFIX_AT = 8;
const EDGES_AT = PREFIX_AT + PREFIX_WORDS;
const TWO_32 = 4294967296;
const EMPTY = new Uint8Array(0);

export class SubBucketIndex {
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  /** Words per slot record (even, so every record's f64 head is aligned). */
  private readonly stride: number;
  /** Each slot's start key: the prefix bytes past PREFIX_CAP are compared against it. */
  private readonly startOf: (Uint8Array | null)[];

  constructor(slots: number, maxK: number) {
    // No record is ever read when no route can split (observeKey counts K = 1 directly).
    const used = maxK > 1 ? slots : 0;
    this.stride = EDGES_AT + 2 * (maxK + 1);
    const buffer = new ArrayBuffer(used * this.stride * 4);
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.startOf = new Array<Uint8Array | null>(used).fill(null);
  }

  /** Precomputes `slot`'s record for route `[start, end)` split into `k` (the effective count). */
  set(slot: number, start: Uint8Array | null, end: Uint8Array | null, k: number): void {
    if (this.startOf.length === 0 || k <= 1) return;
    const l = subrangeLayout(start, end, k);
    if (l.k !== k) throw new Error(`sub-bucket index: slot ${slot} has ${k} sub-buckets, its range gives ${l.k}`);
    const base = slot * this.stride;
    const f = base >> 1;
    this.f64[f] = Number(l.lo >> 32n);
    this.f64[f + 1] = Number(l.lo & 0xffffffffn);
    this.f64[f + 2] = k / Number(l.span);
    this.u32[base + P_AT] = l.prefixLen;
    this.u32[base + K_AT] = k;
    for (let i = 1; i < k; i++) {
      const e = subBucketEdgeValue(l, i);
      this.u32[base + EDGES_AT + 2 * i] = Number(e >> 32n);
      this.u32[base + EDGES_AT + 2 * i + 1] = Number(e & 0xffffffffn);
    }
    // Words at 0, 4, … while whole, then the word ending at n (overlapping the one before: the
    // comparison is for equality, so overlap is harmless). n < 4 keeps the bytes, zero-padded.
    const s = start ?? EMPTY;
    const n = Math.min(l.prefixLen, PREFIX_CAP);
    this.i32.fill(0, base + PREFIX_AT, base + EDGES_AT);
    for (let w = 0; w < n >> 2; w++) this.i32[base + PREFIX_AT + w] = bigEndianWord(s, w * 4);
    if ((n & 3) !== 0) this.i32[base + PREFIX_AT + (n >> 2)] = n < 4 ? paddedWord(s, n) : bigEndianWord(s, n - 4);
    this.startOf[slot] = start;
  }

  /** The sub-bucket of `key` in `slot`'s range (set with k > 1). Never allocates, never throws. */
  subBucket(slot: number, key: Uint8Array): number {
    const base = slot * this.stride;
    // Through the i32 view: a u32 load is typed up to 2^32 − 1, and index arithmetic on it
    // leaves V8's int32 fast path.
    const p = this.i32[base + P_AT]!;
    const k = this.i32[base + K_AT]!;
    const len = key.length;
    if (p !== 0 && !this.sharesPrefix(base, slot, key, p, len)) {
      return prefixSide(key, this.startOf[slot]!, p) < 0 ? 0 : k - 1;
    }
    // The window: 8 bytes after P, big-endian, zero-padded past the key's end. Unrolled with a
    // test per byte: keys of mixed lengths made one "whole window?" branch mispredict (~3 ns).
    const hi =
      (((p < len ? key[p]! : 0) << 24) |
        ((p + 1 < len ? key[p + 1]! : 0) << 16) |
        ((p + 2 < len ? key[p + 2]! : 0) << 8) |
        (p + 3 < len ? key[p + 3]! : 0)) >>>
      0;
    const lo =
      (((p + 4 < len ? key[p + 4]! : 0) << 24) |
        ((p + 5 < len ? key[p + 5]! : 0) << 16) |
        ((p + 6 < len ? key[p + 6]! : 0) << 8) |
        (p + 7 < len ? key[p + 7]! : 0)) >>>
      0;
    const f = base >> 1;
    const d = (hi - this.f64[f]!) * TWO_32 + (lo - this.f64[f + 1]!);
    if (d <= 0) return 0;
    // d > 0 here, so truncation is floor; clamped first, as v far above hi overflows int32.
    const x = d * this.f64[f + 2]!;
    let b = x >= k ? k - 1 : x | 0;
    const u = this.u32;
    const e = base + EDGES_AT;
    // Exact corrections: down while edge b is above v, up while edge b + 1 is at or below v.
    while (b > 0) {
      const eh = u[e + 2 * b]!;
      if (eh < hi || (eh === hi && u[e + 2 * b + 1]! <= lo)) break;
      b--;
    }
    while (b < k - 1) {
      const eh = u[e + 2 * b + 2]!;
      if (eh > hi || (eh === hi && u[e + 2 * b + 3]! > lo)) break;
      b++;
    }
    return b;
  }

  /** Whether `key` (of length `len`) starts with the slot's common prefix of length `p` > 0. */
  private sharesPrefix(base: number, slot: number, key: Uint8Array, p: number, len: number): boolean {
    if (len < p) return false;
    const words = this.i32;
    const pw = base + PREFIX_AT;
    const n = p < PREFIX_CAP ? p : PREFIX_CAP;
    let diff: number;
    if (n < 4) diff = paddedWord(key, n) ^ words[pw]!;
    else {
      // Whole words, then the word ending at n (see `set`).
      diff = bigEndianWord(key, n - 4) ^ words[pw + (n >> 2) - ((n & 3) === 0 ? 1 : 0)]!;
      for (let i = 0; i + 4 <= n; i += 4) diff |= bigEndianWord(key, i) ^ words[pw + (i >> 2)]!;
    }
    if (diff !== 0) return false;
    return p <= PREFIX_CAP || prefixSide(key, this.startOf[slot]!, p) === 0;
  }
}

/** Bytes [at, at + 4) of `b` as a big-endian i32 (the caller knows they exist). */
function bigEndianWord(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

/** The first `n` < 4 bytes of `b` as a big-endian i32, zero-padded. */
function paddedWord(b: Uint8Array, n: number): number {
  let w = 0;
  for (let i = 0; i < 4; i++) w = (w << 8) | (i < n ? b[i]! : 0);
  return w;
}
