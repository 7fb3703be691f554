import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mergeCell, mergeMatrices, type CellContribution } from "../../src/matrix/merge.js";
import { validateMatrix } from "../../src/wire/wire.js";
import type { Matrix, MatrixRow } from "../../src/wire/wire.js";
import type { Series } from "../../src/types.js";

const NOW = Date.UTC(2026, 5, 1);
const SERIES: Series[] = ["reads", "writes", "read_bytes", "write_bytes"];

/** A cell of one node: value, group, term, conflict flag. */
const cellArb = fc.tuple(fc.constantFrom(0, 0, 1, 2, 5), fc.nat(2), fc.nat(2), fc.boolean());

/**
 * Up to 4 nodes over subsets of 4 timestamps and 3 bucket ids; a node may send conflict flags.
 * Every row id is placed in the same start order on every node, so the merge keeps one row per id.
 */
const nodesArb = fc.oneof(
  fc.array(
    fc.record({
      columns: fc.subarray([1000, 2000, 3000, 4000], { minLength: 1 }),
      rows: fc.subarray([0, 1, 2], { minLength: 1 }),
      cells: fc.array(fc.array(cellArb, { minLength: 4, maxLength: 4 }), { minLength: 3, maxLength: 3 }),
      flags: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  // Three nodes with every row and column and no flags: a replicated group's fan-out.
  fc.array(
    fc.record({
      columns: fc.constant<number[]>([1000, 2000, 3000, 4000]),
      rows: fc.constant<number[]>([0, 1, 2]),
      cells: fc.array(fc.array(cellArb, { minLength: 4, maxLength: 4 }), { minLength: 3, maxLength: 3 }),
      flags: fc.constant(false),
    }),
    { minLength: 3, maxLength: 3 },
  ),
);

/** A route's wire row of `cells` (value, group, term first), with `conflicts` when given. */
function wireRow(
  route: number,
  start: string | null,
  cells: readonly (readonly [number, number, number, ...unknown[]])[],
  conflicts?: boolean[],
): MatrixRow {
  const row: MatrixRow = {
    bucket_id: `route:${route}`,
    start,
    end: null,
    aggregate: false,
    route_count: 1,
    values: cells.map((c) => c[0]),
    raft_group_ids: cells.map((c) => c[1]),
    leader_terms: cells.map((c) => c[2]),
  };
  if (conflicts !== undefined) row.conflicts = conflicts;
  return row;
}

function nodeMatrix(n: Node, series: Series): Matrix {
  const rows: MatrixRow[] = n.rows.map((r) => {
    const cells = n.columns.map((_, j) => n.cells[r]![j]!);
    const start = r === 0 ? null : btoa(String.fromCharCode(96 + r));
    return wireRow(r, start, cells, n.flags ? cells.map((c) => c[3]) : undefined);
  });
  return { column_unix_ms: n.columns, rows, series, generated_at: "2026-01-01T00:00:00.000Z" };
}
interface Node {
  columns: number[];
  rows: number[];
  cells: [number, number, number, boolean][][];
  flags: boolean;
}

describe("fan-out merge, cell by cell", () => {
  it("property: every merged cell is mergeCell of the nodes that have it (any node count, columns, flags)", () => {
    fc.assert(
      fc.property(nodesArb, fc.constantFrom(...SERIES), fc.boolean(), (nodes, series, oneIdentity) => {
        // One identity everywhere: the common case of a replicated group, which has a fast path.
        if (oneIdentity) for (const n of nodes) for (const r of n.cells) for (const c of r) [c[1], c[2]] = [1, 2];
        const merged = mergeMatrices(
          nodes.map((n) => nodeMatrix(n, series)),
          { rows: 1024, nowMs: NOW },
        );
        const additive = series === "reads" || series === "read_bytes";
        for (const row of merged.rows) {
          const r = Number(row.bucket_id.slice("route:".length));
          merged.column_unix_ms.forEach((t, j) => {
            const contributions: CellContribution[] = [];
            for (const n of nodes) {
              const at = n.columns.indexOf(t);
              if (at < 0 || !n.rows.includes(r)) continue;
              const [value, group, term, flag] = n.cells[r]![at]!;
              contributions.push({ value, group, term, conflict: n.flags && flag });
            }
            const want = mergeCell(contributions, additive);
            expect([row.values[j], row.conflicts?.[j] ?? false]).toEqual([want.value, want.conflict]);
            expect([row.raft_group_ids[j], row.leader_terms[j]]).toEqual([want.group, want.term]);
          });
        }
      }),
      { numRuns: 400 },
    );
  });

  it("property: a bad cell anywhere is rejected with the validator's message, as if it had run first", () => {
    const bad = fc.constantFrom<unknown>(-1, 0.5, "3", true, null, Number.NaN, Infinity, 2 ** 65, {}, [1]);
    fc.assert(
      fc.property(
        nodesArb,
        fc.nat(),
        fc.constantFrom("values", "raft_group_ids", "leader_terms"),
        fc.nat(),
        bad,
        fc.constantFrom("plain", "frozen", "short", "repeated"),
        (nodes, pick, field, cell, value, how) => {
          const ms = nodes.map((n) => nodeMatrix(n, "writes"));
          const m = ms[pick % ms.length]!;
          const row = m.rows[pick % m.rows.length]! as unknown as Record<string, unknown[]>;
          const arr = [...row[field]!];
          if (how === "short" && field !== "values") arr.length = Math.max(1, arr.length - 1);
          arr[cell % arr.length] = value;
          row[field] = how === "frozen" ? (Object.freeze(arr) as unknown[]) : arr;
          if (how === "repeated") m.column_unix_ms = m.column_unix_ms.map(() => m.column_unix_ms[0]!);
          let expected = "";
          try {
            ms.forEach((x, i) => validateMatrix(x, `matrices[${i}]`));
          } catch (e) {
            expected = (e as Error).message;
          }
          expect(expected).not.toBe("");
          expect(() => mergeMatrices(ms, { nowMs: NOW })).toThrow(new TypeError(expected));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("fan-out merge of two or three nodes (the loop without branches on values)", () => {
  /** Three one-row nodes over the same columns; cells as [value, group, term]. */
  function threeNodes(series: Series, cells: [number, number, number][][], flags?: boolean[][]): Matrix[] {
    return cells.map((node, n) => ({
      column_unix_ms: node.map((_, j) => 1000 * (j + 1)),
      rows: [wireRow(1, null, node, flags?.[n])],
      series,
      generated_at: "2026-01-01T00:00:00.000Z",
    }));
  }

  /** Every cell of `merged` against mergeCell of the nodes' cells. */
  function expectCells(
    merged: Matrix,
    cells: [number, number, number][][],
    additive: boolean,
    flags?: boolean[][],
  ): void {
    const row = merged.rows[0]!;
    cells[0]!.forEach((_, j) => {
      const want = mergeCell(
        cells.map((node, n) => ({
          value: node[j]![0],
          group: node[j]![1],
          term: node[j]![2],
          conflict: flags?.[n]?.[j] === true,
        })),
        additive,
      );
      expect([row.values[j], row.raft_group_ids[j], row.leader_terms[j], row.conflicts?.[j] ?? false]).toEqual([
        want.value,
        want.group,
        want.term,
        want.conflict,
      ]);
    });
  }

  it("property: counts around and above 2^52 (where the branch-free max stops being exact) merge as mergeCell", () => {
    const big = fc.constantFrom(0, 1, 2 ** 52 - 3, 2 ** 52 - 1, 2 ** 52, 2 ** 52 + 2, 2 ** 53, 2 ** 53 + 2, 2 ** 64);
    const cell = fc.tuple(big, fc.constantFrom(0, 7), fc.constantFrom(0, 1, 2));
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
        fc.constantFrom(...SERIES),
        (cells, series) => {
          const merged = mergeMatrices(threeNodes(series, cells), { nowMs: NOW });
          expectCells(merged, cells, series === "reads" || series === "read_bytes");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a node's rows without conflict flags merge beside its flagged rows as unflagged", () => {
    const cells: [number, number, number][][] = [
      [
        [3, 1, 1],
        [4, 1, 1],
      ],
      [
        [3, 1, 1],
        [5, 1, 1],
      ],
      [
        [3, 1, 1],
        [0, 0, 0],
      ],
    ];
    const ms = threeNodes("writes", cells, [[true, false]]);
    // Node 0 also has an unflagged row: its cells must count as unflagged.
    ms[0]!.rows.push({ ...ms[1]!.rows[0]!, bucket_id: "route:2", start: btoa("b") });
    ms[1]!.rows.push({ ...ms[1]!.rows[0]!, bucket_id: "route:2", start: btoa("b") });
    const merged = mergeMatrices(ms, { nowMs: NOW });
    expectCells(merged, cells, false, [[true, false]]);
    expect(merged.rows[0]!.conflicts).toEqual([true, true]);
    const second = merged.rows.find((r) => r.bucket_id === "route:2")!;
    expect([second.values, second.conflicts]).toEqual([[3, 5], undefined]);
  });

  it("zero cells, -0 included, merge to 0 with identity 0/0", () => {
    const cells: [number, number, number][][] = [
      [
        [-0, 7, 2],
        [0, 7, 2],
      ],
      [
        [-0, 8, 3],
        [-0, 0, 0],
      ],
      [
        [0, 9, 4],
        [-0, 7, 2],
      ],
    ];
    for (const series of SERIES) {
      const row = mergeMatrices(threeNodes(series, cells), { nowMs: NOW }).rows[0]!;
      for (const v of [...row.values, ...row.raft_group_ids, ...row.leader_terms]) expect(Object.is(v, 0)).toBe(true);
    }
  });
});
