import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildMatrix, buildMatrixJs, buildMatrixTable } from "../../src/matrix/build.js";
import { matrixJsonBytes } from "../../src/matrix/json-writer.js";
import { layoutPivotFits } from "../../src/matrix/layout-pivot.js";
import type { RowMeta, SeriesView } from "../../src/types.js";

const enc = (s: string) => new TextEncoder().encode(s);
const NOW = Date.UTC(2026, 0, 2);

function meta(i: number, start: string | null, end: string | null, groupId: number, label = ""): RowMeta {
  return {
    bucketId: label === "" ? `route:${i}` : `route:${i}:${label}`,
    routeId: i,
    label,
    start: start === null ? null : enc(start),
    end: end === null ? null : enc(end),
    aggregate: false,
    memberRoutes: [i],
    memberRoutesTotal: 1,
    groupId,
    subBucket: 0,
    subBucketCount: 1,
  };
}

/**
 * Views whose columns repeat a few layouts, as the history hands them out: columns of one layout
 * share its meta ids and terms arrays. Layouts list their metas in any order (a merged output row
 * may then be several runs of a column), values (from `value`) are often zero, groups and terms
 * differ.
 */
const layoutViews = (value: fc.Arbitrary<number>) =>
  fc
    .record({
      cuts: fc.uniqueArray(fc.integer({ min: 98, max: 122 }), { maxLength: 12 }),
      labelled: fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
      groups: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 26, maxLength: 26 }),
      layouts: fc.array(
        fc.tuple(
          fc.shuffledSubarray([...Array(26).keys()]),
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 26, maxLength: 26 }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      columns: fc.array(fc.tuple(fc.nat(2), fc.array(value, { minLength: 26, maxLength: 26 })), {
        minLength: 24,
        maxLength: 40,
      }),
    })
    .map(({ cuts, labelled, groups, layouts, columns }): SeriesView => {
      const bounds = [null, ...cuts.sort((a, b) => a - b).map((c) => String.fromCharCode(c)), null];
      const metas: RowMeta[] = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        metas.push(meta(i, bounds[i]!, bounds[i + 1]!, groups[metas.length]!));
        if (labelled[i]) metas.push(meta(i, bounds[i]!, bounds[i + 1]!, groups[metas.length]!, "l"));
      }
      const shapes = layouts.map(([ids, terms]) => {
        const present = ids.filter((m) => m < metas.length);
        return { metaIds: Uint32Array.from(present), terms: Uint32Array.from(present, (_, i) => terms[i]!) };
      });
      return {
        series: "writes",
        metas,
        columns: columns.map(([pick, values], c) => {
          const shape = shapes[pick % shapes.length]!;
          return {
            windowStartMs: c * 1000,
            atMs: (c + 1) * 1000,
            metaIds: shape.metaIds,
            terms: shape.terms,
            values: Uint32Array.from(shape.metaIds, (_, i) => values[i]!),
          };
        }),
      };
    });

// Cells past 32 bits (sums of 0xffffffff): the pivot sums in f64.
const arbLayoutView = layoutViews(fc.constantFrom(0, 0, 1, 2, 7, 0xffffffff));

describe("the layout pivot (columns repeating a few layouts)", () => {
  it("property: builds what the JS oracle builds, at every row budget", () => {
    fc.assert(
      fc.property(arbLayoutView, fc.integer({ min: 1, max: 30 }), (v, budget) => {
        expect(layoutPivotFits(v.columns)).toBe(true);
        const opts = { rows: budget, nowMs: NOW };
        expect(buildMatrix(v, opts)).toEqual(buildMatrixJs(v, opts));
      }),
      { numRuns: 300 },
    );
  });

  it("property: its table's JSON is the oracle's JSON (rows of one identity are kept once per row)", () => {
    fc.assert(
      fc.property(arbLayoutView, fc.integer({ min: 1, max: 30 }), (v, budget) => {
        const opts = { rows: budget, nowMs: NOW };
        const json = new TextDecoder().decode(matrixJsonBytes(buildMatrixTable(v, opts)));
        expect(json).toBe(JSON.stringify(buildMatrixJs(v, opts)));
      }),
      { numRuns: 200 },
    );
  });

  it("property: with every row total below 2^31 (int32 sums), builds what the JS oracle builds", () => {
    fc.assert(
      fc.property(layoutViews(fc.constantFrom(0, 0, 1, 2, 7, 1000)), fc.integer({ min: 1, max: 30 }), (v, budget) => {
        const opts = { rows: budget, nowMs: NOW };
        expect(buildMatrix(v, opts)).toEqual(buildMatrixJs(v, opts));
      }),
      { numRuns: 200 },
    );
  });

  it("sums in f64 when a cell can reach 2^31 (int32 sums would wrap)", () => {
    // One row of two metas; the first cell is 2 · (2^31 − 1), the others 2^26 + 2^26.
    const metas = [meta(1, null, "b", 5), meta(2, "b", null, 5)];
    const metaIds = Uint32Array.of(0, 1);
    const terms = Uint32Array.of(4, 4);
    const big = 2 ** 26;
    const columns = Array.from({ length: 8 }, (_, c) => ({
      windowStartMs: c,
      atMs: c + 1,
      metaIds,
      terms,
      values: c === 0 ? Uint32Array.of(0x7fffffff, 0x7fffffff) : Uint32Array.of(big, big),
    }));
    const v: SeriesView = { series: "writes", metas, columns };
    const row = buildMatrix(v, { rows: 1, nowMs: NOW }).rows[0]!;
    expect(row.values).toEqual(columns.map((_, c) => (c === 0 ? 0xfffffffe : 2 * big)));
  });

  it("notices a zero in any column of a block of columns (only the non-zero members decide there)", () => {
    const metas = [meta(1, null, "b", 5), meta(2, "b", null, 6)];
    const metaIds = Uint32Array.of(0, 1);
    const terms = Uint32Array.of(4, 4);
    for (let zeroAt = 0; zeroAt < 8; zeroAt++) {
      const columns = Array.from({ length: 8 }, (_, c) => ({
        windowStartMs: c,
        atMs: c + 1,
        metaIds,
        terms,
        values: c === zeroAt ? Uint32Array.of(0, 5) : Uint32Array.of(2, 3),
      }));
      const v: SeriesView = { series: "writes", metas, columns };
      const row = buildMatrix(v, { rows: 1, nowMs: NOW }).rows[0]!;
      expect(row.raft_group_ids).toEqual(columns.map((_, c) => (c === zeroAt ? 6 : 0)));
      expect(row.leader_terms).toEqual(columns.map((_, c) => (c === zeroAt ? 4 : 0)));
    }
  });

  it("a row whose identity changes part-way keeps the earlier cells' identity", () => {
    const metas = [meta(1, null, "b", 5), meta(2, "b", null, 6)];
    const metaIds = Uint32Array.of(0, 1);
    const early = Uint32Array.of(4, 4);
    const late = Uint32Array.of(9, 4); // meta 0's term changes: a second layout from column 16
    const columns = Array.from({ length: 32 }, (_, c) => ({
      windowStartMs: c,
      atMs: c + 1,
      metaIds,
      terms: c < 16 ? early : late,
      // Column 10: only meta 1 is non-zero (its identity alone); elsewhere both: (0, 0) as they differ.
      values: c === 10 ? Uint32Array.of(0, 3) : Uint32Array.of(1, 2),
    }));
    const v: SeriesView = { series: "writes", metas, columns };
    const table = buildMatrixTable(v, { rows: 1, nowMs: NOW });
    expect(table.identity?.perCell[0]).toBe(1);
    const row = buildMatrix(v, { rows: 1, nowMs: NOW }).rows[0]!;
    expect(row.raft_group_ids).toEqual(columns.map((_, c) => (c === 10 ? 6 : 0)));
    expect(row.leader_terms).toEqual(columns.map((_, c) => (c === 10 ? 4 : 0)));
    const split = buildMatrix(v, { rows: 2, nowMs: NOW }).rows;
    expect(split[0]!.leader_terms).toEqual(columns.map((_, c) => (c < 16 ? 4 : 9)));
    expect(split[1]!.leader_terms).toEqual(columns.map(() => 4));
    expect(buildMatrix(v, { rows: 2, nowMs: NOW })).toEqual(buildMatrixJs(v, { rows: 2, nowMs: NOW }));
  });

  it("identity of a row mixing zero and non-zero members: the non-zero members decide", () => {
    const metas = [meta(1, null, "b", 5), meta(2, "b", "c", 6), meta(3, "c", null, 5)];
    const metaIds = Uint32Array.of(2, 0, 1); // row order 0,1,2 — but the column lists 2 first
    const terms = Uint32Array.of(4, 4, 4);
    const cells = [
      [1, 1, 0], // metas 2 and 0 non-zero: both (5, 4)
      [0, 0, 9], // only meta 1: (6, 4)
      [0, 0, 0], // all zero: groups differ → (0, 0)
      [3, 0, 3], // metas 2 and 1 non-zero: differ → (0, 0)
    ];
    const columns = Array.from({ length: 32 }, (_, c) => ({
      windowStartMs: c,
      atMs: c + 1,
      metaIds,
      terms,
      values: Uint32Array.of(...cells[c % 4]!),
    }));
    const v: SeriesView = { series: "writes", metas, columns };
    expect(layoutPivotFits(v.columns)).toBe(true);
    const row = buildMatrix(v, { rows: 1, nowMs: NOW }).rows[0]!;
    expect(row.values.slice(0, 4)).toEqual([2, 9, 0, 6]);
    expect(row.raft_group_ids.slice(0, 4)).toEqual([5, 6, 0, 0]);
    expect(row.leader_terms.slice(0, 4)).toEqual([4, 4, 0, 0]);
  });

  it("is not used for f64 columns or for columns that each have their own layout", () => {
    const ids = Uint32Array.of(0);
    const terms = Uint32Array.of(1);
    const same = Array.from({ length: 16 }, (_, c) => ({
      windowStartMs: c,
      atMs: c + 1,
      metaIds: ids,
      terms,
      values: Uint32Array.of(c),
    }));
    expect(layoutPivotFits(same)).toBe(true);
    expect(layoutPivotFits(same.map((c) => ({ ...c, values: Float64Array.from(c.values) })))).toBe(false);
    expect(layoutPivotFits(same.map((c) => ({ ...c, metaIds: Uint32Array.of(0) })))).toBe(false);
  });
});
