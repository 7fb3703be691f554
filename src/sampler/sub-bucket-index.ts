// The sub-bucket of a key (SPEC §3.1), computed in JS on the observeKey hot path from per-slot
// records precomputed when a route's range is set. A Wasm call per key cost more than the index
// itself (7 arguments, and the key's window computed in JS anyway), so the index lives here and
// only the counters stay in Wasm memory.
//
// Rule (the same as src/keys/subrange.ts, key for key; the property tests check it): a key that
// leaves the range's common prefix P goes to bucket 0 (below) or K − 1 (above); otherwise bucket
// i starts at window value e_i = lo + ceil(i·span/K), so the bucket is the number of edges
// e_1..e_{K−1} at or below the key's window v.
//
// Fast path: every window in [lo, hi) starts with the d bytes Q that lo and hi − 1 share, so the
// keys of the route start with R = P·Q (t = |P| + d bytes) and byte t is the first that varies.
// Per slot, a 256-entry table says for each value of byte t which bucket every window Q·b·…
// falls in, or AMBIGUOUS when an edge splits that byte value (or the bucket is 255). A key longer
// than t that starts with R is then one compare of t bytes, one byte read and one table load.
// With K edges spread over the byte, at most K − 1 of its 256 values are ambiguous.
//
// Exact path (everything else: keys off R, no byte at t, ambiguous bytes, t > 32): a float
// estimate floor((v − lo)·K/span) lands within one bucket of the answer (its relative error is
// ~2^−51) and is then corrected exactly against the u64 edges, kept as (high, low) u32 pairs: the
// corrections are loops, so the result is exact whatever the estimate.
//
// Record of a slot, in u32 words (one ArrayBuffer, read through f64/u32/i32 views), laid out
// so that what the fast path reads (t and R's words) shares one 64-byte line:
//   0 t   1 P's length   2 K   3 unused
//   [4, 12) R's first bytes as big-endian i32 words, the word ending at t last (see `set`)
//   [12, 14) lo's high half (f64)   [14, 16) lo's low half (f64)   [16, 18) K / span (f64)
//   [18, 26) P's first bytes as words, the same way, the word ending at min(|P|, 32) last
//   [26, 26 + 2(K+1)) edge i as (high, low) at 26 + 2i (edge 0 unused)
// Prefixes longer than 32 bytes also compare the rest against the start key itself.
//
// Tables: 256 bytes per slot (one Uint8Array, slot s at [256s, 256s + 256)), grown by doubling
// to cover the highest slot set, so only slots that ever split cost memory: 1 024 routes take
// 256 KiB, 10 000 take 2.5 MiB — half of what their counters take at K = 16 (16 cells × 32 B).

import { subBucketEdgeValue, subrangeLayout } from "../keys/subrange.js";
import { prefixSide } from "../keys/window.js";

/** Prefix bytes kept in the record as words; longer prefixes compare the rest byte by byte. */
const PREFIX_WORDS = 8;
const PREFIX_CAP = PREFIX_WORDS * 4;
const T_AT = 0;
const P_AT = 1;
const K_AT = 2;
const R_AT = 4;
const HEAD_F64_AT = 12;
const PREFIX_AT = 18;
const EDGES_AT = PREFIX_AT + PREFIX_WORDS;
/** Table entry of a byte value whose keys need the exact path. */
const AMBIGUOUS = 255;
const TABLE = 256;
const ALL_AMBIGUOUS = new Uint8Array(TABLE).fill(AMBIGUOUS);
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
  /** Per slot, the bucket of each value of byte t (see the top of the file). */
  private tables = new Uint8Array(0);

  constructor(
    private readonly slots: number,
    maxK: number,
  ) {
    // No record is ever read when no route can split (observeKey counts K = 1 directly).
    const used = maxK > 1 ? slots : 0;
    this.stride = EDGES_AT + 2 * (maxK + 1);
    const buffer = new ArrayBuffer(used * this.stride * 4);
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.startOf = new Array<Uint8Array | null>(used).fill(null);
  }

  /** Bytes of JS memory the records and tables take. */
  get bytes(): number {
    return this.u32.byteLength + this.tables.byteLength;
  }

  /** Precomputes `slot`'s record for route `[start, end)` split into `k` (the effective count). */
  set(slot: number, start: Uint8Array | null, end: Uint8Array | null, k: number): void {
    if (this.startOf.length === 0 || k <= 1) return;
    const l = subrangeLayout(start, end, k);
    if (l.k !== k) throw new Error(`sub-bucket index: slot ${slot} has ${k} sub-buckets, its range gives ${l.k}`);
    const base = slot * this.stride;
    const f = (base + HEAD_F64_AT) >> 1;
    this.f64[f] = Number(l.lo >> 32n);
    this.f64[f + 1] = Number(l.lo & 0xffffffffn);
    this.f64[f + 2] = k / Number(l.span);
    this.u32[base + P_AT] = l.prefixLen;
    this.u32[base + K_AT] = k;
    const edges: bigint[] = [];
    for (let i = 1; i < k; i++) {
      const e = subBucketEdgeValue(l, i);
      edges.push(e);
      this.u32[base + EDGES_AT + 2 * i] = Number(e >> 32n);
      this.u32[base + EDGES_AT + 2 * i + 1] = Number(e & 0xffffffffn);
    }
    const s = start ?? EMPTY;
    this.setWords(base + PREFIX_AT, s, Math.min(l.prefixLen, PREFIX_CAP));
    this.startOf[slot] = start;
    // R = P·Q: Q is what lo and hi − 1 (every window of the route) share; k > 1 means span ≥ 2,
    // so they differ and d ≤ 7.
    const d = sharedBytes(l.lo, l.hi - 1n);
    const t = l.prefixLen + d;
    const r = new Uint8Array(t);
    r.set(s.subarray(0, Math.min(s.length, t)));
    this.setWords(base + R_AT, r, Math.min(t, PREFIX_CAP));
    // R longer than the words kept: t = 0 and a table of AMBIGUOUS send every key the exact way.
    const fast = t <= PREFIX_CAP;
    this.i32[base + T_AT] = fast ? t : 0;
    this.tableFor(slot).set(fast ? byteTable(edges, l.lo, d) : ALL_AMBIGUOUS);
  }

  /**
   * `n` ≤ PREFIX_CAP bytes of `b` (zero-padded past its end) as words at `at`: words at 0, 4, …
   * while whole, then the word ending at n (overlapping the one before: the comparison is for
   * equality, so overlap is harmless). n < 4 keeps the bytes in one zero-padded word.
   */
  private setWords(at: number, b: Uint8Array, n: number): void {
    this.i32.fill(0, at, at + PREFIX_WORDS);
    for (let w = 0; w < n >> 2; w++) this.i32[at + w] = bigEndianWord(b, w * 4);
    if ((n & 3) !== 0) this.i32[at + (n >> 2)] = n < 4 ? paddedWord(b, n) : bigEndianWord(b, n - 4);
  }

  /** `slot`'s table, growing the tables (by doubling, up to every slot) to hold it. */
  private tableFor(slot: number): Uint8Array {
    const need = (slot + 1) * TABLE;
    if (this.tables.length < need) {
      const grown = new Uint8Array(Math.min(Math.max(need, 2 * this.tables.length), this.slots * TABLE));
      grown.set(this.tables);
      this.tables = grown;
    }
    return this.tables.subarray(slot * TABLE, need);
  }

  /** The sub-bucket of `key` in `slot`'s range (set with k > 1). Never allocates, never throws. */
  subBucket(slot: number, key: Uint8Array): number {
    const base = slot * this.stride;
    const t = this.i32[base + T_AT]!;
    if (t < key.length && (t === 0 || wordsDiff(key, this.i32, base + R_AT, t) === 0)) {
      const b = this.tables[slot * TABLE + key[t]!]!;
      if (b !== AMBIGUOUS) return b;
    }
    return this.exactSubBucket(base, slot, key);
  }

  /** The exact path of `subBucket` (see the top of the file). */
  private exactSubBucket(base: number, slot: number, key: Uint8Array): number {
    // Through the i32 view: a u32 load is typed up to 2^32 − 1, and index arithmetic on it
    // leaves V8's int32 fast path.
    const p = this.i32[base + P_AT]!;
    const k = this.i32[base + K_AT]!;
    const len = key.length;
    if (p !== 0 && !this.sharesPrefix(base, slot, key, p, len)) {
      return prefixSide(key, this.startOf[slot]!, p) < 0 ? 0 : k - 1;
    }
    // The window: 8 bytes after P, big-endian, zero-padded past the key's end.
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
    const f = (base + HEAD_F64_AT) >> 1;
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
    if (wordsDiff(key, this.i32, base + PREFIX_AT, p < PREFIX_CAP ? p : PREFIX_CAP) !== 0) return false;
    return p <= PREFIX_CAP || prefixSide(key, this.startOf[slot]!, p) === 0;
  }
}

/** Leading bytes two u64 values share (8 when equal). */
function sharedBytes(a: bigint, b: bigint): number {
  let d = 0;
  while (d < 8 && a >> BigInt(56 - 8 * d) === b >> BigInt(56 - 8 * d)) d++;
  return d;
}

/**
 * For each value b of window byte d (after the d bytes Q of `lo`), the bucket of every window
 * Q·b·…, or AMBIGUOUS when an edge lies strictly inside that range (or the bucket is 255, which
 * the marker takes). `edges` are e_1..e_{K−1}, ascending, all starting with Q.
 */
function byteTable(edges: readonly bigint[], lo: bigint, d: number): Uint8Array {
  const shift = BigInt(8 * (7 - d));
  const low = (1n << shift) - 1n;
  const q = lo >> (shift + 8n);
  const table = new Uint8Array(TABLE);
  let below = 0;
  for (let b = 0; b < TABLE; b++) {
    const first = ((q << 8n) | BigInt(b)) << shift;
    // Edges at or below the first window of this byte value count for all of it; one more
    // edge at or below its last window splits it.
    while (below < edges.length && edges[below]! <= first) below++;
    const split = below < edges.length && edges[below]! <= (first | low);
    table[b] = split || below >= AMBIGUOUS ? AMBIGUOUS : below;
  }
  return table;
}

/**
 * XOR-or of the first `n` (1..PREFIX_CAP) bytes of `key` (at least n long) against the words at
 * `at` (laid out by `setWords`): 0 exactly when they are equal.
 */
function wordsDiff(key: Uint8Array, words: Int32Array, at: number, n: number): number {
  if (n < 4) return paddedWord(key, n) ^ words[at]!;
  let diff = bigEndianWord(key, n - 4) ^ words[at + ((n - 1) >> 2)]!;
  for (let i = 0; i + 4 <= n; i += 4) diff |= bigEndianWord(key, i) ^ words[at + (i >> 2)]!;
  return diff;
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
