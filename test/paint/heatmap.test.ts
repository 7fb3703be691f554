// The pixel painter without a browser: transparency of zero cells, max pooling, hatching, and a
// replay step painting exactly what a full paint would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { paintHeatmap, pixelSpan, type HeatLayer } from "../../src/paint/heatmap.js";
import { sequentialLut, divergingLut } from "../../src/paint/palette.js";
import { colourIndex, fastLog2p1, makeScale } from "../../src/paint/scale.js";

function layerOf(values: number[][], conflicts?: number[][]): HeatLayer {
  const rows = values.length;
  const cols = values[0]!.length;
  return {
    values: Float64Array.from(values.flat()),
    stride: cols,
    r0: 0,
    r1: rows,
    c0: 0,
    c1: cols,
    conflicts: conflicts ? Uint8Array.from(conflicts.flat()) : null,
  };
}

describe("paintHeatmap", () => {
  const lut = sequentialLut("viridis");

  it("leaves zero cells transparent and colours every non-zero cell, the largest with the top colour", () => {
    const layer = layerOf([
      [0, 1, 10],
      [100, 0, 1000],
    ]);
    const px = new Uint32Array(6);
    paintHeatmap(px, 3, 2, layer, makeScale("log", false, 1000, 1), lut);
    expect(px[0]).toBe(0);
    expect(px[4]).toBe(0);
    for (const i of [1, 2, 3, 5]) expect(px[i]! >>> 24).toBeGreaterThan(0);
    expect(px[5]).toBe(lut[255]);
  });

  it("shows a single hot cell however many columns share its pixel (max pooling)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 20, max: 400 }),
        (col, row, width) => {
          const values = new Float64Array(100 * 1440);
          values[row * 1440 + col] = 5;
          const layer: HeatLayer = { values, stride: 1440, r0: 0, r1: 100, c0: 0, c1: 1440, conflicts: null };
          const px = new Uint32Array(width * 50);
          paintHeatmap(px, width, 50, layer, makeScale("linear", false, 5, 1), lut);
          expect(px.filter((p) => p === lut[255]).length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a replay step painting only the new pixel columns gives the same picture as a full paint", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 3, max: 60 }),
        fc.nat(),
        (rows, cols, width, height, seed) => {
          const values = Array.from({ length: rows }, (_, r) =>
            Array.from({ length: cols }, (_, c) => ((r * 31 + c * 17 + seed) % 7 === 0 ? 0 : (r * c + seed) % 50)),
          );
          const layer = layerOf(values);
          const scale = makeScale("log", false, 50, 1);
          const a = 1 + (seed % cols);
          const b = Math.min(cols, a + 1 + (seed % 5));
          const full = new Uint32Array(width * height);
          paintHeatmap(full, width, height, { ...layer, reveal: b }, scale, lut);
          const stepped = new Uint32Array(width * height);
          paintHeatmap(stepped, width, height, { ...layer, reveal: a }, scale, lut);
          const [x0, x1] = pixelSpan(a, b, cols, width);
          paintHeatmap(stepped, width, height, { ...layer, reveal: b }, scale, lut, x0, x1);
          expect(stepped).toEqual(full);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("hatches the cells flagged as conflicting, and only those", () => {
    const layer = layerOf(
      [
        [5, 5],
        [5, 5],
      ],
      [
        [1, 0],
        [0, 0],
      ],
    );
    const px = new Uint32Array(24 * 24);
    paintHeatmap(px, 24, 24, layer, makeScale("linear", false, 5, 1), lut);
    const stripes = (x0: number, y0: number): number => {
      let n = 0;
      for (let y = y0; y < y0 + 12; y++) for (let x = x0; x < x0 + 12; x++) if (px[y * 24 + x] !== lut[255]) n++;
      return n;
    };
    expect(stripes(0, 0)).toBeGreaterThan(30);
    expect(stripes(12, 0) + stripes(0, 12) + stripes(12, 12)).toBe(0);
  });

  it("diverging: negatives below the middle of the table, positives above, zero transparent", () => {
    const scale = makeScale("linear", true, 10, 1);
    expect(colourIndex(scale, 0)).toBe(0);
    expect(colourIndex(scale, -10)).toBe(1);
    expect(colourIndex(scale, 10)).toBe(255);
    expect(colourIndex(scale, -0.01)).toBeLessThan(128);
    expect(colourIndex(scale, 0.01)).toBeGreaterThan(128);
    expect(divergingLut()[128]).toBe(0);
  });
});

describe("fastLog2p1", () => {
  it("is within 0.008 of log2(1 + x) and monotone", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e15, noNaN: true }),
        fc.double({ min: 0, max: 1e15, noNaN: true }),
        (a, b) => {
          expect(Math.abs(fastLog2p1(a) - Math.log2(1 + a))).toBeLessThan(0.008);
          if (a < b) expect(fastLog2p1(a)).toBeLessThanOrEqual(fastLog2p1(b));
        },
      ),
    );
  });
});
