import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { commonPrefixLength, compareBytes, compareEnd, compareStart, keyInRange } from "../../src/keys/bytes.js";

const bytes = (...b: number[]) => Uint8Array.from(b);
// Small alphabet so equal bytes and shared prefixes are common.
const keyArb = fc.uint8Array({ maxLength: 12, min: 0, max: 3 });
const anyKeyArb = fc.oneof(keyArb, fc.uint8Array({ maxLength: 20 }));
const sign = (n: number) => Math.sign(n);

describe("compareBytes", () => {
  it("orders shorter prefixes first", () => {
    expect(compareBytes(bytes(1), bytes(1, 0))).toBeLessThan(0);
    expect(compareBytes(bytes(), bytes(0))).toBeLessThan(0);
    expect(compareBytes(bytes(2), bytes(1, 0xff))).toBeGreaterThan(0);
    expect(compareBytes(bytes(1, 2), bytes(1, 2))).toBe(0);
  });

  it("agrees with Buffer.compare", () => {
    fc.assert(
      fc.property(anyKeyArb, anyKeyArb, (a, b) => {
        expect(sign(compareBytes(a, b))).toBe(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      }),
    );
  });
});

describe("bound comparisons", () => {
  it("null start is lowest, null end is highest, empty behaves like null", () => {
    expect(compareStart(null, bytes())).toBe(0);
    expect(compareStart(null, bytes(0))).toBeLessThan(0);
    expect(compareStart(bytes(0), null)).toBeGreaterThan(0);
    expect(compareEnd(null, bytes(0xff, 0xff))).toBeGreaterThan(0);
    expect(compareEnd(bytes(), null)).toBe(0);
    expect(compareEnd(bytes(1), null)).toBeLessThan(0);
    expect(compareEnd(bytes(1), bytes(2))).toBeLessThan(0);
  });
});

describe("keyInRange", () => {
  it("is start ≤ key < end with null/empty meaning open", () => {
    expect(keyInRange(bytes(), null, null)).toBe(true);
    expect(keyInRange(bytes(1), bytes(1), bytes(2))).toBe(true);
    expect(keyInRange(bytes(2), bytes(1), bytes(2))).toBe(false);
    expect(keyInRange(bytes(0), bytes(1), null)).toBe(false);
    expect(keyInRange(bytes(9), bytes(1), bytes())).toBe(true);
  });

  it("matches the comparison model", () => {
    const bound = fc.option(keyArb, { nil: null });
    fc.assert(
      fc.property(keyArb, bound, bound, (key, start, end) => {
        const model = compareStart(start, key) <= 0 && (end === null || end.length === 0 || compareBytes(key, end) < 0);
        expect(keyInRange(key, start, end)).toBe(model);
      }),
    );
  });
});

describe("commonPrefixLength", () => {
  it("is the longest shared prefix", () => {
    fc.assert(
      fc.property(anyKeyArb, anyKeyArb, (a, b) => {
        const p = commonPrefixLength(a, b);
        expect(Buffer.from(a.subarray(0, p)).equals(Buffer.from(b.subarray(0, p)))).toBe(true);
        if (p < a.length && p < b.length) expect(a[p]).not.toBe(b[p]);
        else expect(p).toBe(Math.min(a.length, b.length));
      }),
    );
  });
});
