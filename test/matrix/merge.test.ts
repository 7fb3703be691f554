import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mergeCell, mergeMatrices } from "../../src/matrix/merge.js";
import { buildMatrix } from "../../src/matrix/build.js";
import type { RowMeta, SeriesView } from "../../src/types.js";
import type { Matrix, MatrixRow } from "../../src/wire/wire.js";

const NOW = Date.UTC(2026, 5, 1);

function row(
  bucket: string,
  start: string | null,
  values: number[],
  groups: number[],
  terms: number[],
  extra: Partial<MatrixRow> = {},
): MatrixRow {
  return {
    bucket_id: bucket,
    start,
    end: null,
    aggregate: false,
    route_count: 1,
    values,
    raft_group_ids: groups,
    leader_terms: terms,
    ...extra,
  };
}

function matrix(columns: number[], rows: MatrixRow[], series: Matrix["series"] = "writes"): Matrix {
  return { column_unix_ms: columns, rows, series, generated_at: "2026-01-01T00:00:00.000Z" };
}

/** One cell on two nodes: (value, group, term) each. */
function twoNodes(series: Matrix["series"], a: [number, number, number], b: [number, number, number]): MatrixRow {
  const m = mergeMatrices(
    [
      matrix([1000], [row("route:1", null, [a[0]], [a[1]], [a[2]])], series),
      matrix([1000], [row("route:1", null, [b[0]], [b[1]], [b[2]])], series),
    ],
    { nowMs: NOW },
  );
  expect(m.rows).toHaveLength(1);
  return m.rows[0]!;
}

describe("§5.1 merge vectors", () => {
  it("30@(7,42) + 50@(7,43) → 80, no conflict", () => {
    const r = twoNodes("writes", [30, 7, 42], [50, 7, 43]);
    expect(r.values).toEqual([80]);
    expect("conflict" in r || "conflicts" in r).toBe(false);
    expect([r.raft_group_ids, r.leader_terms]).toEqual([[7], [43]]);
  });
  it("30 vs 55 @(7,42) → 55, conflict", () => {
    const r = twoNodes("writes", [30, 7, 42], [55, 7, 42]);
    expect(r.values).toEqual([55]);
    expect(r.conflict).toBe(true);
    expect(r.conflicts).toEqual([true]);
  });
  it("30@(7,42) + 50@(0,0) → 50, conflict", () => {
    const r = twoNodes("write_bytes", [30, 7, 42], [50, 0, 0]);
    expect(r.values).toEqual([50]);
    expect(r.conflicts).toEqual([true]);
  });
  it("follower 0 + leader 42 → 42, no conflict", () => {
    const r = twoNodes("writes", [0, 7, 0], [42, 7, 9]);
    expect(r.values).toEqual([42]);
    expect(r.conflict).toBeUndefined();
    expect(r.leader_terms).toEqual([9]);
  });
  it("reads 10 + 25 → 35 (and read bytes sum too)", () => {
    expect(twoNodes("reads", [10, 7, 42], [25, 7, 42]).values).toEqual([35]);
    expect(twoNodes("read_bytes", [10, 0, 0], [25, 7, 42]).values).toEqual([35]);
  });
  it("equal values without identity: max, no conflict", () => {
    const r = twoNodes("writes", [20, 0, 0], [20, 7, 3]);
    expect(r.values).toEqual([20]);
    expect(r.conflict).toBeUndefined();
  });
  it("mergeCell directly: distinct (group, term) identities are summed", () => {
    const c = (value: number, group: number, term: number) => ({ value, group, term, conflict: false });
    expect(mergeCell([c(30, 7, 42), c(30, 7, 42), c(50, 8, 42)], false)).toMatchObject({ value: 80, conflict: false });
    expect(mergeCell([], false)).toEqual({ value: 0, group: 0, term: 0, conflict: false });
    expect(mergeCell([{ ...c(1, 7, 1), conflict: true }], false).conflict).toBe(true);
  });
});

/** §5.1 written as plainly as possible, to check the allocation-free cell merger against. */
function referenceCell(
  cs: { value: number; group: number; term: number }[],
  additive: boolean,
): { value: number; conflict: boolean } {
  const nz = cs.filter((c) => c.value !== 0);
  if (additive) return { value: nz.reduce((s, c) => s + c.value, 0), conflict: false };
  if (nz.length === 0) return { value: 0, conflict: false };
  if (nz.every((c) => c.group !== 0 && c.term !== 0)) {
    const byId = new Map<string, number[]>();
    for (const c of nz) byId.set(`${c.group}/${c.term}`, [...(byId.get(`${c.group}/${c.term}`) ?? []), c.value]);
    const groups = [...byId.values()];
    return {
      value: groups.reduce((s, vs) => s + Math.max(...vs), 0),
      conflict: groups.some((vs) => new Set(vs).size > 1),
    };
  }
  return { value: Math.max(...nz.map((c) => c.value)), conflict: new Set(nz.map((c) => c.value)).size > 1 };
}

describe("mergeCell property", () => {
  it("matches the plain reference for any contributions", () => {
    const contribution = fc.record({
      value: fc.integer({ min: 0, max: 4 }),
      group: fc.integer({ min: 0, max: 2 }),
      term: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(fc.array(contribution, { maxLength: 5 }), fc.boolean(), (cs, additive) => {
        const got = mergeCell(
          cs.map((c) => ({ ...c, conflict: false })),
          additive,
        );
        expect({ value: got.value, conflict: got.conflict }).toEqual(referenceCell(cs, additive));
      }),
      { numRuns: 500 },
    );
  });
});

describe("mergeMatrices", () => {
  it("columns are the sorted union; absent and zero cells are 0 with identity 0/0; metadata and series from the first", () => {
    const a = matrix([1000, 3000], [row("route:1", null, [1, 3], [7, 7], [1, 1], { end: "Yg==" })]);
    const b = matrix(
      [2000, 3000],
      [row("route:1", null, [2, 4], [7, 7], [2, 2], { end: "eg==" }), row("route:2", "Yg==", [5, 0], [9, 9], [1, 0])],
      "reads",
    );
    const m = mergeMatrices([a, b], { nowMs: NOW });
    expect(m.series).toBe("writes");
    expect(m.column_unix_ms).toEqual([1000, 2000, 3000]);
    expect(m.generated_at).toBe("2026-06-01T00:00:00.000Z");
    expect("fanout" in m).toBe(false);
    expect(m.rows).toEqual([
      row("route:1", null, [1, 2, 7], [7, 7, 7], [1, 2, 2], { end: "Yg==" }),
      row("route:2", "Yg==", [0, 5, 0], [0, 9, 0], [0, 1, 0]),
    ]);
  });

  it("re-sorts by start key (null first, ties by bucket id)", () => {
    const a = matrix([1], [row("route:9", "eg==", [1], [1], [1]), row("route:3", "Yg==", [1], [1], [1])]);
    const b = matrix(
      [1],
      [row("route:1:x", "Yg==", [1], [1], [1], { label: "x" }), row("route:0", null, [1], [1], [1])],
    );
    expect(mergeMatrices([a, b]).rows.map((r) => r.bucket_id)).toEqual(["route:0", "route:1:x", "route:3", "route:9"]);
  });

  it("re-applies the row budget: merged rows, conserved sums, flat merged ids", () => {
    const a = matrix(
      [1],
      [row("route:1", null, [1], [1], [1], { end: "Yg==" }), row("route:2", "Yg==", [2], [1], [1], { end: "Yw==" })],
    );
    const b = matrix(
      [1],
      [
        row("merged:route:3..route:4", "Yw==", [3], [0], [0], {
          end: "ZQ==",
          aggregate: true,
          route_ids: [3, 4],
          route_count: 2,
        }),
      ],
    );
    const c = matrix([1], [row("route:5", "ZQ==", [100], [1], [1])]);
    const m = mergeMatrices([a, b, c], { rows: 2 });
    expect(m.rows.map((r) => [r.bucket_id, r.values[0]])).toEqual([
      ["merged:route:1..route:4", 6],
      ["route:5", 100],
    ]);
    expect(m.rows[0]).toMatchObject({
      aggregate: true,
      route_ids: [1, 2, 3, 4],
      route_count: 4,
      start: null,
      end: "ZQ==",
    });
    expect(mergeMatrices([a, b, c], { rows: 1 }).rows[0]!.bucket_id).toBe("merged:route:1..route:5");
  });

  it("conflicts survive the budget and stay absent from clean rows", () => {
    const a = matrix(
      [1, 2],
      [row("route:1", null, [30, 1], [7, 7], [42, 42]), row("route:2", "Yg==", [1, 1], [7, 7], [1, 1])],
    );
    const b = matrix(
      [1, 2],
      [row("route:1", null, [55, 1], [7, 7], [42, 42]), row("route:2", "Yg==", [1, 1], [7, 7], [1, 1])],
    );
    const m = mergeMatrices([a, b]);
    expect(m.rows[0]!.conflicts).toEqual([true, false]);
    expect("conflicts" in m.rows[1]!).toBe(false);
    expect(mergeMatrices([a, b], { rows: 1 }).rows[0]).toMatchObject({
      conflict: true,
      conflicts: [true, false],
      values: [56, 2],
    });
  });

  it("a timestamp a node sent twice (its clock went back) is summed, never dropped, from any source", () => {
    // Issue 10 item 1: columns [11000, 9000, 9000] used to lose the first 9000 column's counts.
    const a = matrix([11000, 9000, 9000], [row("route:1", null, [4, 7, 5], [7, 7, 7], [2, 2, 3])]);
    const b = matrix([9000, 11000], [row("route:1", null, [0, 7], [0, 7], [0, 3])], "writes");
    const m = mergeMatrices([a, b]);
    expect(m.column_unix_ms).toEqual([9000, 11000]);
    // 9000: 7 + 5 on node a (distinct windows), identity of the highest term; 11000: 4@(7,2) + 7@(7,3) → 11.
    expect(m.rows[0]).toMatchObject({ values: [12, 11], raft_group_ids: [7, 7], leader_terms: [3, 3] });
    const reads = mergeMatrices([matrix([5, 5, 5], [row("route:1", null, [1, 2, 3], [0, 0, 0], [0, 0, 0])], "reads")]);
    expect(reads.column_unix_ms).toEqual([5]);
    expect(reads.rows[0]!.values).toEqual([6]);
  });

  it("rows without identity arrays, or with short ones, merge with identity 0 for the missing cells (max-merge for writes)", () => {
    const a = matrix([1, 2], [row("route:1", null, [30, 8], [7, 7], [42, 42])]);
    const old = matrix(
      [1, 2],
      [
        {
          bucket_id: "route:1",
          start: null,
          end: null,
          aggregate: false,
          route_count: 1,
          values: [50, 8],
        } as MatrixRow,
      ],
    );
    const short = matrix([1, 2], [row("route:1", null, [0, 8], [7], [42])]);
    const m = mergeMatrices([a, old, short]);
    expect(m.rows[0]).toMatchObject({
      values: [50, 8],
      conflicts: [true, false],
      raft_group_ids: [7, 7],
      leader_terms: [42, 42],
    });
  });

  it("validates its arguments", () => {
    expect(() => mergeMatrices([])).toThrow(RangeError);
    expect(() => mergeMatrices([{} as Matrix])).toThrow(TypeError);
    expect(() => mergeMatrices([matrix([1], [])], { rows: 0 })).toThrow(RangeError);
    expect(() => mergeMatrices([matrix([1, 2], [row("route:1", null, [1], [1], [1])])])).toThrow(/parallel/);
  });
});

const enc = (s: string) => new TextEncoder().encode(s);
function metaOf(i: number, bounds: (string | null)[]): RowMeta {
  return {
    bucketId: `route:${i}`,
    routeId: i,
    label: "",
    start: bounds[i] === null ? null : enc(bounds[i]!),
    end: bounds[i + 1] === null ? null : enc(bounds[i + 1]!),
    aggregate: false,
    memberRoutes: [i],
    memberRoutesTotal: 1,
    groupId: 1,
    subBucket: 0,
    subBucketCount: 1,
  };
}

/** A merged cell that counted nothing carries identity 0/0 (issue 9 item 4); a single node's may not. */
function withoutZeroIdentity(m: Matrix): Matrix {
  const zeroed = (r: MatrixRow, a: number[]) => a.map((x, j) => (r.values[j] === 0 ? 0 : x));
  return {
    ...m,
    rows: m.rows.map((r) => ({
      ...r,
      raft_group_ids: zeroed(r, r.raft_group_ids),
      leader_terms: zeroed(r, r.leader_terms),
    })),
  };
}

describe("mergeMatrices: what a node that ignored the request sends", () => {
  const a = matrix([1000, 2000], [row("route:1", null, [1, 2], [1, 1], [3, 3])]);
  const b = matrix([500, 2000, 3000], [row("route:2", "bQ==", [4, 5, 6], [2, 2, 2], [7, 7, 7])]);

  it("keeps only the columns in opts.window, [fromMs, toMs)", () => {
    const m = mergeMatrices([a, b], { window: { fromMs: 1000, toMs: 3000 }, nowMs: NOW });
    expect(m.column_unix_ms).toEqual([1000, 2000]);
    expect(m.rows.map((r) => [r.bucket_id, r.values, r.leader_terms])).toEqual([
      ["route:1", [1, 2], [3, 3]],
      ["route:2", [0, 5], [0, 7]],
    ]);
    // from > to: no columns (SPEC §5), whatever the nodes sent
    expect(mergeMatrices([a, b], { window: { fromMs: 5000, toMs: 1000 } }).column_unix_ms).toEqual([]);
    expect(mergeMatrices([a, b], { window: { toMs: 1000 } }).column_unix_ms).toEqual([500]);
    // A node none of whose columns lie in the window adds no rows, as its own answer would have
    // none (rows of b only; a's were all-zero rows of no column before).
    expect(mergeMatrices([a, b], { window: { toMs: 1000 } }).rows.map((r) => r.bucket_id)).toEqual(["route:2"]);
    expect(mergeMatrices([a, b], { window: { fromMs: 0, toMs: 0 } }).column_unix_ms).toHaveLength(4); // 0: unbounded
    expect(() => mergeMatrices([a], { window: { fromMs: "1" as never } })).toThrow(TypeError);
    expect(() => mergeMatrices([a], { window: 5 as never })).toThrow(/opts.window must be an object/);
  });

  it("reads an empty-string key as null (SPEC §5: null when empty or unbounded)", () => {
    const empty = matrix([1000], [row("route:1", "", [1], [1], [3], { end: "" })]);
    for (const rows of [1024, 1]) {
      const m = mergeMatrices([empty], { rows, nowMs: NOW });
      expect([m.rows[0]!.start, m.rows[0]!.end]).toEqual([null, null]);
    }
  });

  it("refuses a matrix with more columns than a node can hold", () => {
    const wide = matrix(
      Array.from({ length: 900_001 }, (_, i) => i + 1),
      [],
    );
    expect(() => mergeMatrices([a, wide])).toThrow(
      "matrices[1]: column_unix_ms has 900001 columns, more than a node holds (900000)",
    );
  });
});

describe("merge properties", () => {
  // Read counts partitioned across nodes: merging the nodes' matrices gives the whole again.
  it("reads split across nodes sum back to the single-node matrix, under any budget", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 14 }),
        (routes, grid, nodes, budget) => {
          const bounds = [null, ...Array.from({ length: routes - 1 }, (_, i) => String.fromCharCode(65 + i)), null];
          const metas = Array.from({ length: routes }, (_, i) => metaOf(i, bounds));
          const viewFor = (node: number): SeriesView => ({
            series: "reads",
            metas,
            columns: grid.map((counts, c) => {
              const ids = metas.map((_, i) => i);
              return {
                windowStartMs: c * 1000,
                atMs: (c + 1) * 1000,
                metaIds: Uint32Array.from(ids),
                values: Float64Array.from(ids, (i) => (i % nodes === node ? counts[i]! : 0)),
                terms: new Float64Array(ids.length),
              };
            }),
          });
          const whole: SeriesView = {
            ...viewFor(0),
            columns: viewFor(0).columns.map((c, j) => ({
              ...c,
              values: Float64Array.from(c.metaIds, (i) => grid[j]![i]!),
            })),
          };
          const parts = Array.from({ length: nodes }, (_, n) => buildMatrix(viewFor(n), { rows: 1024 }));
          const merged = mergeMatrices(parts, { rows: budget, nowMs: NOW });
          const expected = withoutZeroIdentity(buildMatrix(whole, { rows: budget, nowMs: NOW }));
          expect(merged).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
