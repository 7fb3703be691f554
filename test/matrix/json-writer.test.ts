import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { matrixJsonBytes, writeMatrixJson } from "../../src/matrix/json-writer.js";
import { toWireMatrix, type MatrixTable, type RowIdentity } from "../../src/matrix/table.js";
import { buildMatrixTable } from "../../src/matrix/build.js";
import type { RowHead } from "../../src/wire/wire.js";
import type { RowMeta, SeriesView } from "../../src/types.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// Numbers the writer must format exactly as JSON.stringify: its fast-path boundaries, and the
// cases it hands to String() (fractions, negatives, -0, ≥ 2^32, huge, non-finite → null).
const number = fc.oneof(
  fc.nat(20),
  fc.constantFrom(
    0,
    -0,
    9,
    10,
    99,
    100,
    999,
    1000,
    9999,
    10000,
    99999999,
    1e8,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    1e21,
    1e-7,
    0.5,
    -1,
    -12345.678,
    NaN,
    Infinity,
    -Infinity,
  ),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc.double(),
);

const keyText = fc.option(
  fc.base64String({ minLength: 4, maxLength: 40 }).filter((s) => s.length > 0),
  { nil: null },
);

const head: fc.Arbitrary<RowHead> = fc.record(
  {
    bucket_id: fc.string({ maxLength: 20 }),
    label: fc.option(fc.string({ maxLength: 8, unit: "grapheme" }), { nil: undefined }),
    start: keyText,
    end: keyText,
    aggregate: fc.boolean(),
    route_ids: fc.option(fc.array(fc.nat(100000), { maxLength: 5 }), { nil: undefined }),
    route_ids_truncated: fc.option(fc.boolean(), { nil: undefined }),
    route_count: fc.nat(1000),
  },
  { requiredKeys: ["bucket_id", "start", "end", "aggregate", "route_count"] },
);

/**
 * Identities per cell row as the layout pivot gives them: rows marked whole carry one (group, term)
 * and their per-cell groups/terms are garbage the readers must not look at.
 */
function rowIdentity(cellRows: number): fc.Arbitrary<RowIdentity> {
  const perRow = (arb: fc.Arbitrary<number>) =>
    fc.array(arb, { minLength: cellRows, maxLength: cellRows }).map((a) => Float64Array.from(a));
  return fc.record({
    group: perRow(fc.oneof(fc.nat(5), number)),
    term: perRow(fc.oneof(fc.nat(5), number)),
    perCell: fc
      .array(fc.constantFrom(0, 0, 1), { minLength: cellRows, maxLength: cellRows })
      .map((a) => Uint8Array.from(a)),
  });
}

/** A random table; identity cells are often one value per row (the writer's shared runs). */
const table: fc.Arbitrary<MatrixTable> = fc
  .record({ width: fc.nat(6), heads: fc.array(head, { maxLength: 6 }), extraRows: fc.nat(2), conflicts: fc.boolean() })
  .chain(({ width, heads, extraRows, conflicts }) => {
    const cellRows = heads.length + extraRows;
    const cells = cellRows * width;
    const identity = fc.oneof(
      fc.array(number, { minLength: cells, maxLength: cells }),
      fc
        .array(fc.nat(3), { minLength: cellRows, maxLength: cellRows })
        .map((perRow) => perRow.flatMap((v) => new Array<number>(width).fill(v))),
    );
    return fc.record({
      series: fc.constantFrom("reads" as const, "writes" as const, "read_bytes" as const, "write_bytes" as const),
      generated_at: fc.constant("2026-01-02T03:04:05.006Z"),
      column_unix_ms: fc.array(fc.nat(), { minLength: width, maxLength: width }),
      heads: fc.constant(heads),
      cellRow: fc
        .shuffledSubarray([...Array(cellRows).keys()], { minLength: heads.length, maxLength: heads.length })
        .map((a) => Uint32Array.from(a)),
      values: fc.array(number, { minLength: cells, maxLength: cells }).map((a) => Float64Array.from(a)),
      groups: identity.map((a) => Float64Array.from(a)),
      terms: identity.map((a) => Float64Array.from(a)),
      conflicts: conflicts
        ? fc.array(fc.constantFrom(0, 0, 1), { minLength: cells, maxLength: cells }).map((a) => Uint8Array.from(a))
        : fc.constant(null),
      identity: fc.option(rowIdentity(cellRows), { nil: undefined }),
      fanout: fc.option(
        fc.constant({
          nodes: [
            { node: "self", ok: true },
            { node: "http://127.0.0.1:1", ok: false, error: "timeout" },
          ],
          responded: 1,
          expected: 2,
        }),
        { nil: undefined },
      ),
    });
  });

describe("matrix JSON writer", () => {
  it("writes exactly JSON.stringify of the wire matrix", () => {
    fc.assert(
      fc.property(table, (t) => {
        expect(text(matrixJsonBytes(t))).toBe(JSON.stringify(toWireMatrix(t)));
      }),
      { numRuns: 400 },
    );
  });

  it("reads a whole row's identity from table.identity and a per-cell row's from its cells", () => {
    fc.assert(
      fc.property(table, (t) => {
        const width = t.column_unix_ms.length;
        const wire = toWireMatrix(t);
        wire.rows.forEach((row, i) => {
          const r = t.cellRow[i]!;
          const at = r * width;
          const whole = t.identity !== undefined && t.identity.perCell[r] === 0;
          // -0 and 0 are one value here (rows share one constant array per value; JSON has no -0).
          const zeroed = (a: ArrayLike<number>) => Array.from(a, (v) => v + 0);
          const cells = (a: Float64Array) => zeroed(a.subarray(at, at + width));
          const filled = (v: number) => zeroed(new Array<number>(width).fill(v));
          expect(zeroed(row.raft_group_ids)).toEqual(whole ? filled(t.identity!.group[r]!) : cells(t.groups));
          expect(zeroed(row.leader_terms)).toEqual(whole ? filled(t.identity!.term[r]!) : cells(t.terms));
        });
      }),
      { numRuns: 200 },
    );
  });

  it("hands over chunks of at most 256 KiB that concatenate to the whole text, conflict flags too", () => {
    const width = 1440;
    const rows = 64;
    const values = Float64Array.from({ length: rows * width }, (_, i) => (i * 7919) % 123457);
    const t: MatrixTable = {
      series: "writes",
      generated_at: "2026-01-02T03:04:05.006Z",
      column_unix_ms: Array.from({ length: width }, (_, i) => 1_700_000_000_000 + i * 60_000),
      heads: Array.from({ length: rows }, (_, i) => ({
        bucket_id: `route:${i}`,
        start: null,
        end: null,
        aggregate: false,
        route_count: 1,
      })),
      cellRow: Uint32Array.from({ length: rows }, (_, i) => rows - 1 - i),
      values,
      groups: values.map((v) => v % 3),
      terms: new Float64Array(rows * width).fill(7),
      // Every other row conflicts in one column of five: flag lists span many blocks and chunks.
      conflicts: Uint8Array.from({ length: rows * width }, (_, i) =>
        Math.floor(i / width) % 2 === 0 && i % 5 === 0 ? 1 : 0,
      ),
    };
    const chunks: Uint8Array[] = [];
    const total = writeMatrixJson(t, (c) => chunks.push(c));
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(256 * 1024);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(total);
    expect(text(matrixJsonBytes(t))).toBe(JSON.stringify(toWireMatrix(t)));
  });

  it("writes a key longer than a chunk as its own chunk", () => {
    const long = btoa("k".repeat(400_000));
    const t: MatrixTable = {
      series: "reads",
      generated_at: "2026-01-02T03:04:05.006Z",
      column_unix_ms: [1],
      heads: [{ bucket_id: "route:1", label: "ünï", start: long, end: null, aggregate: false, route_count: 1 }],
      cellRow: Uint32Array.of(0),
      values: Float64Array.of(3),
      groups: Float64Array.of(1),
      terms: Float64Array.of(2),
      conflicts: null,
    };
    expect(text(matrixJsonBytes(t))).toBe(JSON.stringify(toWireMatrix(t)));
  });

  it("matches JSON.stringify of buildMatrix's result on a built matrix", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const metas: RowMeta[] = Array.from({ length: 40 }, (_, i) => ({
      bucketId: `route:${i}`,
      routeId: i,
      label: "",
      start: i === 0 ? null : enc(`k${String(i).padStart(3, "0")}`),
      end: i === 39 ? null : enc(`k${String(i + 1).padStart(3, "0")}`),
      aggregate: false,
      memberRoutes: [i],
      memberRoutesTotal: 1,
      groupId: 1 + (i % 4),
      subBucket: 0,
      subBucketCount: 1,
    }));
    const view: SeriesView = {
      series: "writes",
      metas,
      columns: Array.from({ length: 30 }, (_, c) => ({
        windowStartMs: c * 1000,
        atMs: (c + 1) * 1000,
        metaIds: Uint32Array.from({ length: 40 }, (_, i) => i),
        values: Uint32Array.from({ length: 40 }, (_, i) => ((i + 1) * (c + 3) * 2654435761) % 17),
        terms: Uint32Array.from({ length: 40 }, (_, i) => 1 + ((i + c) % 2)),
      })),
    };
    const t = buildMatrixTable(view, { rows: 7, nowMs: 5 });
    const wire = toWireMatrix(t);
    expect(wire.rows).toHaveLength(7);
    expect(text(matrixJsonBytes(t))).toBe(JSON.stringify(wire));
  });
});
