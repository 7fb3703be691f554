// Matrix build (SPEC §5): the pivot vectors worked by hand, and the merged row budget.
import { describe, expect, it } from "vitest";
import { buildMatrix, buildMatrixJs } from "../../src/matrix/build.js";
import type { Column, Row, Series } from "../../src/types.js";
import { meta, col, view, seriesViewOf, NOW, build } from "./build-fixtures.js";

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
    expect(() => buildMatrix(twoColumns, { rows: "4" as unknown as number })).toThrow(
      new TypeError("opts.rows must be a number, got string"),
    );
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
