// Time re-aggregation (rebucket.ts): summing runs of same-layout columns must build exactly the
// matrix that concatenating every member column builds (the pivot's own rule for a group).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { rebucketView } from "../../src/matrix/rebucket.js";
import type { SeriesView } from "../../src/types.js";
import { build, col, meta, view } from "./build-fixtures.js";

type ViewColumn = SeriesView["columns"][number];

/** The oracle: each group's member columns concatenated, as the pivot would read them one by one. */
function concatenated(v: SeriesView, stepMs: number): SeriesView {
  const groups = new Map<number, ViewColumn[]>();
  for (const c of v.columns) {
    const end = Math.ceil(c.atMs / stepMs) * stepMs;
    groups.set(end, [...(groups.get(end) ?? []), c]);
  }
  const join = <T extends Float64Array | Uint32Array>(make: (n: number) => T, parts: ArrayLike<number>[]): T => {
    const out = make(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) for (let i = 0; i < p.length; i++) out[at++] = p[i]!;
    return out;
  };
  const columns = [...groups].map(([atMs, cs]) => ({
    windowStartMs: Math.min(...cs.map((c) => c.windowStartMs)),
    atMs,
    metaIds: join(
      (n) => new Uint32Array(n),
      cs.map((c) => c.metaIds),
    ),
    values: join(
      (n) => new Float64Array(n),
      cs.map((c) => c.values),
    ),
    terms: join(
      (n) => new Float64Array(n),
      cs.map((c) => c.terms),
    ),
  }));
  return { series: v.series, metas: v.metas, columns };
}

const METAS = Array.from({ length: 12 }, (_, i) =>
  meta(i, i === 0 ? null : String.fromCharCode(65 + i), i === 11 ? null : String.fromCharCode(66 + i), {
    groupId: 1 + (i % 2),
  }),
);

// Columns 250 ms apart; each takes a fresh layout (random metas, terms, element types), repeats
// the previous column's ids and terms arrays (what the history hands out) with new values, or
// repeats only its ids array with terms of its own.
const arbColumns = fc.array(
  fc.record({
    repeat: fc.constantFrom("no", "layout", "ids"),
    cells: fc.uniqueArray(fc.tuple(fc.nat(11), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 })), {
      selector: (c) => c[0],
      maxLength: 12,
    }),
    values: fc.array(fc.oneof(fc.constant(0), fc.nat(50), fc.constant(2 ** 32 - 1)), { minLength: 12, maxLength: 12 }),
    u32: fc.boolean(),
  }),
  { maxLength: 24 },
);

type ColumnSpec = typeof arbColumns extends fc.Arbitrary<(infer T)[]> ? T : never;

function viewOf(specs: ColumnSpec[]): SeriesView {
  const columns: ViewColumn[] = [];
  specs.forEach((s, k) => {
    const atMs = 250 * (k + 1);
    const prev = columns[k - 1];
    const repeat = prev === undefined ? "no" : s.repeat;
    const base =
      repeat === "no"
        ? col(
            atMs,
            s.cells.map(([m, , t]) => [m, 0, t]),
          )
        : prev!;
    const values = Float64Array.from(base.metaIds, (_, i) => s.values[i]!);
    const ownTerms = repeat === "ids" ? Float64Array.from(base.metaIds, (_, i) => s.cells[i]?.[2] ?? 1) : base.terms;
    const terms = repeat === "layout" ? prev!.terms : s.u32 ? Uint32Array.from(ownTerms) : Float64Array.from(ownTerms);
    columns.push({
      windowStartMs: atMs - 250,
      atMs,
      metaIds: base.metaIds,
      values: s.u32 ? Uint32Array.from(values) : values,
      terms,
    });
  });
  return view(METAS, columns);
}

describe("rebucketView", () => {
  it("property: the matrix of summed same-layout runs equals the matrix of every member concatenated", () => {
    fc.assert(
      fc.property(
        arbColumns,
        fc.constantFrom(500, 1000, 1750, 6000),
        fc.integer({ min: 1, max: 12 }),
        (specs, step, rows) => {
          const v = viewOf(specs);
          expect(build(rebucketView(v, step), rows)).toEqual(build(concatenated(v, step), rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a run of one layout becomes one column of its shared ids and terms with exact per-meta sums", () => {
    const first = col(1000, [
      [0, 2 ** 32 - 1, 1],
      [3, 5, 1],
    ]);
    const second = { ...first, windowStartMs: 1000, atMs: 2000, values: Uint32Array.of(2 ** 32 - 1, 0) };
    const [merged] = rebucketView(view(METAS, [first, second]), 2000).columns;
    expect(merged!.metaIds).toBe(first.metaIds);
    expect(merged!.terms).toBe(first.terms);
    expect([...merged!.values]).toEqual([2 ** 33 - 2, 5]);
    expect([merged!.windowStartMs, merged!.atMs]).toEqual([0, 2000]);
  });

  it("different layouts in one group are joined, u32 staying u32", () => {
    const a = { ...col(1000, [[1, 4, 0]]), values: Uint32Array.of(4), terms: Uint32Array.of(0) };
    const b = { ...col(2000, [[2, 6, 0]]), values: Uint32Array.of(6), terms: Uint32Array.of(0) };
    const [merged] = rebucketView(view(METAS, [a, b]), 2000).columns;
    expect(merged!.values).toBeInstanceOf(Uint32Array);
    expect([...merged!.metaIds]).toEqual([1, 2]);
    expect([...merged!.values]).toEqual([4, 6]);
  });
});
