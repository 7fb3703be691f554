// The SPEC §3.1 window: w(x) at offset p is the 8 bytes of key x from p, big-endian, zero-padded
// past its end, read as a u64. Sub-buckets, route lookup and key-space measures all index by it.
// The hot paths read it as two u32 halves (numbers, no BigInt); the rest as one bigint.

import type { Key } from "../types.js";

/** Bytes in the window. */
export const WINDOW_BYTES = 8;

/** 2^64 − 1: the window of an unbounded end, and the largest unsigned 64-bit value. */
export const U64_MAX = (1n << 64n) - 1n;

/** High u32 of the window of `key` at `offset` (bytes offset .. offset + 3). */
export function windowHigh(key: Uint8Array, offset: number): number {
  const len = key.length;
  let hi = 0;
  for (let i = offset; i < offset + 4; i++) hi = hi * 256 + (i < len ? key[i]! : 0);
  return hi;
}

/** Low u32 of the window of `key` at `offset` (bytes offset + 4 .. offset + 7). */
export function windowLow(key: Uint8Array, offset: number): number {
  return windowHigh(key, offset + 4);
}

/** The window of `key` at `offset` as a u64; a null key reads as all zero. */
export function windowValue(key: Key, offset: number): bigint {
  if (key === null) return 0n;
  return (BigInt(windowHigh(key, offset)) << 32n) | BigInt(windowLow(key, offset));
}

/**
 * Where `key` falls against the `prefixLen` bytes of `prefix` from `at` (a range's common prefix):
 * negative when it sorts below every key sharing it (a differing lower byte, or `key` is a
 * proper prefix of it), positive when above, 0 when `key` starts with it.
 */
export function prefixSide(key: Uint8Array, prefix: Uint8Array, prefixLen: number, at = 0): number {
  const len = key.length;
  const n = len < prefixLen ? len : prefixLen;
  for (let i = 0; i < n; i++) {
    const d = key[i]! - prefix[at + i]!;
    if (d !== 0) return d;
  }
  return len < prefixLen ? -1 : 0;
}
