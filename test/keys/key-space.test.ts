import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { apportion, overlapWeights } from "../../src/keys/key-space.js";
import { compareBytes } from "../../src/keys/bytes.js";
import type { Key } from "../../src/types.js";

const b = (...bytes: number[]) => Uint8Array.from(bytes);
const enc = (s: string) => new TextEncoder().encode(s);

/** Pieces tiling [start, end) at the given interior cut keys (sorted, strictly inside). */
function tile(start: Key, end: Key, cuts: Uint8Array[]): { start: Key; end: Key }[] {
  const bounds: Key[] = [start, ...cuts, end];
  return bounds.slice(0, -1).map((s, i) => ({ start: s, end: bounds[i + 1]! }));
}

const key = fc.uint8Array({ minLength: 1, maxLength: 12 });
/** A range [start, end) (either bound may be open) and sorted distinct cut keys inside it. */
const rangeWithCuts = fc.tuple(fc.option(key), fc.option(key), fc.array(key, { maxLength: 6 })).map(([s, e, ks]) => {
  let start: Key = s;
  let end: Key = e;
  if (start !== null && end !== null) {
    const c = compareBytes(start, end);
    if (c === 0) end = null;
    else if (c > 0) [start, end] = [end, start];
  }
  const inside = (k: Uint8Array) =>
    (start === null || compareBytes(start, k) < 0) && (end === null || compareBytes(k, end) < 0);
  const cuts = ks
    .filter(inside)
    .sort(compareBytes)
    .filter((k, i, a) => i === 0 || compareBytes(a[i - 1]!, k) !== 0);
  return { start, end, cuts };
});

describe("overlapWeights", () => {
  it("measures on the window after the common prefix", () => {
    // [0x00, 0x40) cut at 0x10, 0x20, 0x30: four equal quarters (the SPEC §3.1 vector).
    const w = overlapWeights(b(0x00), b(0x40), tile(b(0x00), b(0x40), [b(0x10), b(0x20), b(0x30)]));
    expect(w).toEqual([0.25, 0.25, 0.25, 0.25]);
    // Common prefix "user/" is skipped: "user/a".."user/c" cut at "user/b" is half and half.
    expect(overlapWeights(enc("user/a"), enc("user/c"), tile(enc("user/a"), enc("user/c"), [enc("user/b")]))).toEqual([
      0.5, 0.5,
    ]);
    // The whole key space cut at 0x80: half and half (up to one unit in 2^64).
    const half = overlapWeights(null, null, tile(null, null, [b(0x80)]));
    expect(half[0]).toBeCloseTo(0.5, 15);
    expect(half[1]).toBeCloseTo(0.5, 15);
  });
  it("gives a piece containing the range exactly 1 and pieces outside 0", () => {
    const pieces = tile(null, null, [enc("c"), enc("m"), enc("x")]);
    expect(overlapWeights(enc("d"), enc("k"), pieces)).toEqual([0, 1, 0, 0]);
    expect(overlapWeights(enc("m"), enc("x"), pieces)).toEqual([0, 0, 1, 0]);
    expect(overlapWeights(null, enc("c"), pieces)).toEqual([1, 0, 0, 0]);
    expect(overlapWeights(enc("x"), null, pieces)).toEqual([0, 0, 0, 1]);
  });
  it("gives everything to the piece holding start when the measure is degenerate", () => {
    // "a" and "a\0" differ only in padding: hi = lo.
    expect(
      overlapWeights(enc("a"), b(0x61, 0), [
        { start: null, end: enc("a") },
        { start: enc("a"), end: null },
      ]),
    ).toEqual([0, 1]);
    const s = b(1, 0, 0, 0, 0, 0, 0, 0, 0, 5);
    const e = b(1, 0, 0, 0, 0, 0, 0, 0, 0, 9);
    expect(overlapWeights(null, null, [])).toEqual([]);
    // Common prefix is 9 bytes here so the window is non-degenerate: 5 → 9, cut at 7: half each.
    expect(overlapWeights(s, e, tile(s, e, [b(1, 0, 0, 0, 0, 0, 0, 0, 0, 7)]))).toEqual([0.5, 0.5]);
    const s2 = b(1, 2);
    const e2 = b(1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1); // differs from s2 only past the window
    expect(overlapWeights(s2, e2, tile(s2, e2, [b(1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9)]))).toEqual([1, 0]);
  });
  it("validates its arguments", () => {
    expect(() => overlapWeights(enc("b"), enc("a"), [])).toThrow(RangeError);
    expect(() => overlapWeights("a" as never, null, [])).toThrow(TypeError);
    expect(() =>
      overlapWeights(null, null, [
        { start: null, end: enc("a") },
        { start: enc("b"), end: null },
      ]),
    ).toThrow(/contiguous/);
    expect(() => overlapWeights(null, null, {} as never)).toThrow(TypeError);
  });
  it("sums to 1 over pieces tiling the range, each weight in [0, 1]", () => {
    fc.assert(
      fc.property(rangeWithCuts, ({ start, end, cuts }) => {
        const w = overlapWeights(start, end, tile(start, end, cuts));
        for (const x of w) expect(x >= 0 && x <= 1).toBe(true);
        expect(Math.abs(w.reduce((a, x) => a + x, 0) - 1)).toBeLessThan(1e-9);
      }),
      { numRuns: 500 },
    );
  });
  it("is monotone: moving a split key up never shrinks the left piece", () => {
    fc.assert(
      fc.property(rangeWithCuts, key, key, ({ start, end }, k1, k2) => {
        const inside = (k: Uint8Array) =>
          (start === null || compareBytes(start, k) < 0) && (end === null || compareBytes(k, end) < 0);
        fc.pre(inside(k1) && inside(k2));
        const [lo, hi] = compareBytes(k1, k2) <= 0 ? [k1, k2] : [k2, k1];
        const left = (cut: Uint8Array) => overlapWeights(start, end, tile(start, end, [cut]))[0]!;
        expect(left(lo)).toBeLessThanOrEqual(left(hi));
      }),
      { numRuns: 500 },
    );
  });
  it("weights a sub-range of a wider tiling consistently (merge gives exact shares)", () => {
    fc.assert(
      fc.property(rangeWithCuts, fc.nat(), fc.nat(), fc.nat({ max: 1e9 }), ({ start, end, cuts }, i, j, total) => {
        // Old routes = tile(start, end, cuts); merging all of them into one piece gives each
        // old route's total wholly to the merged piece.
        const old = tile(start, end, cuts);
        const r = old[i % old.length]!;
        expect(overlapWeights(r.start, r.end, [{ start, end }])).toEqual([1]);
        expect(apportion(total, overlapWeights(r.start, r.end, [{ start, end }]))).toEqual([total]);
        // Merging two neighbours: the old route inside gets its whole total in the merged piece.
        if (old.length >= 2) {
          const k = j % (old.length - 1);
          const merged = [...old.slice(0, k), { start: old[k]!.start, end: old[k + 1]!.end }, ...old.slice(k + 2)];
          const w = overlapWeights(old[k]!.start, old[k]!.end, merged);
          expect(apportion(total, w)).toEqual(merged.map((_, m) => (m === k ? total : 0)));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("apportion", () => {
  it("uses the largest remainder with ties to the lowest index", () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(apportion(7, [0.5, 0.25, 0.25])).toEqual([3, 2, 2]); // quotas 3.5, 1.75, 1.75
    expect(apportion(0, [0, 0])).toEqual([0, 0]);
    expect(apportion(5, [0, 3])).toEqual([0, 5]);
    expect(apportion(2 ** 53 - 1, [1, 1])).toEqual([2 ** 52, 2 ** 52 - 1]);
  });
  it("validates its arguments", () => {
    expect(() => apportion(1.5, [1])).toThrow(RangeError);
    expect(() => apportion(-1, [1])).toThrow(RangeError);
    expect(() => apportion(3, [0, 0])).toThrow(/positive sum/);
    expect(() => apportion(3, [1, -1])).toThrow(/weights\[1\]/);
    expect(() => apportion(3, [NaN])).toThrow(RangeError);
    expect(() => apportion(3, "x" as never)).toThrow(TypeError);
  });
  const weights = fc
    .array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(0)), { minLength: 1, maxLength: 12 })
    .filter((w) => w.reduce((a, x) => a + x, 0) > 0);
  const total = fc.oneof(fc.nat({ max: 1000 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }));
  it("conserves the total exactly, stays within one of each quota, and is monotone in weight", () => {
    fc.assert(
      fc.property(total, weights, (t, w) => {
        const shares = apportion(t, w);
        expect(shares.reduce((a, x) => a + x, 0)).toBe(t);
        const sum = w.reduce((a, x) => a + x, 0);
        shares.forEach((s, i) => {
          expect(Number.isInteger(s) && s >= 0).toBe(true);
          if (t <= 1e12) expect(Math.abs(s - (t * w[i]!) / sum)).toBeLessThan(1 + 1e-6);
          if (w[i] === 0 && t <= 1e12) expect(s).toBe(0);
        });
        for (let i = 0; i < w.length; i++) {
          for (let j = 0; j < w.length; j++) {
            if (w[i]! > w[j]!) expect(shares[i]!).toBeGreaterThanOrEqual(shares[j]!);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
  it("near 2^53 a larger weight never gets less, even when both quotas round to one float", () => {
    // Found by the property above (seed -943531845): the tie went to the lower index.
    const shares = apportion(8055723257389139, [0.9999999999999983, 0.9999999999999984, 0]);
    expect(shares[1]!).toBeGreaterThanOrEqual(shares[0]!);
    expect(shares[0]! + shares[1]!).toBe(8055723257389139);
  });
  it("apportioned over a split conserves the parent's total", () => {
    fc.assert(
      fc.property(rangeWithCuts, fc.nat({ max: 1e9 }), ({ start, end, cuts }, t) => {
        const shares = apportion(t, overlapWeights(start, end, tile(start, end, cuts)));
        expect(shares.reduce((a, x) => a + x, 0)).toBe(t);
      }),
      { numRuns: 300 },
    );
  });
});
