// Properties of the budgeted build (conservation, order, Wasm = JS) and of the greedy row plan.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildMatrixJs } from "../../src/matrix/build.js";
import { planRowGroups } from "../../src/matrix/row-budget.js";
import { planRowGroupsJs } from "../../src/matrix/kernels.js";
import { compareEnd, compareStart } from "../../src/keys/bytes.js";
import type { RowMeta, SeriesView } from "../../src/types.js";
import { decodeKey, type Matrix } from "../../src/wire/wire.js";
import { meta, col, view, NOW, build } from "./build-fixtures.js";

/** The greedy merge in its simplest form: O(n²), leftmost pair on ties. */
function referencePlan(totals: number[], budget: number): number[] {
  const groups = totals.map((t, i) => ({ first: i, total: t }));
  while (groups.length > budget) {
    let best = 0;
    for (let i = 1; i + 1 < groups.length; i++) {
      if (groups[i]!.total + groups[i + 1]!.total < groups[best]!.total + groups[best + 1]!.total) best = i;
    }
    groups[best]!.total += groups[best + 1]!.total;
    groups.splice(best + 1, 1);
  }
  return [...groups.map((g) => g.first), totals.length];
}

describe("greedy plan", () => {
  it("property: Wasm plan = JS port = O(n²) reference (with many ties)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 70 }),
        (totals, budget) => {
          const expected = referencePlan(totals, budget);
          expect([...planRowGroups(Float64Array.from(totals), budget)]).toEqual(expected);
          expect([...planRowGroupsJs(Float64Array.from(totals), budget)]).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("10 000 rows down to 1 024: the same plan as the JS port", () => {
    const totals = Float64Array.from(
      { length: 10_000 },
      (_, i) => ((i * 2654435761) % 1000) + (i % 97 === 0 ? 1e6 : 0),
    );
    const plan = planRowGroups(totals, 1024);
    expect(plan.length).toBe(1025);
    expect(plan[1024]).toBe(10_000);
    expect([...plan]).toEqual([...planRowGroupsJs(totals, 1024)]);
  });
});

// Random proper key axis: sorted distinct single-byte boundaries, some routes labeled, some split.
const arbView = fc
  .record({
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { minLength: 1, maxLength: 25 }),
    labeled: fc.array(fc.boolean(), { minLength: 26, maxLength: 26 }),
    columns: fc.array(
      fc.array(fc.tuple(fc.nat(60), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3 })), {
        maxLength: 40,
      }),
      { maxLength: 8 },
    ),
  })
  .map(({ cuts, labeled, columns }) => {
    const bounds = [null, ...cuts.sort((a, b) => a - b).map((c) => String.fromCharCode(c)), null];
    const metas: RowMeta[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      metas.push(meta(i, bounds[i]!, bounds[i + 1]!, { groupId: 1 + (i % 3) }));
      if (labeled[i])
        metas.push(meta(i, bounds[i]!, bounds[i + 1]!, { bucketId: `route:${i}:l`, label: "l", groupId: 1 + (i % 3) }));
    }
    return view(
      metas,
      columns.map((cells, c) => {
        const seen = new Set<number>();
        const uniq = cells.filter(([m]) => m < metas.length && !seen.has(m) && seen.add(m));
        return col(1000 * (c + 1), uniq);
      }),
    );
  });

const sums = (m: Matrix) => m.column_unix_ms.map((_, j) => m.rows.reduce((s, r) => s + r.values[j]!, 0));

describe("properties of the budgeted build", () => {
  it("conserves column sums, keeps start order, never overlaps, merges contiguous runs; Wasm = JS", () => {
    fc.assert(
      fc.property(arbView, fc.integer({ min: 1, max: 40 }), (v, budget) => {
        const full = build(v, 100_000);
        const m = build(v, budget);
        // Labeled rows share their route's range; without them the input axis is proper and so must the output be.
        const properAxis = !full.rows.some((r) => r.label !== undefined);
        expect(buildMatrixJs(v, { rows: budget, nowMs: NOW })).toEqual(m);
        expect(m.rows.length).toBe(Math.min(budget, full.rows.length));
        expect(sums(m)).toEqual(sums(full));
        for (let i = 1; i < m.rows.length; i++) {
          const [prev, row] = [m.rows[i - 1]!, m.rows[i]!];
          const order = compareStart(decodeKey(prev.start), decodeKey(row.start));
          expect(order < 0 || (order === 0 && prev.bucket_id < row.bucket_id)).toBe(true);
          if (properAxis) expect(compareEnd(decodeKey(prev.end), decodeKey(row.start)) <= 0).toBe(true);
        }
        // Every budget row is one unbudgeted row or the sum of a contiguous run of them; the runs
        // partition the unbudgeted rows.
        const position = new Map(full.rows.map((r, i) => [r.bucket_id, i]));
        const runs = m.rows.map((row) => {
          const merged = /^merged:(.+)\.\.(route:.+)$/.exec(row.bucket_id);
          const [from, to] = merged
            ? [position.get(merged[1]!)!, position.get(merged[2]!)!]
            : [position.get(row.bucket_id)!, position.get(row.bucket_id)!];
          const members = full.rows.slice(from, to + 1);
          if (!merged) expect(row).toEqual(members[0]);
          else {
            expect(members.length).toBeGreaterThan(1);
            expect(row.values).toEqual(row.values.map((_, j) => members.reduce((s, r) => s + r.values[j]!, 0)));
            expect(row.start).toBe(members[0]!.start);
          }
          return [from, to];
        });
        runs.sort((x, y) => x[0]! - y[0]!);
        let at = 0;
        for (const [from, to] of runs) {
          expect(from).toBe(at);
          at = to! + 1;
        }
        expect(at).toBe(full.rows.length);
      }),
      { numRuns: 200 },
    );
  });
});

// The history hands over its u32 storage as is, and an f64 copy only for a column holding a value
// ≥ 2^32: the Wasm kernel reads each column in its own element type (four scatter instantiations).
describe("u32 and f64 column storage", () => {
  type Kind = "u32" | "f64";
  const as = (a: Float64Array | Uint32Array, kind: Kind) =>
    kind === "u32" ? Uint32Array.from(a) : Float64Array.from(a);
  /** Re-stores each column's values and terms in the element types `kinds(c)` gives. */
  function restore(v: SeriesView, kinds: (c: number) => [Kind, Kind]): SeriesView {
    return {
      ...v,
      columns: v.columns.map((c, i) => {
        const [vk, tk] = kinds(i);
        return { ...c, values: as(c.values, vk), terms: as(c.terms, tk) };
      }),
    };
  }
  const combos: [Kind, Kind][] = [
    ["u32", "u32"],
    ["f64", "u32"],
    ["u32", "f64"],
    ["f64", "f64"],
  ];

  it("property: every mix of u32 and f64 columns builds the f64 matrix; Wasm = JS", () => {
    fc.assert(
      fc.property(
        arbView,
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
        (v, budget, picks) => {
          const expected = build(v, budget);
          const mixed = restore(v, (c) => combos[picks[c % 8]!]!);
          expect(build(mixed, budget)).toEqual(expected);
          expect(buildMatrixJs(mixed, { rows: budget, nowMs: NOW })).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("an overflowed f64 column next to u32 columns keeps exact sums and identities", () => {
    const metas = [meta(1, null, "m", { groupId: 3 }), meta(2, "m", null, { groupId: 4 })];
    const big = 2 ** 40 + 7;
    const u32 = (at: number, cells: [number, number, number][]) => {
      const c = col(at, cells);
      return { ...c, values: Uint32Array.from(c.values), terms: Uint32Array.from(c.terms) };
    };
    const v = view(metas, [
      u32(1000, [
        [0, 5, 2],
        [1, 0xffffffff, 9],
      ]),
      col(2000, [
        [0, big, 2 ** 33],
        [1, 1, 9],
      ]),
      u32(3000, [[1, 3, 10]]),
    ]);
    for (const m of [build(v), buildMatrixJs(v, { rows: 1024, nowMs: NOW })]) {
      expect(m.rows.map((r) => [r.values, r.raft_group_ids, r.leader_terms])).toEqual([
        [
          [5, big, 0],
          [3, 3, 0],
          [2, 2 ** 33, 0],
        ],
        [
          [0xffffffff, 1, 3],
          [4, 4, 4],
          [9, 9, 10],
        ],
      ]);
    }
    const one = build(v, 1).rows[0]!;
    expect(one.values).toEqual([5 + 0xffffffff, big + 1, 3]);
    expect(one.raft_group_ids).toEqual([0, 0, 4]);
    expect(one.leader_terms).toEqual([0, 0, 10]);
  });

  it("identity: the non-zero members decide; zero members only when no member is non-zero; -0 is 0", () => {
    const metas = [
      meta(1, null, "b", { groupId: 5 }),
      meta(2, "b", "c", { groupId: 5 }),
      meta(3, "c", null, { groupId: -0 }),
    ];
    const v = view(metas, [
      col(1000, [
        [0, 0, 1],
        [1, 4, 2],
        [2, 0, 3],
      ]), // one non-zero member: its identity
      col(2000, [
        [0, 0, 1],
        [1, 0, 1],
        [2, 0, 1],
      ]), // all zero, groups differ: (0, 0)
      col(3000, [
        [0, 0, 1],
        [1, 0, 1],
      ]), // all zero, same identity: kept
      col(4000, [
        [0, 2, 6],
        [1, 3, 6],
        [2, 0, -0],
      ]), // two non-zero, same identity; the zero member ignored
      col(5000, [[2, 1, -0]]), // -0 group and term come out as 0
    ]);
    for (const m of [build(v, 1), buildMatrixJs(v, { rows: 1, nowMs: NOW })]) {
      expect(m.rows[0]!.values).toEqual([4, 0, 0, 5, 1]);
      expect(m.rows[0]!.raft_group_ids).toEqual([5, 0, 5, 5, 0]);
      expect(m.rows[0]!.leader_terms).toEqual([2, 0, 1, 6, 0]);
      expect(Object.is(m.rows[0]!.raft_group_ids[4], 0) && Object.is(m.rows[0]!.leader_terms[4], 0)).toBe(true);
    }
  });
});
