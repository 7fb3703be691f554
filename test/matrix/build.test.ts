import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildMatrix, buildMatrixJs } from "../../src/matrix/build.js";
import { planRowGroups } from "../../src/matrix/row-budget.js";
import { planRowGroupsJs } from "../../src/matrix/kernels.js";
import { compareEnd, compareStart } from "../../src/keys/bytes.js";
import type { Column, Row, RowMeta, Series, SeriesView } from "../../src/types.js";
import { decodeKey, type Matrix } from "../../src/wire/wire.js";

const enc = (s: string) => new TextEncoder().encode(s);

function meta(id: number, start: string | null, end: string | null, extra: Partial<RowMeta> = {}): RowMeta {
  return {
    bucketId: `route:${id}`,
    routeId: id,
    label: "",
    start: start === null ? null : enc(start),
    end: end === null ? null : enc(end),
    aggregate: false,
    memberRoutes: [id],
    memberRoutesTotal: 1,
    groupId: 7,
    subBucket: 0,
    subBucketCount: 1,
    ...extra,
  };
}

/** cells: [metaId, value, term] */
function col(atMs: number, cells: [number, number, number][]) {
  return {
    windowStartMs: atMs - 1000,
    atMs,
    metaIds: Uint32Array.from(cells, (c) => c[0]),
    values: Float64Array.from(cells, (c) => c[1]),
    terms: Float64Array.from(cells, (c) => c[2]),
  };
}

function view(metas: RowMeta[], columns: SeriesView["columns"], series: Series = "writes"): SeriesView {
  return { series, metas, columns };
}

/** What history.seriesView does, for tests: one series of flushed columns, columnar. */
function seriesViewOf(columns: Column[], series: Series): SeriesView {
  const metas: RowMeta[] = [];
  const index = new Map<string, number>();
  const field = { reads: "reads", writes: "writes", read_bytes: "readBytes", write_bytes: "writeBytes" } as const;
  return {
    series,
    metas,
    columns: columns.map((c) => {
      const ids = c.rows.map((r: Row) => {
        const key = `${r.bucketId}|${r.start}|${r.end}`;
        let id = index.get(key);
        if (id === undefined) {
          const { leaderTerm: _t, reads: _r, writes: _w, readBytes: _rb, writeBytes: _wb, ...m } = r;
          index.set(key, (id = metas.push(m) - 1));
        }
        return id;
      });
      return {
        windowStartMs: c.windowStartMs,
        atMs: c.atMs,
        metaIds: Uint32Array.from(ids),
        values: Float64Array.from(c.rows, (r) => r[field[series]]),
        terms: Float64Array.from(c.rows, (r) => r.leaderTerm),
      };
    }),
  };
}

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const build = (v: SeriesView, rows = 1024, extra: { fromMs?: number; toMs?: number } = {}) =>
  buildMatrix(v, { rows, nowMs: NOW, ...extra });

describe("pivot vectors", () => {
  const metas = [meta(1, null, "b"), meta(2, "b", "d", { groupId: 9 }), meta(3, "d", null)];
  const twoColumns = view(metas, [
    col(60_000, [
      [0, 5, 3],
      [1, 7, 11],
    ]),
    col(120_000, [
      [0, 2, 4],
      [2, 1, 0],
    ]),
  ]);

  it("two columns, quiet cells are 0, per-cell group and term; a cell with no row in its column carries identity 0/0", () => {
    const m = build(twoColumns);
    expect(m.column_unix_ms).toEqual([60_000, 120_000]);
    expect(m.series).toBe("writes");
    expect(m.generated_at).toBe("2026-01-02T03:04:05.006Z");
    expect(m.fanout).toBeUndefined();
    expect(m.rows).toEqual([
      {
        bucket_id: "route:1",
        start: null,
        end: "Yg==",
        aggregate: false,
        route_count: 1,
        values: [5, 2],
        raft_group_ids: [7, 7],
        leader_terms: [3, 4],
      },
      {
        bucket_id: "route:2",
        start: "Yg==",
        end: "ZA==",
        aggregate: false,
        route_count: 1,
        values: [7, 0],
        raft_group_ids: [9, 0],
        leader_terms: [11, 0],
      },
      {
        bucket_id: "route:3",
        start: "ZA==",
        end: null,
        aggregate: false,
        route_count: 1,
        values: [0, 1],
        raft_group_ids: [0, 7],
        leader_terms: [0, 0],
      },
    ]);
  });

  it("rows with one group/term across the window share one frozen array; varying ones get their own", () => {
    const m = build(twoColumns);
    const [r1, r2, r3] = [m.rows[0]!, m.rows[1]!, m.rows[2]!];
    expect(r1.raft_group_ids).toEqual([7, 7]);
    expect(Object.isFrozen(r1.raft_group_ids)).toBe(true);
    expect(r3.leader_terms).toEqual([0, 0]);
    expect(Object.isFrozen(r3.leader_terms)).toBe(true);
    const both = build(
      view(metas, [
        col(1, [
          [0, 1, 1],
          [2, 1, 1],
        ]),
        col(2, [
          [0, 1, 1],
          [2, 1, 1],
        ]),
      ]),
    );
    expect(both.rows[0]!.raft_group_ids).toBe(both.rows[1]!.raft_group_ids); // both [7, 7]: one shared array
    expect(Object.isFrozen(r3.raft_group_ids)).toBe(false); // [0, 7] varies
    expect(() => (r1.raft_group_ids as number[]).push(1)).toThrow(TypeError);
    expect(Object.isFrozen(r2.leader_terms)).toBe(false); // [11, 0] varies
    expect(r1.values).not.toBe(r3.values);
  });

  it("Wasm and JS kernels agree", () => {
    expect(buildMatrixJs(twoColumns, { rows: 1024, nowMs: NOW })).toEqual(build(twoColumns));
  });

  it("time window: from ≤ at < to, 0 = unbounded, from > to gives no columns", () => {
    expect(build(twoColumns, 1024, { fromMs: 60_001 }).column_unix_ms).toEqual([120_000]);
    expect(build(twoColumns, 1024, { fromMs: 60_001 }).rows.map((r) => r.bucket_id)).toEqual(["route:1", "route:3"]);
    expect(build(twoColumns, 1024, { toMs: 120_000 }).column_unix_ms).toEqual([60_000]);
    expect(build(twoColumns, 1024, { fromMs: 0, toMs: 0 }).column_unix_ms).toEqual([60_000, 120_000]);
    const empty = build(twoColumns, 1024, { fromMs: 200_000, toMs: 100_000 });
    expect(empty.column_unix_ms).toEqual([]);
    expect(empty.rows).toEqual([]);
  });

  it("series selection: each series' values, rows present in any series are kept", () => {
    const row = (id: number, c: Partial<Row>): Row => ({
      ...meta(id, String.fromCharCode(96 + id), String.fromCharCode(97 + id)),
      leaderTerm: 5,
      reads: 0,
      writes: 0,
      readBytes: 0,
      writeBytes: 0,
      ...c,
    });
    const history: Column[] = [
      {
        windowStartMs: 0,
        atMs: 1000,
        rows: [row(1, { reads: 3, readBytes: 30 }), row(2, { writes: 4, writeBytes: 400 })],
      },
      { windowStartMs: 1000, atMs: 2000, rows: [row(2, { reads: 1, readBytes: 9, writes: 2, writeBytes: 20 })] },
    ];
    const values = (s: Series) => build(seriesViewOf(history, s)).rows.map((r) => [r.bucket_id, r.values]);
    expect(values("reads")).toEqual([
      ["route:1", [3, 0]],
      ["route:2", [0, 1]],
    ]);
    expect(values("writes")).toEqual([
      ["route:1", [0, 0]],
      ["route:2", [4, 2]],
    ]);
    expect(values("read_bytes")).toEqual([
      ["route:1", [30, 0]],
      ["route:2", [0, 9]],
    ]);
    expect(values("write_bytes")).toEqual([
      ["route:1", [0, 0]],
      ["route:2", [400, 20]],
    ]);
    expect(build(seriesViewOf(history, "read_bytes")).series).toBe("read_bytes");
  });

  it("aggregate rows list sorted, capped member ids with the true count", () => {
    const members = Array.from({ length: 256 }, (_, i) => 1000 - i);
    const virtual = meta(0, "m", "n", {
      bucketId: "virtual:18446744073709551615",
      routeId: null,
      aggregate: true,
      memberRoutes: members,
      memberRoutesTotal: 300,
      groupId: 0,
    });
    const small = meta(0, "x", null, {
      bucketId: "virtual:18446744073709551614",
      routeId: null,
      aggregate: true,
      memberRoutes: [8, 5],
      memberRoutesTotal: 2,
      groupId: 0,
    });
    const m = build(
      view(
        [virtual, small],
        [
          col(1, [
            [0, 4, 0],
            [1, 1, 0],
          ]),
        ],
      ),
    );
    expect(m.rows[0]).toMatchObject({
      bucket_id: "virtual:18446744073709551615",
      aggregate: true,
      route_ids_truncated: true,
      route_count: 300,
    });
    expect(m.rows[0]!.route_ids).toEqual([...members].sort((a, b) => a - b));
    expect(m.rows[1]).toMatchObject({ route_ids: [5, 8], route_count: 2 });
    expect("route_ids_truncated" in m.rows[1]!).toBe(false);
  });

  it("labels: omitted when empty; ties on start ordered by bucket id", () => {
    const plain = meta(1, "a", "b");
    const grpc = meta(1, "a", "b", { bucketId: "route:1:grpc", label: "grpc" });
    const m = build(
      view(
        [grpc, plain],
        [
          col(1, [
            [0, 1, 1],
            [1, 2, 1],
          ]),
        ],
      ),
    );
    expect(m.rows.map((r) => r.bucket_id)).toEqual(["route:1", "route:1:grpc"]);
    expect("label" in m.rows[0]!).toBe(false);
    expect(m.rows[1]!.label).toBe("grpc");
  });

  it("one row per bucket id; metadata from the latest column it appears in", () => {
    const before = meta(4, "a", "z", { groupId: 1 });
    const after = meta(4, "a", "m", { groupId: 2 });
    const m = build(view([after, before], [col(1, [[1, 10, 3]]), col(2, [[0, 20, 8]]), col(3, [])]));
    expect(m.rows).toHaveLength(1);
    expect(m.rows[0]).toMatchObject({
      end: "bQ==",
      values: [10, 20, 0],
      raft_group_ids: [1, 2, 0],
      leader_terms: [3, 8, 0],
    });
  });

  it("validates its arguments", () => {
    expect(() => buildMatrix(twoColumns, { rows: 0 })).toThrow(RangeError);
    expect(() => buildMatrix(twoColumns, { rows: 1.5 })).toThrow(/opts.rows/);
    expect(() => buildMatrix(view(metas, [col(1, [[3, 1, 1]])]), { rows: 4 })).toThrow(RangeError);
    expect(() => buildMatrixJs(view(metas, [col(1, [[3, 1, 1]])]), { rows: 4 })).toThrow(RangeError);
    const bad = view(metas, [{ ...col(1, [[0, 1, 1]]), terms: new Float64Array(0) }]);
    expect(() => buildMatrix(bad, { rows: 4 })).toThrow(TypeError);
    expect(() => buildMatrix({ ...twoColumns, series: "nope" as Series }, { rows: 4 })).toThrow(TypeError);
  });
});

describe("merged row budget", () => {
  // Four adjacent routes; activity 10, 1, 2, 50: the least active adjacent pair is (2, 3).
  const metas = [meta(1, null, "b"), meta(2, "b", "c"), meta(3, "c", "d", { groupId: 8 }), meta(4, "d", null)];
  const v = view(metas, [
    col(1, [
      [0, 10, 1],
      [1, 1, 5],
      [2, 2, 6],
      [3, 50, 1],
    ]),
    col(2, [[1, 0, 5]]),
  ]);

  it("merges the least active adjacent pair into a merged: aggregate row", () => {
    const m = build(v, 3);
    expect(m.rows.map((r) => r.bucket_id)).toEqual(["route:1", "merged:route:2..route:3", "route:4"]);
    expect(m.rows[1]).toEqual({
      bucket_id: "merged:route:2..route:3",
      start: "Yg==",
      end: "ZA==",
      aggregate: true,
      route_ids: [2, 3],
      route_count: 2,
      values: [3, 0],
      // column 1: contributors disagree (7,5) vs (8,6) -> 0/0; column 2: only route 2 present (value 0) -> (7,5)
      raft_group_ids: [0, 7],
      leader_terms: [0, 5],
    });
  });

  it("rows = 1 folds everything; the column sums are conserved", () => {
    const m = build(v, 1);
    expect(m.rows).toHaveLength(1);
    expect(m.rows[0]).toMatchObject({
      bucket_id: "merged:route:1..route:4",
      start: null,
      end: null,
      route_count: 4,
      values: [63, 0],
    });
  });

  it("merged members with truncated lists: capped union, truncated flag, true count", () => {
    const big = meta(0, "a", "b", {
      bucketId: "virtual:9",
      routeId: null,
      aggregate: true,
      memberRoutes: Array.from({ length: 256 }, (_, i) => i + 100),
      memberRoutesTotal: 1000,
      groupId: 0,
    });
    const sub0 = meta(5, "b", "bm", { bucketId: "route:5#0", subBucketCount: 2 });
    const sub1 = meta(5, "bm", "c", { bucketId: "route:5#1", subBucket: 1, subBucketCount: 2 });
    const m = build(
      view(
        [big, sub0, sub1],
        [
          col(1, [
            [0, 1, 0],
            [1, 1, 2],
            [2, 1, 2],
          ]),
        ],
      ),
      1,
    );
    expect(m.rows[0]!.route_ids).toHaveLength(256);
    expect(m.rows[0]!.route_ids![0]).toBe(5);
    expect(m.rows[0]).toMatchObject({
      route_ids_truncated: true,
      route_count: 1001,
      bucket_id: "merged:virtual:9..route:5#1",
    });
  });
});

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

  it("10 000 rows down to 1 024 quickly, same plan as the JS port", () => {
    const totals = Float64Array.from(
      { length: 10_000 },
      (_, i) => ((i * 2654435761) % 1000) + (i % 97 === 0 ? 1e6 : 0),
    );
    const t0 = performance.now();
    const plan = planRowGroups(totals, 1024);
    const ms = performance.now() - t0;
    expect(plan.length).toBe(1025);
    expect(plan[1024]).toBe(10_000);
    expect([...plan]).toEqual([...planRowGroupsJs(totals, 1024)]);
    expect(ms).toBeLessThan(500);
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
