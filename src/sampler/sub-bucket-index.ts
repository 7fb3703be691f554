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
// Fast path (src/sampler/sub-bucket-chunk.ts): the route's prefix R compared as words, then a
// 16-bit chunk of the key, an estimate and two 16-bit bounds that make it certain. Reads only
// the head of the record: words through the i32 view, the two bounds through the u16 view (each
// typed-array view read costs its own map, length and base loads on the hot path).
//
// Exact path (keys off R or too short for the chunk word, chunks an edge splits, R longer than
// 31 bytes): the whole window, a float estimate floor((v − lo)·K/span) that lands within one
// bucket of the answer (its relative error is ~2^−51), then corrected exactly against the u64
// edges, kept as (high, low) u32 pairs: the corrections are loops, so the result is exact
// whatever the estimate.
//
// Two records per slot, in u32 words, each in an ArrayBuffer of its own (records a whole number
// of 64-byte lines apart). The fast path's, read through i32/u16 views:
//   0 exact | carry << 1 | q | sh << 8 | s << 16 | (K − 1) << 24   1 R's partial word   2 m   3 c
//   [4, 4 + ⌈(K+1)/2⌉) F_0..F_K (u16), then R's words 0..6 (contiguous, so one loop compares
//   them; at K = 16 the first three share the head's line, which holds prefixes up to 12 bytes
//   whole).
// The exact path's, read through f64/u32/i32 views: |P| at 0; at 2, f64-aligned, lo's high half,
// lo's low half and K/span (f64 each); P's first 32 bytes as words at 8 (the word ending at
// min(|P|, 32) last); edge i as (high, low) at 16 + 2i (edge 0 unused).
// Prefixes longer than 32 bytes also compare the rest against the start key itself.
// 1 024 slots at K = 16 take 1 024 × 32 words × 4 B = 128 KiB of fast-path records, which the
// hot path shares the core's caches with, and 1 024 × 64 words × 4 B = 256 KiB of exact ones.
// One record of 80 words (320 KiB in all) had the hot path's lines 320 B apart; split,
// observeKey-k16 read 0.944–0.978× in three sets of alternating pinned processes (4–8 pairs
// each, a noisy host) and 0.97–0.99× with both builds in one process: a small, steady gain.

import { subBucketEdgeValue, subrangeLayout, type SubrangeLayout } from "../keys/subrange.js";
import { prefixSide } from "../keys/window.js";
import { chunkPath, NO_BOUND, R_WORDS } from "./sub-bucket-chunk.js";

/** Prefix bytes kept in the record as words; longer prefixes compare the rest byte by byte. */
const PREFIX_WORDS = 8;
const PREFIX_CAP = PREFIX_WORDS * 4;
/**
 * Word offsets of the record's head. A const enum: tsc writes the numbers themselves, where a
 * module `const` costs its reads a context load and a hole check in bytecode (4 bytes each),
 * and subBucket's bytecode must stay small enough to inline (see there).
 */
const enum At {
  /**
   * exact | carry << 1 | q | sh << 8 | s << 16 | (K − 1) << 24 (q ≤ 28 a multiple of 4, flags
   * in `Fast`). Each field is read in one or two bytecodes: the shifts read their counts mod
   * 32, so sh and s need no mask, and K − 1 on top needs none either.
   */
  Packed = 0,
  Partial = 1,
  M = 2,
  C = 3,
  /** F_0..F_K (u16), then R's words (`rAt`). */
  Bounds = 4,
}
/** Word offsets in an exact record (Prefix + PREFIX_WORDS = Edges). */
const enum Exact {
  P = 0,
  /** lo's high half, lo's low half, K/span: f64 each (the f64 view's index is half this). */
  Head = 2,
  Prefix = 8,
  Edges = 16,
}
/** Fast path constants, a const enum for the same reason. */
const enum Fast {
  /** The packed word's flags: the estimate is the bucket for every chunk (no bounds to check), */
  Exact = 1,
  /** and t ≡ 3 mod 4 (sh = 24: the chunk's second byte is the next word's first). */
  Carry = 2,
  /** Bound on record word offsets (2^30 − 1: 4 GiB of records). */
  BaseMask = 0x3fffffff,
}
/** Records start a whole number of 64-byte lines apart. */
const LINE_WORDS = 16;
/** `words` rounded up to whole lines. */
const lines = (words: number): number => Math.ceil(words / LINE_WORDS) * LINE_WORDS;
const TWO_32 = 4294967296;
const EMPTY = new Uint8Array(0);

export class SubBucketIndex {
  // Every field \`declare\`d: no class-field definition (undefined first), so each is created by
  // its one assignment in the constructor with its final representation (stride and the
  // offsets as small integers: no tag checks where observeKey reads them).
  /** The fast path's records. */
  declare private readonly i32: Int32Array;
  declare private readonly u16: Uint16Array;
  /** The exact path's records. */
  declare private readonly exactF64: Float64Array;
  declare private readonly exactU32: Uint32Array;
  declare private readonly exactI32: Int32Array;
  /** Words per fast-path record. */
  declare private readonly stride: number;
  /** Words per exact record (even, so every record's f64 fields are aligned). */
  declare private readonly exactStride: number;
  /** Word offset of R's words in a fast-path record. */
  declare private readonly rAt: number;
  /** Each slot's start key: the prefix bytes past PREFIX_CAP are compared against it. */
  declare private readonly startOf: (Uint8Array | null)[];

  constructor(slots: number, maxK: number) {
    // No record is ever read when no route can split (observeKey counts K = 1 directly).
    const used = maxK > 1 ? slots : 0;
    this.rAt = At.Bounds + ((maxK + 2) >> 1);
    this.stride = lines(this.rAt + R_WORDS);
    this.exactStride = lines(Exact.Edges + 2 * (maxK + 1));
    // The exact records are the larger (their edges take 2 words a bucket, the bounds half).
    if (used * this.exactStride > Fast.BaseMask)
      throw new RangeError(`sub-bucket index: ${slots} slots × K = ${maxK} is too large`);
    const fast = new ArrayBuffer(used * this.stride * 4);
    this.i32 = new Int32Array(fast);
    this.u16 = new Uint16Array(fast);
    const exact = new ArrayBuffer(used * this.exactStride * 4);
    this.exactF64 = new Float64Array(exact);
    this.exactU32 = new Uint32Array(exact);
    this.exactI32 = new Int32Array(exact);
    this.startOf = new Array<Uint8Array | null>(used).fill(null);
  }

  /** Bytes of JS memory the records take. */
  get bytes(): number {
    return this.i32.byteLength + this.exactU32.byteLength;
  }

  /** Precomputes `slot`'s record for route `[start, end)` split into `k` (the effective count). */
  set(slot: number, start: Uint8Array | null, end: Uint8Array | null, k: number): void {
    if (this.startOf.length === 0 || k <= 1) return;
    const l = subrangeLayout(start, end, k);
    if (l.k !== k) throw new Error(`sub-bucket index: slot ${slot} has ${k} sub-buckets, its range gives ${l.k}`);
    this.setExact(slot, start, l, k);
    const base = slot * this.stride;
    this.i32.fill(0, base, base + this.stride);
    const c = chunkPath(l, start);
    const b = 2 * (base + At.Bounds);
    if (c === null) {
      // q = 0, sh = 0, s = 0 and no bound below any y: every key takes the exact path.
      this.i32[base + At.Packed] = (k - 1) << 24;
      this.u16.fill(NO_BOUND, b, b + k + 1);
      return;
    }
    const flags = (c.exact ? Fast.Exact : 0) | (c.sh === 24 ? Fast.Carry : 0);
    this.i32[base + At.Packed] = flags | c.q | (c.sh << 8) | (c.s << 16) | ((k - 1) << 24);
    this.i32[base + At.Partial] = c.partial;
    for (let j = 0; j < R_WORDS; j++) this.i32[base + this.rAt + j] = c.words[j]!;
    this.i32[base + At.M] = c.m;
    this.i32[base + At.C] = c.c;
    this.u16.set(c.bounds, b);
  }

  /** `slot`'s exact record. */
  private setExact(slot: number, start: Uint8Array | null, l: SubrangeLayout, k: number): void {
    const base = slot * this.exactStride;
    const u = this.exactU32;
    u.fill(0, base, base + this.exactStride);
    const h = (base + Exact.Head) >> 1;
    this.exactF64[h] = Number(l.lo >> 32n);
    this.exactF64[h + 1] = Number(l.lo & 0xffffffffn);
    this.exactF64[h + 2] = k / Number(l.span);
    u[base + Exact.P] = l.prefixLen;
    for (let i = 1; i < k; i++) {
      const e = subBucketEdgeValue(l, i);
      u[base + Exact.Edges + 2 * i] = Number(e >> 32n);
      u[base + Exact.Edges + 2 * i + 1] = Number(e & 0xffffffffn);
    }
    this.setPrefixWords(base + Exact.Prefix, start ?? EMPTY, Math.min(l.prefixLen, PREFIX_CAP));
    this.startOf[slot] = start;
  }

  /**
   * `n` ≤ PREFIX_CAP bytes of `b` as words at `at`: words at 0, 4, … while whole, then the word
   * ending at n (overlapping the one before: the comparison is for equality, so overlap is
   * harmless). n < 4 keeps the bytes in one zero-padded word.
   */
  private setPrefixWords(at: number, b: Uint8Array, n: number): void {
    const words = this.exactI32;
    for (let w = 0; w < n >> 2; w++) words[at + w] = bigEndianWord(b, w * 4);
    if ((n & 3) !== 0) words[at + (n >> 2)] = n < 4 ? paddedWord(b, n) : bigEndianWord(b, n - 4);
  }

  /** The sub-bucket of `key` in `slot`'s range (set with k > 1). Never allocates, never throws. */
  subBucket(slot: number, key: Uint8Array): number {
    // Masked (records stay below 2^30 words, see the constructor): with base's range known, the
    // offsets added to it need no overflow checks (~8 instructions per field read otherwise).
    const base = (slot * this.stride) & Fast.BaseMask;
    const w = this.i32;
    const packed = w[base]!; // At.Packed (0: tsc's `+ 0` costs an AddSmi)
    // Masked: the typer then knows q + 4 cannot overflow (no checks on the byte offsets).
    const q = packed & 28;
    // The key's bytes from q on: the chunk word needs 4.
    const rest = key.length - q;
    if (rest >= 4) {
      // R's whole words, then the chunk word at q. Words 0 and 1 are read before the loop,
      // which V8 peels once more: for q = 12 the loop's one pass left reads the chunk word and
      // exits (word 1 in the loop instead left one more pass, with the key's map check, field
      // reloads and stack check that each pass repeats: observeKey-k16 0.87×, alternating A/B).
      // Budget: V8 inlines this body into observeKey, and both into observeKey's callers, only
      // while each function's bytecode stays ≤ 460 bytes and 1.2 × everything observeKey
      // inlines ≤ 920 (test/sampler/inline-budget.test.ts); this one is at 460, hence `rest`,
      // the unmasked `r`, the packed word's layout and `certain` out of line (inlined only
      // where it runs, and 30 bytes). The key's loads follow i, not the record's q: the exit
      // compare is predicted (a route table's prefixes tend to share q), so they need not wait
      // for the record to arrive. r is at most 2^30 + rAt (base is masked): no overflow below.
      const r = base + this.rAt;
      let word = (key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!;
      let diff = 0;
      if (q !== 0) {
        diff = word ^ w[r]!;
        word = (key[4]! << 24) | (key[5]! << 16) | (key[6]! << 8) | key[7]!;
        if (q !== 4) {
          diff |= word ^ w[r + 1]!;
          // Masked (i < q ≤ 28 when it steps): the typer then knows i + 3 cannot overflow.
          for (let i = 8; ; i = (i + 4) & 28) {
            word = (key[i]! << 24) | (key[i + 1]! << 16) | (key[i + 2]! << 8) | key[i + 3]!;
            if (i === q) break;
            diff |= word ^ w[r + (i >> 2)]!;
          }
        }
      }
      // R's bytes in the chunk word (~(−1 >>> 0) is 0: none); a shift count (mod 32) only.
      const sh = packed >> 8;
      if ((diff | ((word ^ w[base + At.Partial]!) & ~(-1 >>> sh))) === 0) {
        let y = ((word << sh) >>> 16) | 1;
        // t ≡ 3 mod 4: byte t + 1 is the next word's first (zero past the key's end, as in the window).
        if (packed & Fast.Carry && rest > 4) y |= key[q + 4]!;
        const e = (y * w[base + At.M]! - w[base + At.C]!) >> (packed >> 16);
        // An estimate outside [0, K − 1] (a key below the start or above the end that still
        // shares R) takes the exact path rather than a clamp: fewer bytes of bytecode.
        if (e >>> 0 <= packed >>> 24) {
          if (packed & Fast.Exact || this.certain(2 * (base + At.Bounds) + e, y)) return e;
        }
      }
    }
    return this.exactSubBucket(slot, key);
  }

  /** Whether chunk `y` lies strictly between the bounds F_e, F_e+1 at u16 offset `at`. */
  private certain(at: number, y: number): boolean {
    const f = this.u16;
    return f[at]! < y && y < f[at + 1]!;
  }

  /** The exact path of `subBucket` (see the top of the file). */
  private exactSubBucket(slot: number, key: Uint8Array): number {
    const base = (slot * this.exactStride) & Fast.BaseMask;
    // Through the i32 view: a u32 load is typed up to 2^32 − 1, and index arithmetic on it
    // leaves V8's int32 fast path.
    const p = this.exactI32[base + Exact.P]!;
    const k = (this.i32[(slot * this.stride) & Fast.BaseMask]! >>> 24) + 1; // At.Packed
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
    const f = (base + Exact.Head) >> 1;
    const d = (hi - this.exactF64[f]!) * TWO_32 + (lo - this.exactF64[f + 1]!);
    if (d <= 0) return 0;
    // d > 0 here, so truncation is floor; clamped first, as v far above hi overflows int32.
    const x = d * this.exactF64[f + 2]!;
    let b = x >= k ? k - 1 : x | 0;
    const u = this.exactU32;
    const e = base + Exact.Edges;
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
    const words = this.exactI32;
    const pw = base + Exact.Prefix;
    const n = p < PREFIX_CAP ? p : PREFIX_CAP;
    let diff: number;
    if (n < 4) diff = paddedWord(key, n) ^ words[pw]!;
    else {
      // Whole words, then the word ending at n (see `setPrefixWords`).
      diff = bigEndianWord(key, n - 4) ^ words[pw + ((n - 1) >> 2)]!;
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
