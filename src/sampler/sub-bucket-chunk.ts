// The fast path of the sub-bucket index (src/sampler/sub-bucket-index.ts), precomputed when a
// route's range is set; BigInt here, plain numbers on the hot path.
//
// Every window in [lo, hi) starts with the d bytes Q that lo and hi − 1 share, so a key of the
// route starts with R = P·Q (t = |P| + d bytes) and its bytes from t locate it. The hot path
// reads the key as big-endian words at 0, 4, …: whole words before q = t rounded down to 4 are
// compared with R's, the word at q ("chunk word") holds R's last t − q bytes (compared under a
// mask) and then the chunk: the key's bytes t and t + 1 (byte t + 1 read on its own, which is
// the next word's first byte when t ≡ 3 mod 4).
//
// 15 bits of chunk resolve a route to ~1/2^15 of the range its first varying byte spans: a
// route whose ends differ by one in that byte ("user/1…" to "user/2…") spans ~2^8 chunk groups,
// so at K = 16 up to ~12 % of its keys fall in a group an edge splits and take the exact path
// (at K = 256, ~13 % already when that byte spans 15 values). Wider chunks would need 32-bit
// bounds: twice the bytes, and K = 16's bounds would no longer share a line with the head.
//
// Buckets by chunk: the keys whose chunk is c form a group of windows Q·c·…; with y = c | 1 (the
// chunk with its lowest bit forced, so 15 bits when 16 are read), edge e_i is at or below every
// window of the group when F_i < y, above all of them when F_i > y, and inside the group
// (ambiguous) when F_i = y, where F_i is e_i's chunk with its lowest bit replaced by "any
// lower bit of e_i is set". So bucket b is certain when F_b < y < F_{b+1} (F_0 = 0 and
// F_k = 0xffff close the ends; the key with chunk 0xfffe/0xffff goes the exact way), and an
// estimate picks the b to check: (y − y0)·k/yspan in fixed point, (y·m − c) >> s, all int32
// (m < 2^15 and y < 2^16). Where it misses (near an edge, or a range too narrow for 15 bits:
// then m saturates) the bounds do not hold and the key takes the exact path.
//
// Where no edge splits a group (every F_i even) and the estimate, being monotone in y, already
// gives i − 1 just below F_i and i just above it for every edge, it is right for every y: such
// a slot is flagged exact and skips the bounds (ranges split evenly, as by powers of two).
import type { Key } from "../types.js";
import { subBucketEdgeValue, type SubrangeLayout } from "../keys/subrange.js";

/** Longest R with a fast path: 7 whole words and the chunk word. */
const FAST_PREFIX_MAX = 31;
/** R's whole words kept (bytes 0..27). */
export const R_WORDS = 7;
/** F of the last bucket's upper end, and of every bound of a slot without a fast path. */
export const NO_BOUND = 0xffff;

/** What the hot path reads for one slot (see the top of the file). */
export interface ChunkPath {
  /** Offset of the chunk word: t rounded down to a multiple of 4. */
  q: number;
  /** 8 · (t − q): bits of the chunk word that still belong to R. */
  sh: number;
  /** R's bytes 0..27 as big-endian i32 words (zero past t). */
  words: number[];
  /** R's bytes [q, t) as the top of a big-endian i32 word (zero below). */
  partial: number;
  /** The estimate is (y·m − c) >> s. */
  m: number;
  c: number;
  s: number;
  /** F_0..F_k. */
  bounds: number[];
  /** The estimate is the bucket for every y (see the top of the file). */
  exact: boolean;
}

/** The fast path of route `[start, …)` with layout `l` (k > 1), or null when R is too long. */
export function chunkPath(l: SubrangeLayout, start: Key): ChunkPath | null {
  // d ≤ 6 (even where lo and hi − 1 share 7 bytes) keeps both chunk bytes inside the window.
  const d = Math.min(sharedBytes(l.lo, l.hi - 1n), 6);
  const t = l.prefixLen + d;
  if (t > FAST_PREFIX_MAX) return null;
  const r = new Uint8Array(32);
  // Q is lo's first d bytes: S's bytes from |P|, zero past S's end (r is zero there).
  if (start !== null) r.set(start.subarray(0, Math.min(start.length, t)));
  const q = t & ~3;
  const sh = 8 * (t - q);
  const words = Array.from({ length: R_WORDS }, (_, j) => wordAt(r, 4 * j));
  // Window bits after Q, and those of them under the 16-bit chunk.
  const rest = BigInt(64 - 8 * d);
  const under = rest - 16n;
  const restMask = (1n << rest) - 1n;
  const underMask = (1n << under) - 1n;
  const bounds = [0];
  for (let i = 1; i < l.k; i++) {
    const e = subBucketEdgeValue(l, i) & restMask;
    const top = Number(e >> under);
    const lowerSet = (top & 1) !== 0 || (e & underMask) !== 0n;
    bounds.push((top & 0xfffe) | (lowerSet ? 1 : 0));
  }
  bounds.push(NO_BOUND);
  const unit = 2 ** Number(under);
  const y0 = Number(l.lo & restMask) / unit;
  const inv = (l.k * unit) / Number(l.span);
  // The largest s ≤ 30 with inv · 2^s < 2^15, for the most precise m.
  let s = 0;
  while (s < 30 && inv * 2 ** (s + 1) < M_LIMIT) s++;
  const m = Math.min(Math.round(inv * 2 ** s), M_LIMIT - 1);
  const c = Math.round(y0 * m);
  // The hot path's estimate, in the same int32 arithmetic.
  const estimate = (y: number) => (Math.imul(y, m) - c) >> s;
  const exact = bounds
    .slice(1, l.k)
    .every((f, i) => (f & 1) === 0 && f >= 2 && estimate(f - 1) <= i && estimate(f + 1) >= i + 1);
  return { q, sh, words, partial: wordAt(r, q), m, c, s, bounds, exact };
}

/** m stays below this, so that y·m (y < 2^16) and c = y0·m fit an int32. */
const M_LIMIT = 2 ** 15;

/** Leading bytes two u64 values share (8 when equal). */
function sharedBytes(a: bigint, b: bigint): number {
  let d = 0;
  while (d < 8 && a >> BigInt(56 - 8 * d) === b >> BigInt(56 - 8 * d)) d++;
  return d;
}

/** Bytes [at, at + 4) of `b` as a big-endian i32. */
function wordAt(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}
