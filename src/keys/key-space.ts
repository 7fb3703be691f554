// Measuring key ranges, for carrying counts across route splits and merges.
//
// The measure of a range [S, E) is the SPEC §3.1 w() measure: with p = the common prefix length
// of S and E, a key x in [S, E) sits at w(x) = the 8 bytes of x from offset p as a big-endian
// u64; S sits at lo = w(S), E at hi = w(E) (hi = 2^64 − 1 and p = 0 when E is unbounded). Keys
// below S sit at lo, keys at or above E at hi. A piece of key space covers the fraction
// (pos(end) − pos(start)) / (hi − lo) of [S, E): the same linear model the sub-buckets use, so a
// history row redistributed over new routes lines up with how sub-buckets would have split it.
import type { Key } from "../types.js";
import { commonPrefixLength, compareBytes } from "./bytes.js";
import { checkKey } from "../validate.js";
import { U64_MAX, windowValue } from "./window.js";
const NO_BYTES = new Uint8Array(0);

/**
 * The fraction of `[start, end)` covered by each of `pieces` (contiguous, in key order, each
 * `start < end`). Pieces that tile `[start, end)` get weights summing to 1 (up to float rounding;
 * a piece containing the whole range gets exactly 1). When the range has no measure (hi ≤ lo:
 * S and E differ only past the 8-byte window), the piece containing `start` gets everything.
 */
export function overlapWeights(start: Key, end: Key, pieces: readonly { start: Key; end: Key }[]): number[] {
  const s = checkKey("start", start) ?? NO_BYTES;
  const e = checkKey("end", end);
  if (e !== null && compareBytes(s, e) >= 0) throw new RangeError("start must be below end");
  const bounds = checkPieces(pieces);
  const p = e === null ? 0 : commonPrefixLength(s, e);
  const lo = windowValue(s, p);
  const hi = e === null ? U64_MAX : windowValue(e, p);
  if (hi <= lo) return bounds.map((piece) => (containsStart(piece, s) ? 1 : 0));
  const span = hi - lo;
  const position = (x: Uint8Array): bigint => {
    if (compareBytes(x, s) <= 0) return lo;
    if (e !== null && compareBytes(x, e) >= 0) return hi;
    const v = windowValue(x, p);
    return v < lo ? lo : v > hi ? hi : v;
  };
  return bounds.map((piece) => {
    const a = piece.start === null ? lo : position(piece.start);
    const b = piece.end === null ? hi : position(piece.end);
    return b <= a ? 0 : b - a === span ? 1 : Number(b - a) / Number(span);
  });
}

/**
 * Splits the integer `total` into non-negative integers proportional to `weights` that sum to
 * exactly `total` (largest remainder; ties go to the lowest index). A larger weight never gets a
 * smaller share than a smaller weight.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (typeof total !== "number" || !Number.isSafeInteger(total) || total < 0) {
    throw new RangeError(`total must be a non-negative safe integer, got ${total}`);
  }
  if (!Array.isArray(weights)) throw new TypeError("weights must be an array of numbers");
  let sum = 0;
  weights.forEach((w, i) => {
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new RangeError(`weights[${i}] must be a finite number ≥ 0, got ${w}`);
    }
    sum += w;
  });
  if (total === 0) return weights.map(() => 0);
  if (!(sum > 0)) throw new RangeError("weights must have a positive sum to apportion a non-zero total");
  const quotas = weights.map((w) => (total * w) / sum);
  const shares = quotas.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  // Order by remainder, largest first; on ties the larger weight first (near 2^53 two different
  // weights can round to one quota, and the larger must not get less), then the lowest index. The
  // float quotas can be off by a unit there, so `left` may also be negative (take back from the
  // smallest remainders, smaller weights first).
  const order = quotas
    .map((_, i) => i)
    .sort((i, j) => quotas[j]! - shares[j]! - (quotas[i]! - shares[i]!) || weights[j]! - weights[i]! || i - j);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) shares[order[k]!]!++;
  for (let k = order.length - 1; left < 0; k = (k - 1 + order.length) % order.length) {
    const i = order[k]!;
    if (shares[i]! > 0) {
      shares[i]!--;
      left++;
    }
  }
  return shares;
}

function containsStart(piece: { start: Key; end: Key }, s: Uint8Array): boolean {
  const afterStart = piece.start === null || compareBytes(piece.start, s) <= 0;
  return afterStart && (piece.end === null || compareBytes(s, piece.end) < 0);
}

// Normalised copies of the bounds (empty start = lowest, empty end = unbounded, both `null`).
function checkPieces(pieces: readonly { start: Key; end: Key }[]): { start: Key; end: Key }[] {
  if (!Array.isArray(pieces)) throw new TypeError("pieces must be an array");
  const bounds = pieces.map((piece, i) => {
    if (typeof piece !== "object" || piece === null) throw new TypeError(`pieces[${i}] must be an object`);
    return { start: checkKey(`pieces[${i}].start`, piece.start), end: checkKey(`pieces[${i}].end`, piece.end) };
  });
  for (let i = 1; i < bounds.length; i++) {
    const prevEnd = bounds[i - 1]!.end;
    const start = bounds[i]!.start;
    if (prevEnd === null || start === null || compareBytes(prevEnd, start) !== 0) {
      throw new RangeError(`pieces[${i - 1}] and pieces[${i}] must be contiguous`);
    }
  }
  return bounds;
}
