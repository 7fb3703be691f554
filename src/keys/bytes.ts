// Byte-order helpers for keys and route bounds. Internal: callers pass well-formed values, so
// nothing here validates; these run on merge/sort paths and are kept allocation-free.
import type { Key } from "../types.js";

/** Lexicographic byte order; a proper prefix sorts first. Returns <0, 0 or >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Orders start bounds: `null` (and empty) is the lowest key. */
export function compareStart(a: Key, b: Key): number {
  const aLow = a === null || a.length === 0;
  const bLow = b === null || b.length === 0;
  if (aLow || bLow) return aLow === bLow ? 0 : aLow ? -1 : 1;
  return compareBytes(a, b);
}

/** Orders end bounds: `null` (and empty) is +infinity. */
export function compareEnd(a: Key, b: Key): number {
  const aInf = a === null || a.length === 0;
  const bInf = b === null || b.length === 0;
  if (aInf || bInf) return aInf === bInf ? 0 : aInf ? 1 : -1;
  return compareBytes(a, b);
}

/** True when `start ≤ key < end` (null start = lowest, null or empty end = unbounded). */
export function keyInRange(key: Uint8Array, start: Key, end: Key): boolean {
  if (start !== null && start.length > 0 && compareBytes(key, start) < 0) return false;
  return end === null || end.length === 0 || compareBytes(key, end) < 0;
}

/** Length of the longest common prefix of `a` and `b`. */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
