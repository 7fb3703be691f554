import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DEFAULT_SEED, GeometricGaps } from "../../src/hotkeys/sampling.js";

/**
 * Reference model: the same xorshift32 words, each mapped to its gap by a linear search of the
 * geometric CDF computed from the formula (no table, no buckets); a word beyond the first 4R
 * gaps adds 4R and takes the next word (memorylessness).
 */
function referenceGaps(rate: number, seed: number, count: number): number[] {
  let state = seed >>> 0 || DEFAULT_SEED;
  const word = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const limit = 4 * rate;
  const cdf = (g: number): number => Math.floor(-Math.expm1(g * Math.log1p(-1 / rate)) * 2 ** 32);
  const out: number[] = [];
  while (out.length < count) {
    if (rate === 1) {
      out.push(1);
      continue;
    }
    let skipped = 0;
    for (;;) {
      const x = word();
      let g = 1;
      while (g <= limit && x >= cdf(g)) g++;
      if (g <= limit) {
        out.push(skipped + g);
        break;
      }
      skipped += limit;
    }
  }
  return out;
}

function draw(gaps: GeometricGaps, count: number): number[] {
  return Array.from({ length: count }, () => gaps.next());
}

describe("GeometricGaps", () => {
  it("draws the reference model's gaps for any rate and seed", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1024 })),
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        (rate, seed) => {
          expect(draw(new GeometricGaps(rate, seed), 300)).toEqual(referenceGaps(rate, seed, 300));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("maps the words at and around every CDF step to the reference gap", () => {
    for (const rate of [2, 3, 16, 97, 1024]) {
      const gaps = new GeometricGaps(rate);
      const limit = 4 * rate;
      const steps = [
        0,
        ...Array.from({ length: limit }, (_, i) => Math.floor(-Math.expm1((i + 1) * Math.log1p(-1 / rate)) * 2 ** 32)),
      ];
      const cdf = (g: number): number => steps[g]!;
      const reference = (x: number): number => {
        let g = 1;
        while (g <= limit && x >= cdf(g)) g++;
        return g <= limit ? g : 0;
      };
      for (let g = 1; g <= limit; g++) {
        for (const x of [cdf(g) - 1, cdf(g), cdf(g) + 1]) {
          if (x >= 0 && x < 2 ** 32) expect(gaps.gapOf(x)).toBe(reference(x));
        }
      }
      for (const x of [0, 1, 2 ** 31, 2 ** 32 - 1]) expect(gaps.gapOf(x)).toBe(reference(x));
      // The first word of every table bucket (up to 8192 buckets) and the word before it.
      for (let b = 1; b < 8192; b++) {
        const x = b * 2 ** 19;
        expect([gaps.gapOf(x - 1), gaps.gapOf(x)]).toEqual([reference(x - 1), reference(x)]);
      }
    }
  });

  it("always answers 1 when R = 1", () => {
    expect(draw(new GeometricGaps(1, 5), 50)).toEqual(new Array(50).fill(1));
  });

  it("is reproducible: the same seed gives the same gaps, another seed others", () => {
    const a = draw(new GeometricGaps(16, 42), 1000);
    expect(draw(new GeometricGaps(16, 42), 1000)).toEqual(a);
    expect(draw(new GeometricGaps(16, 43), 1000)).not.toEqual(a);
  });

  it.each([2, 3, 16, 100, 1024])("gaps are geometric with mean R = %i (mean, P(1), tail beyond 4R)", (rate) => {
    const n = 200_000;
    const gaps = draw(new GeometricGaps(rate, 12345), n);
    const p = 1 / rate;
    const mean = gaps.reduce((s, g) => s + g, 0) / n;
    const sd = Math.sqrt((1 - p) / (p * p) / n);
    expect(Math.abs(mean - rate)).toBeLessThan(5 * sd);
    const ones = gaps.filter((g) => g === 1).length;
    expect(Math.abs(ones - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)) + 1);
    // Gaps longer than the table (4R) come from redraws: P(gap > 4R) = (1 − p)^(4R).
    const tailP = (1 - p) ** (4 * rate);
    const tail = gaps.filter((g) => g > 4 * rate).length;
    expect(Math.abs(tail - n * tailP)).toBeLessThan(5 * Math.sqrt(n * tailP * (1 - tailP)) + 1);
    // Chi-square over 8 equal-probability bins of the geometric CDF.
    const edges = Array.from({ length: 7 }, (_, k) => Math.ceil(Math.log(1 - (k + 1) / 8) / Math.log(1 - p)));
    const cdfAt = (g: number): number => 1 - (1 - p) ** g;
    const bins = new Array(8).fill(0);
    for (const g of gaps) {
      let b = 0;
      while (b < 7 && g > edges[b]!) b++;
      bins[b]++;
    }
    let chi = 0;
    let prev = 0;
    for (let b = 0; b < 8; b++) {
      const at = b < 7 ? cdfAt(edges[b]!) : 1;
      const expected = n * (at - prev);
      prev = at;
      if (expected > 0) chi += (bins[b] - expected) ** 2 / expected;
    }
    expect(chi).toBeLessThan(30); // 7 degrees of freedom: P(χ² > 30) ≈ 1e−4
  });
});
