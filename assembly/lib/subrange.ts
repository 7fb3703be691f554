// Sub-range bucketing of one route (SPEC §3.1) on the hot path. A route's layout is computed once
// into a fixed-size descriptor; the index of a key is then exact integer math (no floats).
//
// Why the index needs only the first p bytes of S (and never E): keys that share the common
// prefix P of S and E are ordered the same way as their windows w(x), so "x ≤ S" already implies
// w(x) ≤ lo (bucket 0) and "x ≥ E" implies w(x) ≥ hi (bucket K−1). A key that leaves P is
// either below S (bucket 0) or above E (bucket K−1), decided by the first differing byte.

/** Descriptor layout (bytes): lo u64 @0, span u64 @8, fast-path limit u64 @16, p u32 @24, K u32 @28. */
export const SUBRANGE_DESC_BYTES: u32 = 32;

const DESC_LO: usize = 0;
const DESC_SPAN: usize = 8;
const DESC_FAST_MAX: usize = 16;
const DESC_PREFIX: usize = 24;
const DESC_K: usize = 28;

/** w(x): 8 bytes of the key at `offset`, big-endian, zero-padded past `len`. */
// @ts-ignore: decorator
@inline
export function subrangeWindow(key: usize, len: u32, offset: u32): u64 {
  if (len >= offset + 8) return bswap<u64>(load<u64>(key + offset));
  let v: u64 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    const at = offset + i;
    v = (v << 8) | (at < len ? <u64>load<u8>(key + at) : 0);
  }
  return v;
}

/** Length of the common prefix of two byte strings, 8 bytes at a time. */
function commonPrefix(a: usize, aLen: u32, b: usize, bLen: u32): u32 {
  const n = min(aLen, bLen);
  let i: u32 = 0;
  while (i + 8 <= n) {
    const x = load<u64>(a + i) ^ load<u64>(b + i);
    // Little-endian load: the first differing byte is the lowest set byte.
    if (x != 0) return i + (<u32>ctz(x) >> 3);
    i += 8;
  }
  while (i < n && load<u8>(a + i) == load<u8>(b + i)) i++;
  return i;
}

/**
 * Writes the descriptor of route `[start, end)` split into `k` buckets (k ≥ 1) and returns the
 * effective bucket count. `startLen` 0 = lowest start; `endLen` −1 = unbounded end.
 */
export function subrangeInit(desc: usize, start: usize, startLen: u32, end: usize, endLen: i32, k: u32): u32 {
  const bounded = endLen >= 0;
  const p: u32 = bounded ? commonPrefix(start, startLen, end, <u32>endLen) : 0;
  const lo = subrangeWindow(start, startLen, p);
  const hi: u64 = bounded ? subrangeWindow(end, <u32>endLen, p) : u64.MAX_VALUE;
  const span: u64 = hi > lo ? hi - lo : 0;
  let effective: u32 = k == 0 ? 1 : k;
  if (span == 0) effective = 1;
  else if (span < <u64>effective) effective = <u32>span;
  store<u64>(desc + DESC_LO, lo);
  store<u64>(desc + DESC_SPAN, span);
  // Largest distance d for which K·d fits in u64, so the index is one multiply and one divide.
  store<u64>(desc + DESC_FAST_MAX, u64.MAX_VALUE / <u64>effective);
  store<u32>(desc + DESC_PREFIX, p);
  store<u32>(desc + DESC_K, effective);
  return effective;
}

/** Effective bucket count stored in a descriptor. */
// @ts-ignore: decorator
@inline
export function subrangeCount(desc: usize): u32 {
  return load<u32>(desc + DESC_K);
}

/** Common-prefix length stored in a descriptor. */
// @ts-ignore: decorator
@inline
export function subrangePrefixLen(desc: usize): u32 {
  return load<u32>(desc + DESC_PREFIX);
}

/**
 * floor(k·d / s) for d < s, exactly, without a 128-bit product: walks the bits of k (Horner),
 * keeping k'·d = q·s + r with r < s. Overflow-free because every comparison is against s − r.
 */
function mulDivExact(k: u32, d: u64, s: u64): u32 {
  let q: u32 = 0;
  let r: u64 = 0;
  for (let bit = 31 - <i32>clz(k); bit >= 0; bit--) {
    // double: 2r ≥ s  ⇔  r ≥ s − r
    q <<= 1;
    if (r >= s - r) {
      r -= s - r;
      q |= 1;
    } else {
      r <<= 1;
    }
    if ((k >>> bit) & 1) {
      // add d: r + d ≥ s  ⇔  r ≥ s − d
      if (r >= s - d) {
        r -= s - d;
        q++;
      } else {
        r += d;
      }
    }
  }
  return q;
}

/**
 * The bucket of key `[key, keyLen)` in the route described by `desc`, whose start key is at
 * `start` (only its first p bytes are read). Never allocates, never traps.
 */
// @ts-ignore: decorator
@inline
export function subrangeIndexOf(desc: usize, start: usize, key: usize, keyLen: u32): u32 {
  const k = load<u32>(desc + DESC_K);
  if (k <= 1) return 0;
  const p = load<u32>(desc + DESC_PREFIX);
  if (p > 0) {
    const n = min(p, keyLen);
    const same = commonPrefix(key, keyLen, start, n);
    if (same < n) return load<u8>(key + same) < load<u8>(start + same) ? 0 : k - 1;
    if (keyLen < p) return 0; // a proper prefix of P sorts below S
  }
  return subrangeIndexOfWindow(desc, subrangeWindow(key, keyLen, p));
}

/**
 * The bucket of a key that shares the route's common prefix, from its window `v` = w(x) alone
 * (the caller has already settled keys that leave the prefix: bucket 0 below, K−1 above).
 */
// @ts-ignore: decorator
@inline
export function subrangeIndexOfWindow(desc: usize, v: u64): u32 {
  const k = load<u32>(desc + DESC_K);
  if (k <= 1) return 0;
  const lo = load<u64>(desc + DESC_LO);
  const span = load<u64>(desc + DESC_SPAN);
  if (v <= lo) return 0;
  const d = v - lo;
  if (d >= span) return k - 1;
  if (d <= load<u64>(desc + DESC_FAST_MAX)) return <u32>((d * <u64>k) / span);
  return mulDivExact(k, d, span);
}

/** Same as `subrangeIndexOf`, with the full route bounds in the signature (E is not needed). */
export function subrangeIndex(
  desc: usize,
  start: usize,
  startLen: u32,
  end: usize,
  endLen: i32,
  key: usize,
  keyLen: u32,
): u32 {
  return subrangeIndexOf(desc, start, key, keyLen);
}
