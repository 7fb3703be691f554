// Column widths from column times: tiers draw wider, odd single intervals do not distort, and the
// pixel spans and lookups agree with the widths.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { columnAt, columnEdges, columnStart, spansByEdges } from "../../src/paint/column-edges.js";
import { paintHeatmap, pixelSpan } from "../../src/paint/heatmap.js";
import { sequentialLut } from "../../src/paint/palette.js";
import { makeScale } from "../../src/paint/scale.js";

const widths = (e: Float64Array | null) => (e === null ? null : [...e.subarray(1)].map((x, i) => x - e[i]!));

describe("columnEdges", () => {
  it("is null for equal steps, so equal slots stay exact", () => {
    expect(columnEdges([1000, 2000, 3000, 4000], 0, 4)).toBeNull();
    expect(columnEdges([1000], 0, 1)).toBeNull();
  });

  it("gives tier columns their tier's width: 60 s, then 10 s, then 1 s columns", () => {
    const times = [60_000, 120_000, 180_000, 190_000, 200_000, 210_000, 211_000, 212_000, 213_000];
    expect(widths(columnEdges(times, 0, times.length))).toEqual([
      60_000, 60_000, 60_000, 10_000, 10_000, 10_000, 1000, 1000, 1000,
    ]);
    expect(widths(columnEdges(times, 2, 7))).toEqual([60_000, 10_000, 10_000, 10_000, 1000]);
  });

  it("does not stretch a gap (process down) nor drop a +1 ms anomaly column", () => {
    expect(columnEdges([1000, 2000, 3_600_000, 3_601_000, 3_602_000], 0, 5)).toBeNull();
    expect(columnEdges([1000, 2000, 2001, 3001, 4001], 0, 5)).toBeNull();
  });
});

describe("spans and lookups by edges", () => {
  const arbWidths = fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 });

  it("each pixel gets exactly the cells its x range overlaps; columnAt and columnStart agree", () => {
    fc.assert(
      fc.property(arbWidths, fc.integer({ min: 1, max: 120 }), (ws, px) => {
        const edges = new Float64Array(ws.length + 1);
        ws.forEach((w, i) => (edges[i + 1] = edges[i]! + w));
        const total = edges[ws.length]!;
        const { first, last } = spansByEdges(edges, px);
        for (let p = 0; p < px; p++) {
          const from = (p * total) / px;
          const to = ((p + 1) * total) / px;
          const expected: number[] = [];
          for (let c = 0; c < ws.length; c++) if (edges[c]! < to && edges[c + 1]! > from) expected.push(c);
          const got = Array.from({ length: last[p]! - first[p]! }, (_, i) => first[p]! + i);
          expect(got).toEqual(expected);
        }
        for (let c = 0; c < ws.length; c++) {
          const mid = (columnStart(edges, ws.length, c) + columnStart(edges, ws.length, c + 1)) / 2;
          expect(columnAt(edges, ws.length, mid)).toBe(c);
        }
        expect(columnStart(edges, ws.length, ws.length)).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it("paints a column nine times as wide on nine times the pixels, and a replay span covers it", () => {
    const lut = sequentialLut("viridis");
    const edges = Float64Array.from([0, 9, 10]);
    const layer = { values: Float64Array.from([1, 100]), stride: 2, r0: 0, r1: 1, c0: 0, c1: 2, conflicts: null };
    const px = new Uint32Array(100);
    paintHeatmap(px, 100, 1, { ...layer, xEdges: edges }, makeScale("linear", false, 100, 1), lut);
    expect(px.filter((p) => p === lut[255]).length).toBe(10);
    expect(px.subarray(0, 90).every((p) => p === px[0])).toBe(true);
    const [x0, x1] = pixelSpan(1, 2, 2, 100, edges);
    expect(x0).toBeLessThanOrEqual(90);
    expect(x1).toBe(100);
  });
});
