// Argument checks shared by the public APIs. Each throws TypeError (wrong kind of value) or
// RangeError (right kind, wrong value) with a message that names the argument.

import type { Key } from "./types.js";

export function checkId(name: string, v: unknown): number {
  if (typeof v !== "number") throw new TypeError(`${name} must be a number, got ${typeof v}`);
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${v}`);
  return v;
}

/**
 * A key argument: `null`/`undefined` and the empty key become `null`; anything else must be a
 * Uint8Array of at most `maxBytes`. Never copies: a caller that keeps the key copies it
 * (`copyKey`), so that later changes by its owner cannot reach in.
 */
export function checkKey(name: string, v: unknown, maxBytes = Infinity): Key {
  if (v === null || v === undefined) return null;
  if (!(v instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array or null`);
  if (v.length > maxBytes) throw new RangeError(`${name} is ${v.length} bytes, more than the ${maxBytes} allowed`);
  return v.length === 0 ? null : v;
}

/** A private copy of a key (null stays null). */
export function copyKey(k: Key): Key {
  return k === null ? null : k.slice();
}

export function checkString(name: string, v: unknown): string {
  if (typeof v !== "string") throw new TypeError(`${name} must be a string, got ${typeof v}`);
  return v;
}

export function checkFiniteNumber(name: string, v: unknown): number {
  if (typeof v !== "number") throw new TypeError(`${name} must be a number, got ${typeof v}`);
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite number, got ${v}`);
  return v;
}

/** A number that must be an integer: a fraction, NaN or an infinity is a RangeError. */
export function checkInteger(name: string, v: unknown): asserts v is number {
  if (typeof v !== "number") throw new TypeError(`${name} must be an integer, got ${typeof v} ${String(v)}`);
  if (!Number.isInteger(v)) throw new RangeError(`${name} must be an integer, got ${v}`);
}

/**
 * A positive integer option (SPEC §3): missing or non-positive values fall back to `fallback`,
 * integers above `max` are clamped to it, and a fraction or an infinity is a RangeError naming
 * the option, whatever its size (a fraction used to be floored: `stepMs: 0.5` became 0 and
 * flushed ~900 times a second; `stepMs: Infinity` became a step of 285 000 years).
 */
export function positiveOption(name: string, v: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number") throw new TypeError(`${name} must be a number`);
  if (Number.isNaN(v)) throw new RangeError(`${name} must be an integer, got NaN`);
  if (v <= 0) return fallback;
  if (!Number.isInteger(v)) throw new RangeError(`${name} must be an integer, got ${v}`);
  return Math.min(v, max);
}

/**
 * The character of `label` that bucket ids reserve, if any: `route:<id>[:<label>][#<sub>]` (SPEC
 * §5) could not be read back with a `:` in a label, and a `#` would read as a sub-bucket (hot-keys
 * queries by bucket_id and the viewer's drill-down parse it so).
 */
export function reservedCharIn(label: string): ":" | "#" | undefined {
  if (label.includes(":")) return ":";
  if (label.includes("#")) return "#";
  return undefined;
}
